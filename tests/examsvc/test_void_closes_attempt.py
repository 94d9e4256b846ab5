"""A voided attempt (issue-9 trial F7) is in its own closed state, "closed_by_void", whichever way
it had closed (handed in, closed at its deadline, or still in progress when the proctor voided it).
A page still open on it is refused, its changes named as not taken because the exam was voided
(never "already submitted", never "saved"), and the exam page's API, the result page and the
candidate's list say who voided it, when (Beijing time) and why. The ledger still reconciles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from question_bank.clock import BEIJING
from question_bank.models import Attempt, AttemptState, AttemptVoid, Role
from question_bank.services import score_check, score_sheets
from tests.conftest import at
from tests.scenarios import save, single_choice_exam, start_through_web, state, submit

REASON = "考试中使用手机查询答案"


@pytest.fixture
def exam(make):
    return single_choice_exam(make, count=5, minutes=30)


@pytest.fixture
def proctor(make, client_factory):
    admin = make.user(Role.EXAM_ADMIN, username="proctor7", display_name="王监考")
    client = client_factory()
    client.login(admin.username)
    client.form_post("/lang/en")
    return client


def _handed_in(client, attempt_id, clock):
    submit(client, attempt_id)


def _closed_at_deadline(client, attempt_id, clock):
    clock.set(at("10:45:00"))  # past the 30 minutes and the grace: closed by the next request
    state(client, attempt_id)


def _still_open(client, attempt_id, clock):
    pass


@pytest.mark.parametrize("close, closed_state, voided_at", [
    (_handed_in, AttemptState.SUBMITTED, "10:50:00"),
    (_closed_at_deadline, AttemptState.AUTO_SUBMITTED, "10:50:00"),
    (_still_open, AttemptState.SUBMITTED, "10:20:00"),  # the proctor's void hands it in first
])
def test_a_voided_attempt_is_closed_by_void_and_a_stale_page_is_told_who_voided_it_when_and_why(
        client, client_factory, exam, proctor, clock, db, close, closed_state, voided_at):
    client.login(exam.cadre.username)
    client.form_post("/lang/en")
    attempt_id = start_through_web(client, exam.sitting)
    assert save(client, attempt_id, 1, ["B"], 1).status_code == 200
    close(client, attempt_id, clock)
    clock.set(at(voided_at))
    assert proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": REASON}).status_code == 302

    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.CLOSED_BY_VOID and attempt.closed_state == closed_state
    assert db.scalar(select(AttemptVoid.closed_state).where(AttemptVoid.attempt_id == attempt_id)) == closed_state
    assert score_check.checked_score(db, attempt).trusted and score_check.reconcile(db) == []

    # A stale exam page's save: refused as voided, with who, when (Beijing) and why; nothing stored.
    refused = save(client, attempt_id, 2, ["A"], 2)
    body = refused.get_json()
    assert refused.status_code == 409 and body["error"] == "voided" and "saved" not in body
    assert body["void"]["by"] == "王监考" and body["void"]["reason"] == REASON
    assert body["void"]["at_local"] == f"2026-05-11 {voided_at}"
    assert "voided by 王监考" in body["message"] and REASON in body["message"] and voided_at[:5] in body["message"]
    # Its hand-in: the payload is not taken, each change named, the reason "voided".
    handed = submit(client, attempt_id, {2: ["A"], 3: ["C"]}).get_json()
    assert handed["payload_ignored"] == "voided" and handed["state"] == "closed_by_void"
    assert sorted(n["slot"] for n in handed["not_taken"]) == [2, 3]
    assert handed["void"]["by"] == "王监考" and handed["void"]["reason"] == REASON
    # Claiming the attempt from a reloaded page is refused the same way.
    claim = client.api_post(f"/api/attempts/{attempt_id}/presence", {"page": "another-page"})
    assert claim.status_code == 409 and claim.get_json()["error"] == "voided"
    # The state the page polls.
    polled = state(client, attempt_id)
    assert polled["state"] == "closed_by_void" and polled["void"]["at_local"] == f"2026-05-11 {voided_at}"
    assert polled["responses"] == {"1": ["B"]}

    db.rollback()
    assert score_check.reconcile(db) == []
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert REASON in result and "王监考" in result and f"2026-05-11 {voided_at}" in result
    assert "Closed: voided by the proctor" in result
    # The exam page itself goes to the result, where it is said.
    page = client.get(f"/me/attempts/{attempt_id}")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/me/attempts/{attempt_id}/result")


def _handed_in_and_voided_at_10_12(client, exam, proctor, clock) -> int:
    """The candidate (``client``) hands the paper in and the proctor voids it at 10:12 with
    :data:`REASON`; returns the attempt's id."""
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    submit(client, attempt_id)
    clock.set(at("10:12:00"))
    proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": REASON})
    return attempt_id


def test_the_proctors_monitoring_table_says_who_voided_an_attempt_when_and_why(client, exam, proctor, clock):
    _handed_in_and_voided_at_10_12(client, exam, proctor, clock)
    page = proctor.get(f"/exams/sittings/{exam.sitting.id}").get_data(as_text=True)
    row = page.split(f'<td data-state="voided">')[1].split("</td>")[0]
    assert "王监考" in row and "2026-05-11 10:12" in row and REASON in row


def test_the_attempts_own_page_says_who_voided_it_when_and_why_as_the_monitoring_table_does(
        client, exam, proctor, clock):
    attempt_id = _handed_in_and_voided_at_10_12(client, exam, proctor, clock)
    page = proctor.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    note = page.split('id="void-note">')[1].split("</p>")[0]
    assert "Voided" in note and "王监考" in note and "2026-05-11 10:12" in note and "Beijing time" in note
    assert REASON in note
    table = proctor.get(f"/exams/sittings/{exam.sitting.id}").get_data(as_text=True)
    assert table.split('<td data-state="voided">')[1].split("</td>")[0].split('<small class="void-detail">')[1] \
        == note.split('<small class="void-detail">')[1]
    # Once void, the page offers neither voiding again nor re-opening.
    assert 'id="void-form"' not in page and 'id="reopen-form"' not in page


def test_the_hr_score_sheet_says_who_voided_an_attempt_when_and_why(client, exam, proctor, clock, db, make):
    attempt_id = _handed_in_and_voided_at_10_12(client, exam, proctor, clock)
    db.rollback()
    _, rows = score_sheets.score_sheet(db, clock, exam.sitting, make.user(Role.HR))
    assert rows[0].ended == "作废" and rows[0].score is None
    assert rows[0].check == f"作废：王监考，2026-05-11 10:12（北京时间），理由：{REASON}"
    # The attempt had ended when it was voided: its times stay on the sheet (issue-6 trial), the
    # hand-in's, not the void's.
    handed_in = db.get(Attempt, attempt_id).finished_at.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)
    assert rows[0].finished == handed_in < dt.datetime(2026, 5, 11, 10, 12)
    assert rows[0].started is not None and rows[0].duration_min is not None


def test_the_candidates_list_says_how_a_voided_attempt_ended_and_that_it_is_void(client, exam, proctor):
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    submit(client, attempt_id)
    proctor.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": REASON})
    listing = client.get("/me/").get_data(as_text=True)
    assert "已交卷" in listing and 'class="badge warn voided">作废<' in listing and "closed_by_void" not in listing
