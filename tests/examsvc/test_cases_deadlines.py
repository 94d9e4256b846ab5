"""Cases C-01, C-02 and C-04: the server owns the deadline; the client's clock is never read;
abandoned attempts close at their deadline, not when someone notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from question_bank.models import Attempt, AttemptState, Role
from question_bank.services.marking import current_responses
from tests.conftest import at
from tests.scenarios import save, single_choice_exam, start_through_web, state, submit


def test_c01_server_owns_the_deadline(client, make, clock, db):
    exam = single_choice_exam(make, count=5, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)

    clock.set(at("10:05:00"))
    assert save(client, attempt_id, 1, ["B"], 1).status_code == 200
    clock.set(at("10:29:59"))
    assert save(client, attempt_id, 1, ["C"], 2).status_code == 200
    assert current_responses(db, attempt_id)[1].answer == ["C"]

    clock.set(at("10:45:00"))
    late = save(client, attempt_id, 1, ["D"], 3)
    assert late.status_code == 409
    assert current_responses(db, attempt_id)[1].answer == ["C"]

    closing = submit(client, attempt_id, {2: ["A"]})
    assert closing.status_code == 200
    assert 2 not in current_responses(db, attempt_id)
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state != AttemptState.IN_PROGRESS
    assert attempt.finished_at == at("10:30:00")
    assert attempt.score == Decimal(0)  # Q1 = "C" against key B; nothing else saved by 10:30

    page = client.get(f"/me/attempts/{attempt_id}")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/me/attempts/{attempt_id}/result")
    result = client.get(page.headers["Location"]).get_data(as_text=True)
    assert 'id="timer"' not in result
    assert "2026-05-11 10:30:00" in result


def test_c02_client_clock_is_never_trusted(client, make, clock, db):
    exam = single_choice_exam(make, minutes=60, opens_at=at("09:00:00"), closes_at=at("18:00:00"))
    client.login(exam.cadre.username)

    clock.set(at("08:59:00"))
    early = client.form_post(f"/me/sittings/{exam.sitting.id}/start",
                             {"client_time": at("09:30:00").isoformat(), "pledge": "accepted"},
                             headers={"Accept": "application/json"})
    assert early.status_code == 409
    assert early.get_json()["error"] == "not_open"
    assert db.query(Attempt).count() == 0

    clock.set(at("09:00:30"))
    attempt_id = start_through_web(client, exam.sitting, client_time=at("08:55:00").isoformat())
    clock.set(at("09:10:30"))
    polled = state(client, attempt_id)
    assert polled["remaining_s"] == 3000
    assert dt.datetime.fromisoformat(polled["deadline"]) == at("10:00:30")


def test_c02_remaining_time_does_not_depend_on_polling(client, make, clock):
    exam = single_choice_exam(make, minutes=60, opens_at=at("09:00:00"), closes_at=at("18:00:00"))
    client.login(exam.cadre.username)
    clock.set(at("09:00:30"))
    attempt_id = start_through_web(client, exam.sitting)
    for minute in range(1, 10):  # a page that polled every minute …
        clock.set(at(f"09:{minute:02d}:30"))
        state(client, attempt_id)
    clock.set(at("09:10:30"))
    assert state(client, attempt_id)["remaining_s"] == 3000  # … gets what a sleeping tab gets


def test_c02_a_later_start_time_is_also_ignored(client, make, clock):
    exam = single_choice_exam(make, minutes=60, opens_at=at("09:00:00"), closes_at=at("18:00:00"))
    client.login(exam.cadre.username)
    clock.set(at("09:00:30"))
    attempt_id = start_through_web(client, exam.sitting, client_time=at("10:30:00").isoformat(), started_at="x")
    assert dt.datetime.fromisoformat(state(client, attempt_id)["deadline"]) == at("10:00:30")


def _abandon_after_five_saves(client, make, clock):
    exam = single_choice_exam(make, count=10, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    for slot in range(1, 6):
        clock.set(at(f"10:{slot * 2:02d}:00"))
        assert save(client, attempt_id, slot, ["B"], slot).status_code == 200
    return exam, attempt_id


def test_c04_sweep_closes_at_the_deadline_not_at_sweep_time(app, client, client_factory, make, clock, db):
    exam, attempt_id = _abandon_after_five_saves(client, make, clock)
    clock.set(at("11:07:00"))
    db.commit()
    output = app.test_cli_runner().invoke(args=["sweep-overdue"])
    assert output.exit_code == 0 and "closed 1" in output.output
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED
    assert attempt.finished_at == at("10:30:00")
    assert attempt.duration_s == 30 * 60
    assert attempt.score == Decimal(50)  # Q1–Q5 right at 10 points each, Q6–Q10 unanswered
    assert app.test_cli_runner().invoke(args=["sweep-overdue"]).output.startswith("closed 0")

    make.user(Role.HR, username="hr_c04")
    hr = client_factory()
    hr.login("hr_c04")
    sheet = hr.get(f"/reports/sittings/{exam.sitting.id}/scores.csv").data.decode("utf-8-sig").splitlines()
    rows = [line for line in sheet[1:] if exam.cadre.display_name in line]
    assert len(sheet) == 2 and len(rows) == 1 and ",50," in rows[0] and "到时自动交卷" in rows[0]


def test_c04_reopening_after_the_deadline_closes_on_that_request(client, make, clock, db):
    exam, attempt_id = _abandon_after_five_saves(client, make, clock)
    clock.set(at("10:50:00"))
    page = client.get(f"/me/attempts/{attempt_id}")
    assert page.headers["Location"].endswith("/result")
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")
    restart = client.form_post(f"/me/sittings/{exam.sitting.id}/start", {"pledge": "accepted"}, headers={"Accept": "application/json"})
    assert restart.status_code == 409  # one attempt allowed, and it is used
    assert db.query(Attempt).filter_by(user_id=exam.cadre.id).count() == 1


def test_a_time_up_hand_in_never_closes_before_the_servers_deadline_and_at_it_says_the_time_ran_out(
        client, make, clock, db):
    """Issue-9 trial: remaining time was cut down to whole seconds, so a page reached zero up to a
    second early and handed in as an ordinary "submitted"."""
    exam = single_choice_exam(make, count=2, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    save(client, attempt_id, 1, ["B"], 1)

    clock.set(at("10:29:59") + dt.timedelta(milliseconds=600))
    assert state(client, attempt_id)["remaining_s"] == 1  # 0.4 s left counts as a second to go
    early = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}, "time_up": True})
    assert early.status_code == 409 and early.get_json()["error"] == "not_due"
    assert early.get_json()["remaining_s"] == 1
    db.rollback()
    assert db.get(Attempt, attempt_id).is_open

    clock.set(at("10:30:00") + dt.timedelta(milliseconds=300))
    assert state(client, attempt_id)["remaining_s"] == 0
    handed_in = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}, "time_up": True})
    assert handed_in.status_code == 200 and handed_in.get_json()["state"] == "auto_submitted"
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:30:00"))
    assert "到时自动交卷" in client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)


def test_a_hand_in_before_the_deadline_is_the_candidates_own(client, make, clock, db):
    exam = single_choice_exam(make, count=2, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    clock.set(at("10:29:59") + dt.timedelta(milliseconds=900))
    assert submit(client, attempt_id).get_json()["state"] == "submitted"
    db.rollback()
    assert db.get(Attempt, attempt_id).finished_at == at("10:29:59") + dt.timedelta(milliseconds=900)
