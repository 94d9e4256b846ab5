"""A short answer marked by people whose text the candidate changed after a proctor re-opened the
attempt goes back to the marking queue: no total until it is marked again, the old marks kept as
history but not counted; an emptied answer scores 0 as at a first hand-in; an unchanged one keeps
its mark. The marks still match the audit log and the ledger still reconciles (issue 6 trial)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import AuditEvent, ManualMark, Mark, MarkingRound, Role, ScoreChange
from question_bank.services import (
    attempts, ledger, manual_marking, marking, marking_evidence, proctoring, results, score_changes, score_check,
    score_sheets,
)
from question_bank.reports import score_sheet
from tests.conftest import at

ESSAY = "行政机关应当依法行使职权。"


@pytest.fixture
def marked(db, clock, make):
    """One single choice (50, answered right) and one short answer (50) handed in at 10:02 and
    marked 40 by a marker at 10:05; re-opened at 10:10 until 10:40. Returns (attempt, essay item,
    cadre, marker)."""
    make.question("single_choice", key=["B"])
    make.question("short_answer")
    paper = make.paper([("single_choice", 1, 50, "行政处罚法"), ("short_answer", 1, 50, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ESSAY, 2)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    marker = make.user(Role.MARKER)
    essay = next(i for i in attempt.items if i.slot == 2)
    clock.set(at("10:05:00"))
    manual_marking.give_mark(db, clock, marker, essay.id, Decimal(40), "要点齐全")
    assert attempt.score == Decimal(90)
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    db.commit()
    return attempt, essay, cadre, marker


def _hand_in(db, clock, attempt, cadre, essay_text, slot=2):
    clock.set(at("10:12:00"))
    attempts.save_response(db, clock, cadre, attempt.id, slot, essay_text, 10)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()


def _all_checks_hold(db, attempt):
    assert marking_evidence.check(db, [attempt.id]) == []
    assert ledger.verify(db).ok and score_check.reconcile(db) == []


def test_a_changed_short_answer_goes_back_to_marking_and_its_old_marks_stop_counting(db, clock, make, marked):
    attempt, essay, cadre, marker = marked
    _hand_in(db, clock, attempt, cadre, ESSAY + "并遵循比例原则。")
    assert attempt.score is None and marking.is_awaiting_marking(attempt)  # no total while it waits
    _, rows = score_sheets.score_sheet(db, clock, attempt.sitting, make.user(Role.HR))
    assert (rows[0].score, rows[0].check) == (None, score_sheet.CHECK_AWAITING_MARKING)
    assert score_check.reconcile(db) == []  # awaiting marking again is not a mismatch with the old entry
    assert essay.id not in marking.latest_item_marks(db, attempt)
    assert results.latest_marks(db, attempt) == {1: Decimal(50)}
    set_aside = db.scalars(select(AuditEvent).where(AuditEvent.action == "mark.set_aside")).all()
    assert [(e.before["score"], e.after["awaiting_marking"]) for e in set_aside] == [("40.00", True)]
    # The same marker may read the new text afresh, in round 1 of a new marking.
    waiting = manual_marking.queue(db, marker)
    assert [(e.item_id, e.round) for e in waiting] == [(essay.id, MarkingRound.FIRST)]
    assert manual_marking.script(db, marker, essay.id).response == ESSAY + "并遵循比例原则。"
    clock.set(at("10:20:00"))
    outcome = manual_marking.give_mark(db, clock, marker, essay.id, Decimal(50), "补充了比例原则")
    db.commit()
    assert outcome.total == Decimal(100) and attempt.score == Decimal(100)
    assert db.scalar(select(func.count(ManualMark.id)).where(ManualMark.attempt_item_id == essay.id)) == 2
    assert manual_marking.queue(db, marker) == []
    _all_checks_hold(db, attempt)


def test_a_changed_short_answer_is_marked_afresh_by_two_markers_when_the_sitting_asks(db, clock, make, marked):
    attempt, essay, cadre, marker = marked
    attempt.sitting.second_marking = True
    db.commit()
    _hand_in(db, clock, attempt, cadre, "新的答案")
    second = make.user(Role.MARKER)
    manual_marking.give_mark(db, clock, marker, essay.id, Decimal(20), "")
    assert attempt.score is None
    outcome = manual_marking.give_mark(db, clock, second, essay.id, Decimal(20), "")
    assert outcome.settled == Decimal(20) and attempt.score == Decimal(70)
    _all_checks_hold(db, attempt)


def test_an_emptied_short_answer_scores_0_as_at_a_first_hand_in(db, clock, marked):
    attempt, essay, cadre, marker = marked
    _hand_in(db, clock, attempt, cadre, "")
    assert attempt.score == Decimal(50)
    assert results.latest_marks(db, attempt) == {1: Decimal(50), 2: Decimal(0)}
    assert manual_marking.queue(db, marker) == []
    set_aside = db.scalars(select(AuditEvent).where(AuditEvent.action == "mark.set_aside")).all()
    assert [(e.before["score"], e.after["score"], e.after["awaiting_marking"]) for e in set_aside] == \
        [("40.00", "0.00", False)]  # the auditor reads the 40 set aside for a 0, not for a new marking
    _all_checks_hold(db, attempt)


@pytest.mark.parametrize("text", [ESSAY, None])
def test_an_unchanged_short_answer_keeps_its_mark(db, clock, marked, text):
    attempt, essay, cadre, marker = marked
    clock.set(at("10:12:00"))
    if text is not None:
        attempts.save_response(db, clock, cadre, attempt.id, 2, text, 10)  # saved again, same text
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    assert attempt.score == Decimal(90) and manual_marking.queue(db, marker) == []
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "mark.set_aside")) == 0
    # Marking again wrote nothing over the person's mark: it is still the essay's only one.
    assert [m.score for m in db.scalars(select(Mark).where(Mark.attempt_item_id == essay.id))] == [Decimal(40)]


def _approve_then_rewrite_the_essay(db, clock, make, marked, item, score, reason, total_after):
    """The marked attempt handed in again unchanged; a four-eyes change of ``item`` to ``score``
    (the attempt then totals ``total_after``); a re-opening in which the essay is rewritten and
    handed in. Returns the approved change."""
    attempt, _essay, cadre, _marker = marked
    clock.set(at("10:11:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    a, b = make.user(Role.EXAM_ADMIN), make.user(Role.EXAM_ADMIN)
    change = score_changes.propose(db, clock, a, item.id, score, reason)
    score_changes.decide(db, clock, b, change.id, approve=True)
    assert attempt.score == total_after
    clock.set(at("10:15:00"))
    proctoring.reopen_attempt(db, clock, a, attempt.id, "再次故障", at("10:40:00"))
    clock.set(at("10:16:00"))
    attempts.save_response(db, clock, cadre, attempt.id, 2, "改写的答案", 20)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return change


def test_an_approved_change_of_a_short_answer_is_dropped_visibly_when_its_text_changed(db, clock, make, marked):
    attempt, essay, cadre, marker = marked
    # handed in again unchanged, then a four-eyes change of the essay
    change = _approve_then_rewrite_the_essay(db, clock, make, marked, essay, Decimal(45), "复核加分", Decimal(95))
    assert attempt.score is None and [e.item_id for e in manual_marking.queue(db, marker)] == [essay.id]
    dropped = db.scalars(select(AuditEvent).where(AuditEvent.action == "score_change.dropped")).all()
    assert [e.after["change_id"] for e in dropped] == [change.id]
    assert db.get(ScoreChange, change.id).id in {c.id for c in score_changes.changes_of_attempt(db, attempt)}


def test_a_first_of_two_marks_given_to_the_old_text_does_not_count_for_the_new_one(db, clock, make):
    make.question("short_answer")
    paper = make.paper([("short_answer", 1, 50, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, second_marking=True)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ESSAY, 1)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    first, second = make.user(Role.MARKER), make.user(Role.MARKER)
    essay = attempt.items[0]
    clock.set(at("10:05:00"))
    manual_marking.give_mark(db, clock, first, essay.id, Decimal(10), "太短")
    assert [e.round for e in manual_marking.queue(db, second)] == [MarkingRound.SECOND]
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    _hand_in(db, clock, attempt, cadre, "完整的新答案", slot=1)
    assert [e.round for e in manual_marking.queue(db, second)] == [MarkingRound.FIRST]
    assert [e.round for e in manual_marking.queue(db, first)] == [MarkingRound.FIRST]
    manual_marking.give_mark(db, clock, first, essay.id, Decimal(40), "")
    outcome = manual_marking.give_mark(db, clock, second, essay.id, Decimal(40), "")
    assert outcome.settled == Decimal(40) and attempt.score == Decimal(40)
    _all_checks_hold(db, attempt)


def test_an_approved_change_of_a_choice_stands_while_its_answer_does_when_another_answer_changed(
        db, clock, make, marked):
    attempt, essay, cadre, marker = marked
    choice = next(i for i in attempt.items if i.slot == 1)
    # handed in again unchanged, then a four-eyes change of the choice (50 → 30)
    change = _approve_then_rewrite_the_essay(db, clock, make, marked, choice, Decimal(30), "复核扣分", Decimal(70))
    newest = marking.latest_item_marks(db, attempt)
    assert (newest[choice.id].score, newest[choice.id].reason) == (Decimal(30), f"score_change:{change.id}")
    assert attempt.score is None and [e.item_id for e in manual_marking.queue(db, marker)] == [essay.id]
    manual_marking.give_mark(db, clock, marker, essay.id, Decimal(45), "")
    assert attempt.score == Decimal(75)  # the approved 30 and the new 45


def _essay_first_handed_in(db, clock, make, choice: list[str]):
    """A short answer (slot 1, 50, answered ESSAY) and a single choice (slot 2, 50, key B, answered
    ``choice``) handed in at 10:02, the short answer not yet marked. Returns (attempt, cadre)."""
    make.question("short_answer")
    make.question("single_choice", key=["B"])
    paper = make.paper([("short_answer", 1, 50, "行政处罚法"), ("single_choice", 1, 50, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ESSAY, 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, choice, 2)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    return attempt, cadre


def test_a_short_answer_emptied_before_anyone_marked_it_scores_0_as_unanswered(db, clock, make):
    attempt, cadre = _essay_first_handed_in(db, clock, make, ["B"])
    assert attempt.score is None  # the short answer awaits a marker
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    clock.set(at("10:12:00"))
    attempts.save_response(db, clock, cadre, attempt.id, 1, "", 10)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 11)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    essay = next(i for i in attempt.items if i.slot == 1)
    newest = marking.latest_item_marks(db, attempt)
    assert (newest[essay.id].score, newest[essay.id].reason) == (Decimal(0), marking.UNANSWERED)
    assert attempt.score == Decimal(0) and manual_marking.queue(db, make.user(Role.MARKER)) == []
    assert results.latest_marks(db, attempt) == {1: Decimal(0), 2: Decimal(0)}
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "mark.set_aside")) == 0
    _all_checks_hold(db, attempt)


def test_a_multiple_choice_answer_changed_after_a_reopened_hand_in_gets_the_papers_partial_credit(db, clock, make):
    from question_bank.marking_rules import MultiChoiceRule

    make.question("multiple_choice", key=["A", "B"])
    paper = make.paper([("multiple_choice", 1, 50, "行政处罚法")], rule=MultiChoiceRule.PARTIAL)
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["A", "B"], 1)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score == Decimal(50)
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    _hand_in(db, clock, attempt, cadre, ["A"], slot=1)
    assert attempt.score == Decimal(25)  # one of two right options: half the mark under the partial rule


def test_a_choice_changed_after_a_reopening_is_marked_again_behind_a_short_answer_whose_mark_stands(db, clock, make):
    attempt, cadre = _essay_first_handed_in(db, clock, make, ["A"])
    essay = next(i for i in attempt.items if i.slot == 1)
    clock.set(at("10:05:00"))
    manual_marking.give_mark(db, clock, make.user(Role.MARKER), essay.id, Decimal(40), "")
    assert attempt.score == Decimal(40)
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    _hand_in(db, clock, attempt, cadre, ["B"], slot=2)  # the essay (slot 1) unchanged
    assert results.latest_marks(db, attempt) == {1: Decimal(40), 2: Decimal(50)}
    assert attempt.score == Decimal(90)
    _all_checks_hold(db, attempt)


def _voided_in(db, clock, make, attempt, slot):
    """Void the question of ``slot`` for the attempt's sitting, with full marks."""
    from question_bank.models import RegradeKind
    from question_bank.services import regrade

    question_id = next(i for i in attempt.items if i.slot == slot).question_version.question_id
    regrade.apply(db, clock, make.user(Role.EXAM_ADMIN), attempt.sitting_id, question_id,
                  RegradeKind.VOID_FULL_MARKS, "题目有误")
    db.commit()


def test_a_void_in_force_before_the_reopening_adds_no_mark_at_the_next_hand_in(db, clock, make, marked):
    attempt, essay, cadre, marker = marked
    clock.set(at("10:11:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)  # the fixture's re-opening handed in unchanged
    db.commit()
    _voided_in(db, clock, make, attempt, slot=1)  # full marks: the choice already had them
    choice = next(i for i in attempt.items if i.slot == 1)

    def marks_of_choice():
        return [(m.score, m.reason) for m in db.scalars(select(Mark).where(Mark.attempt_item_id == choice.id))]
    before = marks_of_choice()
    clock.set(at("10:15:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "再次故障", at("10:40:00"))
    _hand_in(db, clock, attempt, cadre, ESSAY)
    assert marks_of_choice() == before  # the void's score stands as given: no second mark of it
    assert attempt.score == Decimal(90)
    _all_checks_hold(db, attempt)


def test_a_short_answer_voided_while_its_attempt_was_reopened_gets_the_void_s_mark_at_the_hand_in(db, clock, make):
    make.question("short_answer")
    make.question("single_choice", key=["B"])
    paper = make.paper([("short_answer", 1, 50, "行政处罚法"), ("single_choice", 1, 50, "行政处罚法")])
    cadre, other = make.cadre(), make.cadre()
    sitting = make.sitting(paper, roster=[cadre, other], shuffle=False)
    attempts.submit_attempt(db, clock, other, attempts.start_attempt(db, clock, other, sitting).id)  # for the regrade
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ESSAY, 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
    clock.set(at("10:02:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score is None  # the essay awaits a marker
    clock.set(at("10:10:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "手机故障", at("10:40:00"))
    db.commit()
    _voided_in(db, clock, make, attempt, slot=1)  # the regrade passes the open attempt by
    clock.set(at("10:12:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    assert results.latest_marks(db, attempt) == {1: Decimal(50), 2: Decimal(50)}
    assert attempt.score == Decimal(100) and manual_marking.queue(db, make.user(Role.MARKER)) == []
    _all_checks_hold(db, attempt)
