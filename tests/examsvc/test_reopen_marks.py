"""Issue 6, an outside trial of marking after a re-opening, regrades and the records: an approved
four-eyes change survives a re-opened attempt handed in again with the same answer and is dropped
visibly when the answer changed; the HR sheet counts the minutes spent answering, not the time an
attempt sat closed; voided questions are shown as voided on the marks page and take no change; a
decision is approve or reject, and a second decision says who decided first; the audit trail
names the proposer of a change, the maximum a regrade changed and the score a re-opening set aside."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import AuditEvent, ChangeState, Mark, RegradeKind, Role, ScoreChange
from question_bank.services import attempts, proctoring, regrade, score_changes, score_sheets
from tests.conftest import at
from tests.scenarios import short_answer_awaiting_marking


def _events(db, action):
    db.expire_all()
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


@pytest.fixture
def corrected(db, clock, make):
    """Two single-choice questions of 50 points, both answered wrong (0 of 100) and handed in at
    10:02; at 10:05 a second admin approves 25 points for question 2; at 10:10 a proctor re-opens
    the attempt until 10:40. Returns (attempt, item of question 2, change, cadre)."""
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre(display_name="重开者", username="chongkai")
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 2)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    proposer = make.user(Role.EXAM_ADMIN, username="admin1", display_name="提议人甲")
    approver = make.user(Role.EXAM_ADMIN, username="admin2", display_name="批准人乙")
    item = next(i for i in attempt.items if i.slot == 2)
    clock.set(at("10:05:00"))
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(25), "复核改分")
    score_changes.decide(db, clock, approver, change.id, approve=True)
    assert attempt.score == Decimal(25)
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, proposer, attempt.id, "手机故障", at("10:40:00"))
    make.user(Role.HR, username="hr1")
    make.user(Role.AUDITOR, username="auditor1")
    db.commit()
    return attempt, item, change, cadre


def _hand_in_again(db, clock, attempt, cadre, answers):
    clock.set(at("10:12:00"))
    for seq, (slot, answer) in enumerate(answers.items(), start=10):
        attempts.save_response(db, clock, cadre, attempt.id, slot, answer, seq)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()


@pytest.mark.parametrize("answers, score", [
    ({1: ["B"]}, Decimal(75)),               # question 2 untouched, question 1 put right
    ({2: ["C"]}, Decimal(25)),               # question 2 saved again with the same answer
])
def test_an_approved_change_stands_when_the_answer_it_was_made_for_is_handed_in_again(
        client, db, clock, corrected, answers, score):
    attempt, item, change, cadre = corrected
    _hand_in_again(db, clock, attempt, cadre, answers)
    db.expire_all()
    assert attempt.score == score
    assert _events(db, "score_change.dropped") == []
    client.login("admin1")
    page = client.get(f"/exams/attempts/{attempt.id}/marks").get_data(as_text=True)
    row = page.split(f'data-item="{item.id}"')[1].split("</tr>")[0]
    assert "25 / 50" in row and 'class="dropped"' not in page


@pytest.mark.parametrize("new_answer, machine", [(["A"], Decimal(0)), (["B"], Decimal(50))])
def test_an_approved_change_is_dropped_visibly_when_the_candidate_changed_that_answer(
        client, db, clock, corrected, new_answer, machine):
    attempt, item, change, cadre = corrected
    _hand_in_again(db, clock, attempt, cadre, {2: new_answer})
    db.expire_all()
    assert attempt.score == machine  # the new answer, marked by the key
    dropped = _events(db, "score_change.dropped")
    assert len(dropped) == 1 and dropped[0].after["change_id"] == change.id
    assert dropped[0].before["score"] == "25.00" and dropped[0].after["score"] == f"{machine:.2f}"
    client.login("admin1")
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/exams/attempts/{attempt.id}/marks").get_data(as_text=True)
    section = page.split('class="card score-change"')[1]
    assert 'class="dropped"' in section and "No longer counts" in section and "changed this answer" in section


def test_the_sheet_counts_the_minutes_spent_answering_not_the_time_the_attempt_sat_closed(
        db, clock, make, corrected):
    attempt, _, _, cadre = corrected
    _hand_in_again(db, clock, attempt, cadre, {1: ["B"]})
    hr = make.user(Role.HR)
    _, rows = score_sheets.score_sheet(db, clock, attempt.sitting, hr)
    assert rows[0].duration_min == 4  # 10:00–10:02 and 10:10–10:12, not 12 minutes


def test_answering_time_never_exceeds_the_time_limit_plus_extra_time(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False, minutes=30)
    sitting.roster[0].extra_time_s = 300
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    admin = make.user(Role.EXAM_ADMIN)
    clock.set(at("10:34:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)  # 34 minutes with 5 extra
    clock.set(at("10:40:00"))
    proctoring.reopen_attempt(db, clock, admin, attempt.id, "断电", at("11:10:00"))
    clock.set(at("11:05:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    _, rows = score_sheets.score_sheet(db, clock, sitting, make.user(Role.HR))
    assert rows[0].duration_min == 35


def test_voided_questions_show_as_voided_on_the_marks_page_and_take_no_change(client, db, clock, make):
    make.questions(3, "single_choice", key=["B"])
    paper = make.paper([("single_choice", 3, 34, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    admin = make.user(Role.EXAM_ADMIN, username="admin1")
    question = {i.slot: i.question_version.question_id for i in attempt.items}
    regrade.apply(db, clock, admin, sitting.id, question[1], RegradeKind.VOID_FULL_MARKS, "题干有误")
    regrade.apply(db, clock, admin, sitting.id, question[2], RegradeKind.VOID_REMOVED, "超纲")
    db.commit()
    client.login("admin1")
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/exams/attempts/{attempt.id}/marks").get_data(as_text=True)
    rows = {i.slot: page.split(f'data-item="{i.id}"')[1].split("</tr>")[0] for i in attempt.items}
    assert "Voided: counted at full marks" in rows[1] and "<form" not in rows[1]
    assert "Voided: not counted in the total" in rows[2] and "<form" not in rows[2]
    assert "Voided" not in rows[3] and "<form" in rows[3]


def _proposed_change(db, clock, make):
    """A two-question attempt handed in unanswered, and admin1's proposal of 10 points for its
    first item (committed)."""
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    proposer = make.user(Role.EXAM_ADMIN, username="admin1")
    change = score_changes.propose(db, clock, proposer, attempt.items[0].id, Decimal(10), "漏判")
    db.commit()
    return change


@pytest.mark.parametrize("decision", [None, "", "yes", "Approve", "reject "])
def test_only_an_exact_approve_or_reject_decides_anything_else_changes_nothing(
        client, db, clock, make, decision):
    make.user(Role.EXAM_ADMIN, username="admin2")
    change = _proposed_change(db, clock, make)
    client.login("admin2")
    client.form_post("/lang/en", {"next": "/"})
    form = {"note": "x"} if decision is None else {"decision": decision, "note": "x"}
    refused = client.form_post(f"/exams/score-changes/{change.id}/decide", form)
    assert refused.status_code == 422 and "Choose approve or reject" in refused.get_data(as_text=True)
    db.expire_all()
    assert change.state == ChangeState.PROPOSED and _events(db, "score_change.reject") == []


@pytest.mark.parametrize("first, second", [("approve", "approve"), ("reject", "approve"), ("approve", "reject")])
def test_deciding_a_change_again_says_who_decided_it_and_when(
        client, client_factory, db, clock, make, first, second):
    make.user(Role.EXAM_ADMIN, username="admin2", display_name="先决者")
    make.user(Role.EXAM_ADMIN, username="admin3")
    change = _proposed_change(db, clock, make)
    client.login("admin2")
    assert client.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": first}).status_code == 302
    late = client_factory()
    late.login("admin3")
    late.form_post("/lang/en", {"next": "/"})
    again = late.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": second})
    text = again.get_data(as_text=True)
    assert again.status_code == 409 and f"already {first.rstrip('e')}ed by 先决者" in text and "has changed since" not in text
    assert "2026-05-11 10:00" in text  # when it was decided, Beijing time
    db.expire_all()
    assert db.scalar(select(func.count(Mark.id)).where(Mark.attempt_item_id == change.attempt_item_id)) == \
        (2 if first == "approve" else 1)


def test_the_auditor_reads_who_proposed_and_who_approved_a_change(client, db, corrected):
    attempt, *_ = corrected
    client.login("auditor1")
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/audit/sittings/{attempt.sitting_id}").get_data(as_text=True)
    change_row = [row for row in page.split('class="score-record"')[1:] if "复核改分" in row][0]
    assert "proposed by 提议人甲" in change_row and "approved by 批准人乙" in change_row
    approve = _events(db, "score_change.approve")[0]
    assert approve.after["proposed_by_name"] == "提议人甲" and approve.after["decided_by_name"] == "批准人乙"


def test_the_reopen_event_keeps_the_score_it_set_aside(db, corrected):
    reopen = _events(db, "attempt.reopen")[0]
    assert {k: reopen.before[k] for k in ("score", "max", "band", "passed")} == \
        {"score": "25.00", "max": "100.00", "band": "fail", "passed": False}


def test_a_question_removed_from_the_total_records_the_maximum_it_changed(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    paper = make.paper([("single_choice", 2, 49, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    question_id = next(i for i in attempt.items if i.slot == 2).question_version.question_id
    regrade.apply(db, clock, make.user(Role.EXAM_ADMIN), sitting.id, question_id, RegradeKind.VOID_REMOVED, "超纲")
    db.commit()
    change = _events(db, "sitting.regrade")[0].after["changes"][0]
    assert (change["old"], change["new"], change["old_max"], change["new_max"]) == ("49.00", "49.00", "98.00", "49.00")


def test_an_item_awaiting_marking_is_offered_no_change_form(client, db, clock, make):
    attempt = short_answer_awaiting_marking(db, clock, make, points=40)
    make.user(Role.EXAM_ADMIN, username="admin1")
    db.commit()
    client.login("admin1")
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/exams/attempts/{attempt.id}/marks").get_data(as_text=True)
    row = page.split(f'data-item="{attempt.items[0].id}"')[1].split("</tr>")[0]
    assert "Awaiting marking" in row and "marking queue" in row and "<form" not in row
