"""SEC-F4 Flaky mobile network, at the HTTP level: replies lost after the server committed, the same
request arriving twice, requests arriving out of order, 90 s offline with changes queued, and a
queue delivered after deadline + grace. The page re-sends with the same writer and number; the
server answers with what it stored, stores each change once, never lets an older change undo a
newer one, and says clearly what it did not accept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from question_bank.models import Attempt, ResponseStep
from question_bank.services.marking import current_responses
from tests.conftest import at
from tests.scenarios import single_choice_exam, start_through_web

WRITER = "phone-page"


def send(client, attempt_id, slot, answer, seq, base):
    """One autosave exactly as the page sends it (a re-send repeats every field)."""
    return client.api_post(f"/api/attempts/{attempt_id}/responses",
                           {"slot": slot, "answer": answer, "seq": seq, "writer": WRITER, "base": base})


def steps(db, attempt_id) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(ResponseStep).where(ResponseStep.attempt_id == attempt_id))


def test_sec_f4_lost_replies_duplicates_and_reordering_store_each_change_once_and_keep_the_newest(
        client, make, clock, db):
    exam = single_choice_exam(make, count=3, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)

    # The server commits, the reply is lost on the way (the page never sees it) and the page re-sends.
    send(client, attempt_id, 1, ["A"], 1, 0)
    resent = send(client, attempt_id, 1, ["A"], 1, 0)
    assert resent.status_code == 200 and resent.get_json()["saved"] is True
    assert resent.get_json()["stored"] == {"answer": ["A"], "version": 1} and steps(db, attempt_id) == 1

    # A proxy delivers one request twice: both answered alike, stored once.
    first, second = (send(client, attempt_id, 2, ["C"], 2, 0) for _ in range(2))
    assert first.get_json()["stored"] == second.get_json()["stored"] == {"answer": ["C"], "version": 1}
    assert steps(db, attempt_id) == 2

    # Reordered: the page's change 4 (slot 2 → D) overtakes its change 3 (slot 2 → B).
    assert send(client, attempt_id, 2, ["D"], 4, 1).status_code == 200
    late = send(client, attempt_id, 2, ["B"], 3, 1)
    assert late.status_code == 200 and late.get_json()["current"] is False
    assert late.get_json()["stored"]["answer"] == ["D"]
    assert current_responses(db, attempt_id)[2].answer == ["D"]

    # The reply to the hand-in is lost; the page asks again and gets the same closing, once.
    hand_in = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    again = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    assert hand_in.status_code == again.status_code == 200
    assert again.get_json()["already_submitted"] is True
    assert again.get_json()["finished_at"] == hand_in.get_json()["finished_at"]
    assert db.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == exam.cadre.id)) == 1


def test_sec_f4_ninety_seconds_offline_the_queue_is_taken_on_reconnect(client, make, clock, db):
    exam = single_choice_exam(make, count=3, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert send(client, attempt_id, 1, ["A"], 1, 0).status_code == 200

    # Offline for 90 s: the page keeps answering, its changes queue up (nothing reaches the server).
    queue = [(1, ["B"], 2, 1), (2, ["C"], 3, 0), (3, ["D"], 4, 0)]
    clock.set(clock.now() + dt.timedelta(seconds=90))
    for slot, answer, seq, base in queue:  # reconnected: sent in order, well before the deadline
        reply = send(client, attempt_id, slot, answer, seq, base)
        assert reply.status_code == 200 and reply.get_json()["saved"] is True
    held = {slot: step.answer for slot, step in current_responses(db, attempt_id).items()}
    assert held == {1: ["B"], 2: ["C"], 3: ["D"]}


def test_sec_f4_a_queue_reaching_the_server_after_deadline_and_grace_is_refused_saying_so(client, make, clock, db):
    exam = single_choice_exam(make, count=3, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)  # 10:00, deadline 10:30, grace 30 s
    assert send(client, attempt_id, 1, ["B"], 1, 0).status_code == 200

    clock.set(at("10:30:29"))  # within the grace: a change made before the deadline still counts
    assert send(client, attempt_id, 2, ["B"], 2, 0).status_code == 200
    clock.set(at("10:30:31"))  # offline too long: the rest of the queue arrives after deadline + grace
    refused = send(client, attempt_id, 3, ["B"], 3, 0)
    assert refused.status_code == 409 and refused.get_json()["error"] == "deadline_passed"
    assert refused.get_json()["message"] and refused.get_json().get("saved") is not True
    final = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {
        "3": {"answer": ["B"], "seq": 4, "writer": WRITER, "base": 0}}})
    # The late save closed the attempt at its deadline (C-25): the hand-in says which answer it did
    # not take, and that the deadline is why (not a hand-in nobody made).
    assert final.status_code == 200 and final.get_json()["payload_ignored"] == "deadline_passed"
    assert [r["slot"] for r in final.get_json()["not_taken"]] == [3]
    attempt = db.get(Attempt, attempt_id)
    assert not attempt.is_open and attempt.finished_at == at("10:30:00")
    assert {slot: s.answer for slot, s in current_responses(db, attempt_id).items()} == {1: ["B"], 2: ["B"]}
