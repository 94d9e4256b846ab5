"""The security cases that need the service as deployed: two gunicorn instances (separate
processes, two ports) over one database, spoken to over HTTP with real sessions and CSRF tokens,
the sweep command run as cron runs it. Time is the clock file every process reads
(``conftest.ServerTime``): no test sleeps, every wait is bounded.

Cases: SEC-D1, D2, D4, T1, T2, T4, T6 in ``shared/cases/security.md``."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from question_bank.models import (Attempt, AttemptState, AuditEvent, DeviceEvent, DeviceEventKind, RosterEntry,
                                  ScoreRecord)
from tests.conftest import at
from tests.instances import servers
from tests.instances.http_candidate import HttpCandidate, Reply
from tests.scenarios import single_choice_exam

#: Seconds a group of concurrent requests may take in all on a busy 2-core machine.
GROUP_TIMEOUT_S = 120
RIGHT, WRONG = ["B"], ["A"]  # single_choice_exam keys every question B; 5 questions of 20 points


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together (a barrier), so their requests meet on the
    server; their results in order. Bounded by GROUP_TIMEOUT_S."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=GROUP_TIMEOUT_S)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [f.result(timeout=GROUP_TIMEOUT_S) for f in futures]


def _exam(make, db, **sitting_args):
    exam = single_choice_exam(make, **sitting_args)
    db.commit()
    return exam


def _signed_in(base: str, username: str, **device: str) -> HttpCandidate:
    person = HttpCandidate(**device)
    person.sign_in(base, username)
    return person


def _started(base: str, make, db, page: str) -> tuple[Any, HttpCandidate, int]:
    """A candidate signed in and started on ``base``, the exam page ``page`` holding the attempt:
    the exam, the candidate's browser and the attempt id."""
    exam = _exam(make, db)
    cadre = _signed_in(base, exam.cadre.username)
    attempt_id = cadre.attempt_id_of(cadre.start(base, exam.sitting.id))
    assert cadre.claim(base, attempt_id, page).json()["held_here"] is True
    return exam, cadre, attempt_id


def _attempt(db, attempt_id: int) -> Attempt:
    db.rollback()  # a fresh snapshot: the instances wrote in other processes
    return db.get(Attempt, attempt_id, populate_existing=True)


def _score_records(db, attempt_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count(ScoreRecord.id)).where(ScoreRecord.attempt_id == attempt_id))


def _closings(db, attempt_id: int) -> list[str]:
    """The audit entries that closed the attempt (attempt.submitted / attempt.auto_submitted)."""
    db.rollback()
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "attempt", AuditEvent.object_id == str(attempt_id),
        AuditEvent.action.in_(["attempt.submitted", "attempt.auto_submitted"]))))


def _change(answer: list[str], seq: int, writer: str, base: int = 0) -> dict[str, Any]:
    return {"answer": answer, "seq": seq, "writer": writer, "base": base}


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)


# --- SEC-D1 double submit across instances ---------------------------------------------------------------

def test_sec_d1_two_submits_at_once_on_two_instances_close_the_attempt_once(deployment, server_time, make, db):
    a, b = deployment.urls
    page = "page-d1"
    exam, cadre, attempt_id = _started(a, make, db, page)
    assert cadre.save(b, attempt_id, 1, RIGHT, 1, page, 0).status == 200
    server_time.set(at("10:12:00"))
    # The page's submit sent twice with the same key (its token and change numbers), once to each instance.
    final = {"2": _change(RIGHT, 2, page)}
    replies = at_once([lambda: cadre.submit(a, attempt_id, final, page), lambda: cadre.submit(b, attempt_id, final, page)])
    assert [r.status for r in replies] == [200, 200], [r.text[:300] for r in replies]
    bodies = [r.json() for r in replies]
    assert sorted(body["already_submitted"] for body in bodies) == [False, True]  # one closing, one told so
    # Then a third submit under a new key (another page): the same result, its change not taken.
    third = cadre.submit(b, attempt_id, {"3": _change(RIGHT, 1, "page-d1-other")}, "page-d1-other")
    assert third.status == 200
    bodies.append(third.json())
    assert bodies[2]["already_submitted"] is True and bodies[2]["payload_ignored"] == "already_submitted"
    assert [n["slot"] for n in bodies[2]["not_taken"]] == [3]
    # Every reply reports the same final result.
    assert {(body["state"], body["finished_at"], Decimal(body["score"])) for body in bodies} == {
        ("submitted", bodies[0]["finished_at"], Decimal(40))}
    assert _utc(bodies[0]["finished_at"]) == at("10:12:00")
    assert all(body["not_taken"] == [] for body in bodies[:2])  # the same payload, applied once
    attempt = _attempt(db, attempt_id)
    assert attempt.state == AttemptState.SUBMITTED and attempt.score == Decimal(40)
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == exam.cadre.id)) == 1
    assert _score_records(db, attempt_id) == 1
    assert _closings(db, attempt_id) == ["attempt.submitted"]


# --- SEC-D2 parallel start ---------------------------------------------------------------------------------

def test_sec_d2_ten_starts_at_once_over_two_instances_make_one_attempt(deployment, server_time, make, db):
    urls = deployment.urls
    exam = _exam(make, db)
    # Ten tabs and devices of one candidate, signed in on either instance.
    people = [_signed_in(urls[n % 2], exam.cadre.username, user_agent=f"device-{n}") for n in range(10)]
    replies = at_once([lambda p=p, n=n: p.start(urls[(n + 1) % 2], exam.sitting.id) for n, p in enumerate(people)])
    ids = {HttpCandidate.attempt_id_of(reply) for reply in replies}  # every start is a 302 to the exam page
    assert len(ids) == 1
    attempt_id = ids.pop()
    db.rollback()
    rows = db.scalars(select(Attempt).where(Attempt.user_id == exam.cadre.id, Attempt.sitting_id == exam.sitting.id)).all()
    assert [row.id for row in rows] == [attempt_id]
    # Every device sees that attempt's one deadline, on either instance.
    deadlines = {people[n].state(urls[n % 2], attempt_id)["deadline"] for n in range(10)}
    assert {_utc(d) for d in deadlines} == {at("10:30:00")}


# --- SEC-D4 submit racing the auto-close sweep -----------------------------------------------------------

SWEEP_LINE = re.compile(r"closed (\d+) overdue attempt\(s\)(?:: ([\d, ]+))?")


def _swept(output: str) -> list[int]:
    match = SWEEP_LINE.search(output)
    assert match, output
    return [int(n) for n in (match.group(2) or "").replace(" ", "").split(",") if n]


def _started_candidates(deployment, make, db, count: int) -> tuple[Any, list[tuple[HttpCandidate, int]]]:
    """``count`` candidates of one sitting, each with an attempt started at 10:00 and question 1
    answered right (saved, version 1), spread over both instances."""
    urls = deployment.urls
    exam = _exam(make, db)
    cadres = [exam.cadre] + [make.cadre() for _ in range(count - 1)]
    for cadre in cadres[1:]:
        exam.sitting.roster.append(RosterEntry(user_id=cadre.id, added_at=at("09:00:00")))
    db.commit()

    def begin(n: int) -> tuple[HttpCandidate, int]:
        person = _signed_in(urls[n % 2], cadres[n].username)
        attempt_id = person.attempt_id_of(person.start(urls[n % 2], exam.sitting.id))
        assert person.save(urls[(n + 1) % 2], attempt_id, 1, RIGHT, 1, f"page-{n}", 0).status == 200
        return person, attempt_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        return exam, list(pool.map(begin, range(count), timeout=GROUP_TIMEOUT_S))


def _race_sweeps(deployment, gate, submits: list[Callable[[], Reply]]) -> tuple[list[Reply], list[int]]:
    """Two sweeps (two hosts' cron) and ``submits`` released at one moment; the submits' replies
    and the attempts the sweeps closed."""
    sweeps = [servers.start_sweep(deployment.env, gate) for _ in range(2)]
    try:
        servers.wait_for_gated(gate, sweeps)
        replies = at_once([gate.touch, *submits])[1:]
    finally:
        gate.touch()  # never leave a sweep waiting
        swept = [attempt for sweep in sweeps for attempt in _swept(servers.finish_command(sweep))]
    return replies, swept


def test_sec_d4_submits_racing_two_sweeps_close_each_attempt_once_at_its_deadline(deployment, server_time, make, db,
                                                                                 tmp_path):
    urls = deployment.urls
    exam, started = _started_candidates(deployment, make, db, 12)
    ids = [attempt_id for _, attempt_id in started]
    server_time.set(at("10:30:31"))  # deadline 10:30:00, grace 30 s: every attempt is due for closing
    # The sweep on two hosts at once, and at the same moment every candidate's submit (last attempts
    # first, so they meet the sweeps, which close in deadline order) alternating between the instances.
    replies, swept = _race_sweeps(deployment, tmp_path / "gate", [
        lambda p=p, i=i, n=n: p.submit(urls[n % 2], i, {"2": _change(RIGHT, 2, f"page-{n}")}, f"page-{n}")
        for n, (p, i) in reversed(list(enumerate(started)))])
    replies = list(reversed(replies))
    assert [r.status for r in replies] == [200] * len(ids), [r.text[:200] for r in replies if r.status != 200]
    closed_by_submit = [i for i, r in zip(ids, replies) if not r.json()["already_submitted"]]
    # Each attempt was closed exactly once: by one sweep or by its submit, never by two of them.
    assert sorted(swept + closed_by_submit) == sorted(ids)
    for attempt_id, reply in zip(ids, replies):
        body = reply.json()
        # Too late to count: the payload is ignored and the candidate is told which answer was not taken.
        assert body["payload_ignored"] in ("deadline_passed", "already_submitted")
        assert [n["slot"] for n in body["not_taken"]] == [2]
        attempt = _attempt(db, attempt_id)
        assert attempt.state == AttemptState.AUTO_SUBMITTED
        assert attempt.finished_at == at("10:30:00")  # the deadline: earlier than any submit
        assert attempt.score == Decimal(20)  # the answer the server held is scored, graded once
        assert _score_records(db, attempt_id) == 1
        assert _closings(db, attempt_id) == ["attempt.auto_submitted"]


def test_sec_d4_a_submit_before_the_deadline_while_sweeps_run_finishes_at_the_submit_time(deployment, server_time,
                                                                                         make, db, tmp_path):
    urls = deployment.urls
    exam, started = _started_candidates(deployment, make, db, 4)
    server_time.set(at("10:29:50"))
    replies, swept = _race_sweeps(deployment, tmp_path / "gate", [
        lambda p=p, i=i, n=n: p.submit(urls[n % 2], i, {"2": _change(RIGHT, 2, f"page-{n}")}, f"page-{n}")
        for n, (p, i) in enumerate(started)])
    assert swept == []  # nothing was overdue
    for (_, attempt_id), reply in zip(started, replies):
        assert reply.status == 200 and reply.json()["already_submitted"] is False
        attempt = _attempt(db, attempt_id)
        assert attempt.state == AttemptState.SUBMITTED and attempt.finished_at == at("10:29:50")
        assert attempt.score == Decimal(40)  # the saved answer and the submit's own, graded once
        assert _score_records(db, attempt_id) == 1 and _closings(db, attempt_id) == ["attempt.submitted"]


# --- SEC-T1 late writes by direct request --------------------------------------------------------------

def test_sec_t1_writes_after_deadline_and_grace_are_refused_and_the_attempt_ends_at_its_deadline(
        deployment, server_time, make, db):
    a, b = deployment.urls
    page = "page-t1"
    exam, cadre, attempt_id = _started(a, make, db, page)
    server_time.set(at("10:10:00"))
    assert cadre.save(a, attempt_id, 1, RIGHT, 1, page, 0).status == 200
    # A change in flight at the deadline is taken within the network grace (30 s).
    server_time.set(at("10:30:29"))
    assert cadre.save(b, attempt_id, 2, RIGHT, 2, page, 0).status == 200
    server_time.set(at("10:30:31"))  # deadline + grace + 1 s
    late_save = cadre.save(b, attempt_id, 3, RIGHT, 3, page, 0)
    assert late_save.status == 409 and late_save.json()["error"] == "deadline_passed"
    attempt = _attempt(db, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")
    # The exam page left open since before the deadline submits its unsent changes: not taken, and told so.
    stale = cadre.submit(a, attempt_id, {"1": _change(WRONG, 4, page, 1), "4": _change(RIGHT, 5, page)}, page)
    assert stale.status == 200
    body = stale.json()
    assert body["state"] == "auto_submitted" and body["payload_ignored"] == "deadline_passed"
    assert sorted(n["slot"] for n in body["not_taken"]) == [1, 4]
    assert _utc(body["finished_at"]) == at("10:30:00")
    assert cadre.save(a, attempt_id, 5, RIGHT, 6, page, 0).status == 409
    attempt = _attempt(db, attempt_id)
    assert attempt.score == Decimal(40)  # the two answers held by deadline + grace, nothing later
    assert _score_records(db, attempt_id) == 1 and _closings(db, attempt_id) == ["attempt.auto_submitted"]


# --- SEC-T2 client-asserted time is ignored ------------------------------------------------------------

CLIENT_TIMES = {
    "started_at": "2026-05-11T09:00:00+08:00", "remaining_seconds": 99999, "client_time": "2026-05-11T12:07:00+08:00",
    "deadline": "2026-05-11T23:59:00+08:00", "duration": 86400, "remaining_s": 99999, "time_limit_s": 86400,
}
FAST = {"Date": "Mon, 11 May 2026 04:07:00 GMT", "X-Client-Time": "2026-05-11T12:07:00+08:00"}  # 2 h fast
SLOW = {"Date": "Mon, 11 May 2026 00:07:00 GMT", "X-Client-Time": "2026-05-11T08:07:00+08:00"}  # 2 h slow


def test_sec_t2_client_asserted_times_change_neither_deadline_nor_remaining_time(deployment, server_time, make, db):
    a, b = deployment.urls
    exam = _exam(make, db)
    cadre = _signed_in(a, exam.cadre.username)
    start = cadre.request(a, "POST", f"/me/sittings/{exam.sitting.id}/start",
                          form={"pledge": "accepted", **CLIENT_TIMES}, headers=FAST)
    attempt_id = cadre.attempt_id_of(start)
    page = "page-t2"
    assert cadre.claim(b, attempt_id, page).json()["held_here"] is True
    server_time.set(at("10:07:00"))
    for base, headers in ((a, FAST), (b, SLOW), (a, SLOW), (b, FAST)):
        saved = cadre.save(base, attempt_id, 1, RIGHT, 1, page, 0, **CLIENT_TIMES)
        assert saved.status == 200
        for reply_text in (saved.text, cadre.request(base, "GET", f"/api/attempts/{attempt_id}/state",
                                                     headers={"Accept": "application/json", **headers}).text):
            for value in ("12:07", "08:07", "23:59", "99999", "86400"):
                assert value not in reply_text  # no client timing value echoed back as if true
        state = cadre.state(base, attempt_id, **headers)
        assert _utc(state["deadline"]) == at("10:30:00")  # server start 10:00 + 30 min
        assert state["remaining_s"] == 23 * 60
        assert _utc(state["server_time"]) == at("10:07:00")
    # A start repeated with forged times gives back the same attempt and deadline.
    again = cadre.request(b, "POST", f"/me/sittings/{exam.sitting.id}/start",
                          form={"pledge": "accepted", **CLIENT_TIMES}, headers=SLOW)
    assert cadre.attempt_id_of(again) == attempt_id
    server_time.set(at("10:20:00"))
    handed_in = cadre.submit(b, attempt_id, {}, page, **CLIENT_TIMES).json()
    assert _utc(handed_in["finished_at"]) == at("10:20:00")  # the server's time, not the client's
    attempt = _attempt(db, attempt_id)
    assert attempt.started_at == at("10:00:00") and attempt.deadline == at("10:30:00")


# --- SEC-T4 restarting to reset the clock --------------------------------------------------------------

def test_sec_t4_starting_again_anywhere_and_restarting_an_instance_keep_the_attempt_and_deadline(
        deployment, server_time, make, db):
    a, b = deployment.urls
    exam, tab, attempt_id = _started(a, make, db, "page-t4")
    assert tab.save(a, attempt_id, 1, RIGHT, 1, "page-t4", 0).status == 200
    server_time.set(at("10:07:00"))
    assert tab.attempt_id_of(tab.start(a, exam.sitting.id)) == attempt_id  # the same tab
    # Signed out, then in again on the other instance.
    assert tab.request(a, "POST", "/logout", form={}).status == 302
    tab.sign_in(b, exam.cadre.username)
    assert tab.attempt_id_of(tab.start(b, exam.sitting.id)) == attempt_id
    device = _signed_in(b, exam.cadre.username, user_agent="second-device")  # a second device
    assert device.attempt_id_of(device.start(a, exam.sitting.id)) == attempt_id
    for forged in ({"attempt_no": "2"}, {"attempt_no": "0"}, {"attempt_id": "0", "attempts_used": "0"}):
        assert device.attempt_id_of(device.start(b, exam.sitting.id, **forged)) == attempt_id
    # An instance restarted mid-attempt (a deploy, a crash): the deadline is the database's.
    deployment.a.restart()
    server_time.set(at("10:12:00"))
    for base in (a, b):
        state = tab.state(base, attempt_id)
        assert _utc(state["deadline"]) == at("10:30:00") and state["remaining_s"] == 18 * 60
        assert state["responses"] == {"1": RIGHT}
    db.rollback()
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == exam.cadre.id)) == 1
    assert _attempt(db, attempt_id).deadline == at("10:30:00")


# --- SEC-T6 second device during a sitting -------------------------------------------------------------

def test_sec_t6_a_second_device_takes_over_and_the_first_ones_later_writes_are_refused(
        deployment, server_time, make, db):
    a, b = deployment.urls
    exam = _exam(make, db)
    phone = _signed_in(a, exam.cadre.username, user_agent="Phone-1 (device one)", source_ip="127.0.0.1")
    attempt_id = phone.attempt_id_of(phone.start(a, exam.sitting.id))
    assert phone.claim(a, attempt_id, "phone").json()["held_here"] is True
    assert phone.save(a, attempt_id, 1, WRONG, 1, "phone", 0).status == 200
    server_time.set(at("10:05:00"))
    laptop = _signed_in(b, exam.cadre.username, user_agent="Laptop-2 (device two)", source_ip="127.0.0.2")
    assert laptop.attempt_id_of(laptop.start(b, exam.sitting.id)) == attempt_id
    assert laptop.claim(b, attempt_id, "laptop").json()["held_here"] is False  # asked "continue here?"
    assert laptop.take_over(b, attempt_id, "laptop").json()["held_here"] is True
    laptop_versions = {slot: laptop.state(b, attempt_id)["versions"].get(str(slot), 0) for slot in range(1, 6)}
    # Both keep saving, at the same moments, each through either instance.
    calls: list[Callable[[], Reply]] = []
    for n, slot in enumerate([1, 2, 3, 4, 5, 2, 3]):
        calls.append(lambda n=n, slot=slot: ("phone", slot, phone.save(
            (a, b)[n % 2], attempt_id, slot, WRONG, 10 + n, "phone", laptop_versions[slot])))
        calls.append(lambda n=n, slot=slot: ("laptop", slot, laptop.save(
            (b, a)[n % 2], attempt_id, slot, RIGHT, 10 + n, "laptop", 0 if slot != 1 else laptop_versions[1])))
    results = at_once(calls)
    for device, slot, reply in results:
        if device == "phone":
            assert reply.status == 409 and reply.json()["error"] == "taken_over"
            assert "另一台设备" in reply.json()["message"]  # "continued on another device"
        else:
            assert reply.status == 200, reply.text[:300]
    refused_submit = phone.submit(a, attempt_id, {"3": _change(WRONG, 99, "phone")}, "phone")
    assert refused_submit.status == 409 and refused_submit.json()["error"] == "taken_over"
    # No mix: every answer is the laptop's.
    state = laptop.state(a, attempt_id)
    assert state["state"] == "in_progress" and state["responses"] == {str(slot): RIGHT for slot in range(1, 6)}
    assert phone.state(b, attempt_id)["held_here"] is False
    # The proctor sees both devices, their addresses and browsers.
    db.rollback()
    events = db.scalars(select(DeviceEvent).where(DeviceEvent.attempt_id == attempt_id).order_by(DeviceEvent.id)).all()
    kinds = [(e.kind, e.page, e.ip, e.user_agent) for e in events]
    assert kinds == [(DeviceEventKind.OPENED, "phone", "127.0.0.1", "Phone-1 (device one)"),
                     (DeviceEventKind.ASKED, "laptop", "127.0.0.2", "Laptop-2 (device two)"),
                     (DeviceEventKind.TOOK_OVER, "laptop", "127.0.0.2", "Laptop-2 (device two)")]
    took_over = events[-1]
    assert (took_over.other_page, took_over.other_ip, took_over.other_user_agent) == (
        "phone", "127.0.0.1", "Phone-1 (device one)")
