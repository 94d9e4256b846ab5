"""The proctor (监考): leaving the exam page is recorded with server times and shown on the
monitoring table, never punished by itself; a proctor voids an attempt with a reason (ledger
entry, audit) and re-opens one after a device failed, with a reason and a new deadline the server
holds."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.models import Attempt, AttemptState, AuditEvent, FocusEvent, Role, ScoreRecord
from question_bank.services import score_check, score_sheets
from tests.conftest import at
from tests.scenarios import save, single_choice_exam, start_through_web, submit


@pytest.fixture
def exam(make):
    return single_choice_exam(make, count=5, minutes=30)


@pytest.fixture
def proctor(make, client_factory):
    admin = make.user(Role.EXAM_ADMIN, username="proctor1")
    client = client_factory()
    client.login(admin.username)
    client.form_post("/lang/en")
    return client


def _focus(client, attempt_id, change):
    return client.api_post(f"/api/attempts/{attempt_id}/focus", {"change": change})


def _audit(db, action):
    db.rollback()
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_leaving_the_page_is_recorded_with_server_times_and_shown_to_the_proctor(client, exam, proctor, clock, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert save(client, attempt_id, 1, ["B"], 1).status_code == 200
    clock.set(at("10:05:00"))
    assert _focus(client, attempt_id, "left").get_json() == {"stored": True}
    clock.set(at("10:06:30"))
    assert _focus(client, attempt_id, "back").status_code == 200
    clock.set(at("10:10:00"))
    _focus(client, attempt_id, "left")
    _focus(client, attempt_id, "left")  # blur and hidden together: one departure
    clock.set(at("10:10:20"))
    _focus(client, attempt_id, "back")

    page = proctor.get(f"/exams/sittings/{exam.sitting.id}").get_data(as_text=True)
    cell = page.split("data-focus>")[1].split("</td>")[0]
    assert "2 times" in cell and "1:50 away" in cell and "10:10:00" in cell
    detail = proctor.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "10:05:00" in detail and "10:06:30" in detail
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.deadline == at("10:30:00")  # nothing punished


def test_focus_reports_need_the_csrf_token_and_a_known_change(client, exam):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    forged = client.post(f"/api/attempts/{attempt_id}/focus", json={"change": "left"},
                         headers={"Accept": "application/json"})
    assert forged.status_code == 400 and forged.get_json()["error"] == "csrf"
    assert _focus(client, attempt_id, "away").status_code == 422


def test_another_candidate_cannot_report_on_my_attempt(client, client_factory, exam, make, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    stranger = client_factory()
    stranger.login(make.cadre().username)
    assert _focus(stranger, attempt_id, "left").status_code == 404


def test_a_proctor_voids_an_attempt_with_a_reason_recorded_in_the_score_record(client, exam, proctor, make, clock, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    for slot in range(1, 6):
        save(client, attempt_id, slot, ["B"], slot)
    submit(client, attempt_id)
    no_reason = proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": " "})
    assert no_reason.status_code == 422
    voided = proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "考试中使用手机查询答案"})
    assert voided.status_code == 302
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert (attempt.score, attempt.band, attempt.passed) == (Decimal(0), "void", False)
    entries = db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt_id).order_by(ScoreRecord.id)).all()
    assert [e.score for e in entries] == [Decimal(100), Decimal(0)]
    assert entries[-1].reason == "void: 考试中使用手机查询答案" and entries[-1].band == "void"
    assert score_check.checked_score(db, attempt).trusted
    event = _audit(db, "attempt.void")[0]
    assert event.before["score"] == "100.00" and event.after["reason"] == "考试中使用手机查询答案"
    assert proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "再次"}).status_code == 409

    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "考试中使用手机查询答案" in result
    # The candidate's own list says so too, not only "submitted" (found in the issue-9 trial).
    assert 'class="badge warn voided">作废<' in client.get("/me/").get_data(as_text=True)
    hr = make.user(Role.HR)
    _, rows = score_sheets.score_sheet(db, clock, exam.sitting, hr)
    assert rows[0].ended == "作废" and rows[0].score is None


def test_a_proctor_from_another_unit_cannot_void(client, exam, make, client_factory):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    elsewhere = make.user(Role.EXAM_ADMIN, unit=make.unit("乙市"))
    other = client_factory()
    other.login(elsewhere.username)
    assert other.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "x"}).status_code == 404


def test_a_reopened_attempt_runs_to_its_new_deadline_held_by_the_server(client, exam, proctor, clock, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    save(client, attempt_id, 1, ["B"], 1)
    clock.set(at("10:40:00"))  # the phone died; the attempt closed itself at 10:30
    assert client.get(f"/me/attempts/{attempt_id}").status_code == 302
    db.rollback()
    assert db.get(Attempt, attempt_id).state == AttemptState.AUTO_SUBMITTED

    refused = proctor.form_post(f"/exams/attempts/{attempt_id}/reopen",
                                {"reason": "手机故障", "deadline": "2026-05-11T10:35"})
    assert refused.status_code == 422  # a deadline already past
    reopened = proctor.form_post(f"/exams/attempts/{attempt_id}/reopen",
                                 {"reason": "手机故障，监考确认", "deadline": "2026-05-11T10:55"})
    assert reopened.status_code == 302, reopened.get_data(as_text=True)[:2000]
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.deadline == at("10:55:00")
    event = _audit(db, "attempt.reopen")[0]
    assert event.before["state"] == "auto_submitted" and event.after["reason"] == "手机故障，监考确认"

    clock.set(at("10:50:00"))
    assert save(client, attempt_id, 2, ["B"], 2).status_code == 200
    clock.set(at("10:56:00"))
    assert save(client, attempt_id, 3, ["B"], 3).status_code == 409
    assert client.get(f"/me/attempts/{attempt_id}").headers["Location"].endswith("/result")
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:55:00")
    assert attempt.score == Decimal(40)  # slots 1 and 2, saved before each deadline
    assert score_check.checked_score(db, attempt).trusted


def test_an_attempt_in_progress_is_not_reopened_and_a_void_one_never(client, exam, proctor, clock, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    in_progress = proctor.form_post(f"/exams/attempts/{attempt_id}/reopen",
                                    {"reason": "x", "deadline": "2026-05-11T10:40"})
    assert in_progress.status_code == 409
    submit(client, attempt_id)
    proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "替考"})
    assert proctor.form_post(f"/exams/attempts/{attempt_id}/reopen",
                             {"reason": "x", "deadline": "2026-05-11T10:40"}).status_code == 409


def _message(client, attempt_id, change, page="page-f", number=1):
    return client.api_post(f"/api/attempts/{attempt_id}/focus", {"change": change, "page": page, "number": number})


def _focus_events(db, attempt_id):
    db.rollback()
    return [(e.change, e.page, e.number, e.occurred_at)
            for e in db.scalars(select(FocusEvent).where(FocusEvent.attempt_id == attempt_id).order_by(FocusEvent.id))]


def test_a_resent_focus_message_is_stored_once_at_its_first_arrival(client, exam, clock, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    clock.set(at("10:05:00"))
    assert _message(client, attempt_id, "left", number=1).get_json() == {"stored": True}
    clock.set(at("10:05:20"))  # the reply was lost: the page sends the same message again, twice
    assert _message(client, attempt_id, "left", number=1).get_json() == {"stored": True}
    assert _message(client, attempt_id, "left", number=1).get_json() == {"stored": True}
    clock.set(at("10:06:00"))
    assert _message(client, attempt_id, "back", number=2).status_code == 200
    # Another load of the page numbers its own messages from 1 again: a message of its own.
    clock.set(at("10:07:00"))
    assert _message(client, attempt_id, "left", page="page-g", number=1).status_code == 200
    assert _focus_events(db, attempt_id) == [("left", "page-f", 1, at("10:05:00")), ("back", "page-f", 2, at("10:06:00")),
                                            ("left", "page-g", 1, at("10:07:00"))]


@pytest.mark.parametrize("fields", [
    {"page": "page-f"}, {"number": 1}, {"page": "page-f", "number": 0}, {"page": "page-f", "number": -3},
    {"page": "page-f", "number": "1"}, {"page": "page-f", "number": 1.5}, {"page": "page-f", "number": True},
    {"page": "page-f", "number": 2**31}, {"page": "bad token!", "number": 1}, {"page": "submit", "number": 1},
    {"page": ["page-f"], "number": 1},
])
def test_a_focus_message_with_a_bad_name_is_refused_and_nothing_stored(client, exam, db, fields):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    refused = client.api_post(f"/api/attempts/{attempt_id}/focus", {"change": "left", **fields})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert _focus_events(db, attempt_id) == []


def test_a_focus_message_resent_after_hand_in_stores_nothing(client, exam, db):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert submit(client, attempt_id).status_code == 200
    assert _message(client, attempt_id, "left").get_json() == {"stored": False}
    assert _focus_events(db, attempt_id) == []


def _reasons(page: str) -> list[str]:
    return re.findall(r'<td class="reason">([^<]*)</td>', page)


def test_the_score_record_says_in_words_why_each_entry_exists_and_the_reopen_form_states_its_cap(
        client, client_factory, make, db):
    """Issue-9 trial: a raw "submitted" showed in the reason column, and the re-open form did not
    say that the new deadline may be at most the time limit (here 10 minutes) from now."""
    exam = single_choice_exam(make, count=2, minutes=10)
    admin = make.user(Role.EXAM_ADMIN, Role.AUDITOR, username="zh-proctor")
    proctor = client_factory()
    proctor.login(admin.username)  # reads Chinese, the service's first language
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    save(client, attempt_id, 1, ["B"], 1)
    submit(client, attempt_id)

    page = proctor.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    cap = page.split('id="reopen-cap"')[1].split("</p>")[0]
    assert "10 分钟" in cap
    assert _reasons(page) == ["已交卷"]

    proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "考试中使用手机查询答案"})
    page = proctor.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert _reasons(page) == ["已交卷", "作废：考试中使用手机查询答案"]
    records = proctor.get(f"/audit/sittings/{exam.sitting.id}").get_data(as_text=True)
    assert sorted(_reasons(records)) == sorted(["已交卷", "作废：考试中使用手机查询答案"])
