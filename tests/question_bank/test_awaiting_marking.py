"""An attempt with a short answer (marked by a person): it closes at submit or at its deadline with
its machine-marked items marked, and no total is shown or put in the score ledger while anything
still needs marking (domain.md §7); once a marker marks the rest, the total and the ledger entry
follow. A short answer left empty scores 0 at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import AttemptState, AuditEvent, Mark, ScoreRecord
from question_bank.services import attempts, deadlines, ledger
from question_bank.services.marking import UNANSWERED, awaiting_marking, complete_marking, is_awaiting_marking
from tests.conftest import at

ESSAY = "行政机关应当依法行使职权"


@pytest.fixture
def exam(make):
    """Slot 1 single choice (key B, 40 points), slot 2 fill-in (key 行政复议, 20), slot 3 short answer (40)."""
    make.question("single_choice", key=["B"])
    make.question("fill_blank", key=[["行政复议"]])
    make.question("short_answer", rubric="答出依法行使职权得满分。")
    cadre = make.cadre()
    paper = make.paper([("single_choice", 1, 40, "行政处罚法"), ("fill_blank", 1, 20, "行政处罚法"),
                        ("short_answer", 1, 40, "行政处罚法")])
    return cadre, make.sitting(paper, roster=[cadre], shuffle=False)


def ledger_entries(db, attempt_id: int) -> int:
    return db.scalar(select(func.count(ScoreRecord.id)).where(ScoreRecord.attempt_id == attempt_id))


def test_submit_closes_marks_the_machine_items_and_leaves_the_total_to_the_marker(db, clock, exam):
    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, [" 行政复议\u3000"], 2)
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY, 3)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()

    assert attempt.state == AttemptState.SUBMITTED and not attempt.is_open
    assert (attempt.score, attempt.band, attempt.passed) == (None, None, None)
    assert is_awaiting_marking(attempt)
    marks = {m.attempt_item.slot: m.score for m in db.scalars(select(Mark))}
    assert marks == {1: Decimal(40), 2: Decimal(20)}
    assert [item.slot for item in awaiting_marking(db, attempt)] == [3]
    assert ledger_entries(db, attempt.id) == 0
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.submitted"))
    assert event.after["awaiting_marking"] is True and event.after["score"] is None


def test_a_marker_s_mark_completes_the_total_and_the_ledger_once(db, clock, make, exam):
    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY, 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    marker = make.user()
    (item,) = awaiting_marking(db, attempt)
    db.add(Mark(attempt_item=item, score=Decimal("32.5"), marked_at=clock.now(), marker_id=marker.id))
    db.flush()

    record = complete_marking(db, clock, attempt, marker)
    assert attempt.score == Decimal("72.5") and attempt.passed and attempt.band == "pass"
    assert (record.score, record.reason, record.actor_id) == (Decimal("72.5"), "marked", marker.id)
    assert complete_marking(db, clock, attempt, marker) is None  # a second call records nothing
    assert ledger_entries(db, attempt.id) == 1 and ledger.verify(db).ok


def test_complete_marking_waits_while_an_item_is_unmarked(db, clock, make, exam):
    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY, 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert complete_marking(db, clock, attempt, make.user()) is None
    assert attempt.score is None and ledger_entries(db, attempt.id) == 0


@pytest.mark.parametrize("essay", [None, "", "  \n\u3000"])
def test_a_short_answer_left_empty_scores_zero_and_the_total_is_recorded_at_once(db, clock, exam, essay):
    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    if essay is not None:
        attempts.save_response(db, clock, cadre, attempt.id, 3, essay, 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score == Decimal(40) and not is_awaiting_marking(attempt)
    assert awaiting_marking(db, attempt) == []
    assert ledger_entries(db, attempt.id) == 1


def test_auto_submit_at_the_deadline_keeps_the_essay_for_the_marker(db, clock, exam):
    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:29:40"))
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY, 1)
    db.commit()
    clock.set(at("10:30:00") + dt.timedelta(seconds=sitting.grace_s + 1))
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.score is None
    assert [item.slot for item in awaiting_marking(db, attempt)] == [3]
    assert ledger_entries(db, attempt.id) == 0


def test_the_last_save_from_either_page_is_marked_and_shown_to_the_marker_not_another_cadre_s(db, clock, make, exam):
    from question_bank.models import Role
    from question_bank.services.manual_marking import script

    cadre, sitting = exam
    other = make.cadre()
    sitting.roster.append(type(sitting.roster[0])(user_id=other.id, added_at=clock.now()))
    db.commit()
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    later = attempts.start_attempt(db, clock, other, sitting)
    # Page "z" saves first, then page "a": the last save counts, whatever the pages are called.
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 1, writer="z")
    attempts.save_response(db, clock, cadre, attempt.id, 3, "草稿", 2, writer="z")
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1, writer="a")
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY, 2, writer="a")
    attempts.save_response(db, clock, other, later.id, 3, "另一位干部的作答", 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    attempts.submit_attempt(db, clock, other, later.id)
    db.commit()

    marks = {m.attempt_item.slot: m.score for m in db.scalars(select(Mark).where(Mark.attempt_item.has(attempt_id=attempt.id)))}
    assert marks == {1: Decimal(40), 2: Decimal(0)}
    (item,) = awaiting_marking(db, attempt)
    assert script(db, make.user(Role.MARKER), item.id).response == ESSAY


def test_a_one_question_paper_marked_by_a_person_awaits_nothing_more(db, clock, make):
    make.question("short_answer")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("short_answer", 1, 100, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ESSAY, 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    marker = make.user()
    (item,) = awaiting_marking(db, attempt)
    db.add(Mark(attempt_item=item, score=Decimal(70), marked_at=clock.now(), marker_id=marker.id))
    db.flush()
    assert awaiting_marking(db, attempt) == []
    assert complete_marking(db, clock, attempt, marker).score == Decimal(70)


def test_the_machine_s_marks_name_no_marker_and_an_empty_short_answer_reads_unanswered(db, clock, make, exam):
    from question_bank.models import Role
    from question_bank.services import proctoring

    cadre, sitting = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    marks = {m.attempt_item.slot: (m.score, m.marker_id, m.reason) for m in db.scalars(select(Mark))}
    assert marks == {1: (Decimal(40), None, ""), 2: (Decimal(0), None, ""), 3: (Decimal(0), None, UNANSWERED)}
    assert attempt.score == Decimal(40) and ledger_entries(db, attempt.id) == 1
    # Marked again after a re-opening: the changed answer's new mark names no marker either.
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:25:00"))
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    again = {m.attempt_item.slot: (m.score, m.marker_id, m.reason)
             for m in db.scalars(select(Mark).where(Mark.marked_at == at("10:10:00")))}
    assert again == {1: (Decimal(0), None, ""), 2: (Decimal(0), None, "")}
    assert attempt.score == Decimal(0)
