"""C-10: a regrade after a key correction updates recorded scores, and only when it is run; voided
questions (full marks, or removed from the total); the preview names who changes and who crosses
the pass mark, and writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.models import (
    AuditEvent, ManualMark, Mark, Regrade, RegradeKind, ResponseStep, Role, ScoreRecord,
)
from question_bank.reports.score_sheet import COL_NAME, COL_SCORE, HEADERS
from question_bank.services import attempts, ledger, regrade, review, score_check
from question_bank.services.marking import latest_item_marks


@pytest.fixture
def c10(make, db, clock):
    """Q: multiple choice worth 2, all-or-nothing, key entered wrongly as {A,B}, in slot 1; slots 2
    and 3 single choice worth 49 each (key B). P answered {A,C}, R answered {A,B}; both B and B."""
    q = make.question("multiple_choice", key=["A", "B"], category="行政许可法")
    make.questions(2, "single_choice", key=["B"], category="行政处罚法")
    paper = make.paper([("multiple_choice", 1, 2, "行政许可法"), ("single_choice", 2, 49, "行政处罚法")])
    p, r = make.cadre(display_name="官员P"), make.cadre(display_name="官员R")
    sitting = make.sitting(paper, roster=[p, r], shuffle=False, pass_mark=90)
    sitting.pass_mark, sitting.excellent_mark = Decimal(99), Decimal(100)
    db.commit()
    taken = {}
    for cadre, choice in ((p, ["A", "C"]), (r, ["A", "B"])):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, choice, 1)
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
        attempts.save_response(db, clock, cadre, attempt.id, 3, ["B"], 3)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
        taken[cadre.display_name] = attempt
    db.commit()
    admin = make.user(Role.EXAM_ADMIN)
    return q, sitting, taken["官员P"], taken["官员R"], admin


def correct_key(make, db, clock, question, key):
    make.revision(question, key=key)
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()


def item_score(db, attempt, slot):
    marks = latest_item_marks(db, attempt)
    return marks[next(i.id for i in attempt.items if i.slot == slot)].score


def sheet_scores(db, clock, sitting, hr):
    from question_bank.formats import tabular
    from question_bank.services import score_sheets

    headers, rows = score_sheets.score_sheet(db, clock, sitting, hr)
    text = tabular.to_csv_bytes(headers, rows).decode("utf-8-sig")
    return {r[HEADERS.index(COL_NAME)]: r[HEADERS.index(COL_SCORE)] for r in list(csv.reader(io.StringIO(text)))[1:]}


def test_c10_regrade_after_a_key_correction_updates_recorded_scores(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    assert (p.score, r.score) == (Decimal(98), Decimal(100))
    steps_before = [(s.id, s.answer) for s in db.scalars(select(ResponseStep).order_by(ResponseStep.id))]

    correct_key(make, db, clock, q, ["A", "C"])
    # Editing the bank does not rewrite history: recorded scores stand until a regrade is run.
    db.refresh(p), db.refresh(r)
    assert (p.score, r.score) == (Decimal(98), Decimal(100))
    assert db.scalar(select(func.count(ScoreRecord.id))) == 2

    clock.set(clock.now() + dt.timedelta(minutes=10))
    done = regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "答案录入错误，更正为AC")
    db.commit()
    assert (item_score(db, p, 1), item_score(db, r, 1)) == (Decimal(2), Decimal(0))
    assert (p.score, r.score) == (Decimal(100), Decimal(98))  # both totals move by the same 2 points
    hr = make.user(Role.HR)
    assert sheet_scores(db, clock, sitting, hr) == {"官员P": "100", "官员R": "98"}
    # Answers untouched; the regrade record says who, when, old and new.
    assert [(s.id, s.answer) for s in db.scalars(select(ResponseStep).order_by(ResponseStep.id))] == steps_before
    assert (done.applied_by_id, done.applied_at, done.reason) == (admin.id, clock.now(), "答案录入错误，更正为AC")
    assert {(c.attempt_id, c.old_score, c.new_score) for c in done.changes} == {
        (p.id, Decimal(98), Decimal(100)), (r.id, Decimal(100), Decimal(98))}
    newest = score_check.newest_entries(db, [p.id, r.id])
    assert newest[p.id].reason == "regrade: 答案录入错误，更正为AC" and newest[p.id].actor_id == admin.id
    assert {c.score_record_id for c in done.changes} == {newest[p.id].id, newest[r.id].id}
    assert ledger.verify(db).ok and score_check.reconcile(db) == []
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "sitting.regrade"))
    assert event.actor_id == admin.id and len(event.after["changes"]) == 2


def test_the_preview_names_who_changes_and_who_crosses_the_pass_mark_and_writes_nothing(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    correct_key(make, db, clock, q, ["A", "C"])
    counts = (db.scalar(select(func.count(Mark.id))), db.scalar(select(func.count(ScoreRecord.id))))
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    assert shown.attempts_using == 2
    assert {(c.candidate, c.old_score, c.new_score) for c in shown.changes} == {
        ("官员P", Decimal(98), Decimal(100)), ("官员R", Decimal(100), Decimal(98))}
    # Pass mark 99: P now passes and R now fails.
    assert {c.candidate: (c.old_passed, c.new_passed) for c in shown.crossing} == {
        "官员P": (False, True), "官员R": (True, False)}
    assert (db.scalar(select(func.count(Mark.id))), db.scalar(select(func.count(ScoreRecord.id)))) == counts
    assert db.scalar(select(func.count(Regrade.id))) == 0


def test_a_key_correction_needs_an_approved_key_that_differs(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    with pytest.raises(InvalidInput) as refused:
        regrade.preview(db, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    assert [x.place for x in refused.value.problems] == ["question"]
    make.revision(q, key=["A", "C"])  # edited but not yet approved: still the wrong key published
    with pytest.raises(InvalidInput):
        regrade.preview(db, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    with pytest.raises(InvalidInput) as no_reason:
        regrade.preview(db, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "  ")
    assert [x.place for x in no_reason.value.problems] == ["reason"]


def test_a_question_voided_with_full_marks_gives_everyone_its_mark(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "题目有歧义，作废给分")
    db.commit()
    assert (p.score, r.score) == (Decimal(100), Decimal(100))
    assert [c.attempt_id for c in db.scalar(select(Regrade)).changes] == [p.id]  # R had the mark already
    assert score_check.reconcile(db) == []


def test_a_question_removed_from_the_total_leaves_score_and_maximum(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_REMOVED, "题目超出考试范围")
    db.commit()
    assert (p.score, p.max_score, r.score, r.max_score) == (Decimal(98), Decimal(98), Decimal(98), Decimal(98))
    newest = score_check.newest_entries(db, [p.id, r.id])
    assert newest[p.id].max_score == Decimal(98) and newest[r.id].score == Decimal(98)
    assert score_check.reconcile(db) == [] and ledger.verify(db).ok


def test_a_later_submission_is_marked_as_the_regrade_decided(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    correct_key(make, db, clock, q, ["A", "C"])
    late = make.cadre()
    sitting.roster.append(type(sitting.roster[0])(user_id=late.id, added_at=clock.now()))
    db.commit()
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    db.commit()
    attempt = attempts.start_attempt(db, clock, late, sitting)
    # The late candidate drew the published (corrected) version; the override marks it the same way.
    attempts.save_response(db, clock, late, attempt.id, 1, ["A", "C"], 1)
    attempts.submit_attempt(db, clock, late, attempt.id)
    assert item_score(db, attempt, 1) == Decimal(2)


def test_voiding_a_short_answer_takes_it_out_of_the_marking_queue(db, clock, make):
    from question_bank.services.manual_marking import queue

    essay = make.question("short_answer")
    paper = make.paper([("short_answer", 1, 100, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, "依法行政", 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    marker = make.user(Role.MARKER)
    assert len(queue(db, marker)) == 1
    regrade.apply(db, clock, make.user(Role.EXAM_ADMIN), sitting.id, essay.id, RegradeKind.VOID_FULL_MARKS, "作废")
    assert queue(db, marker) == [] and attempt.score == Decimal(100)
    assert db.scalar(select(func.count(ManualMark.id))) == 0


@pytest.mark.parametrize(("kind", "score", "max_score", "item_mark", "reason"), [
    # S answered {A,C}: right by the corrected key, wrong by the key she drew ({A,B}).
    (RegradeKind.KEY_CORRECTED, Decimal(100), Decimal(100), Decimal(2), ""),
    (RegradeKind.VOID_FULL_MARKS, Decimal(100), Decimal(100), Decimal(2), "void:void_full_marks"),
    (RegradeKind.VOID_REMOVED, Decimal(98), Decimal(98), Decimal(0), "void:void_removed"),
])
def test_a_cadre_still_sitting_when_a_regrade_is_run_is_marked_as_it_decided_at_hand_in(
        db, clock, make, c10, kind, score, max_score, item_mark, reason):
    q, sitting, p, r, admin = c10
    s = make.cadre(display_name="官员S")
    sitting.roster.append(type(sitting.roster[0])(user_id=s.id, added_at=clock.now()))
    db.commit()
    attempt = attempts.start_attempt(db, clock, s, sitting)  # draws the wrong key {A,B}
    attempts.save_response(db, clock, s, attempt.id, 1, ["A", "C"], 1)
    attempts.save_response(db, clock, s, attempt.id, 2, ["B"], 2)
    attempts.save_response(db, clock, s, attempt.id, 3, ["B"], 3)
    if kind == RegradeKind.KEY_CORRECTED:
        correct_key(make, db, clock, q, ["A", "C"])
    regrade.apply(db, clock, admin, sitting.id, q.id, kind, "考试中更正")
    db.commit()
    attempts.submit_attempt(db, clock, s, attempt.id)
    db.commit()

    assert (attempt.score, attempt.max_score, attempt.passed) == (score, max_score, True)
    first = latest_item_marks(db, attempt)[next(i.id for i in attempt.items if i.slot == 1)]
    assert (first.score, first.reason) == (item_mark, reason)
    assert sheet_scores(db, clock, sitting, make.user(Role.HR))["官员S"] == f"{score}"
    assert ledger.verify(db).ok
