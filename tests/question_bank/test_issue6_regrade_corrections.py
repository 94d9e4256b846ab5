"""Issue 6, defects an outside tester found in regrades and score changes: removing a question
from the total scales the pass and excellent marks with the maximum; a proposal made stale by a
regrade cannot be approved; an item awaiting marking and a voided attempt take no score change;
voided attempts stay out of regrades; band changes show; an identical regrade is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput
from question_bank.models import AuditEvent, Regrade, RegradeKind, Role, ScoreChange
from question_bank.reports.score_sheet import COL_MAX, COL_NAME, COL_PASS_MARK
from question_bank.services import attempts, ledger, proctoring, regrade, score_changes, score_check, score_sheets
from question_bank.services.marking import GradeBand, scaled_marks
from tests.scenarios import short_answer_awaiting_marking
from tests.question_bank.test_case_c10_regrade import c10, correct_key, item_score  # noqa: F401 (fixture)


@pytest.fixture
def halves(make, db, clock):
    """A 100-point paper of two single-choice questions worth 50 (key B), pass 60, excellent 90.
    "全对" answers both right (100), "后对" only the second (50), "前对" only the first (50)."""
    make.questions(2, "single_choice", key=["B"])
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    cadres = [make.cadre(display_name=name) for name in ("全对", "后对", "前对")]
    sitting = make.sitting(paper, roster=cadres, shuffle=False)
    sitting.pass_mark, sitting.excellent_mark = Decimal(60), Decimal(90)
    db.commit()
    taken = {}
    for cadre, answers in zip(cadres, ((["B"], ["B"]), (["C"], ["B"]), (["B"], ["C"]))):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        for slot, answer in enumerate(answers, start=1):
            attempts.save_response(db, clock, cadre, attempt.id, slot, answer, slot)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
        taken[cadre.display_name] = attempt
    db.commit()
    first = next(i for i in taken["全对"].items if i.slot == 1).question_version.question_id
    return sitting, first, taken, make.user(Role.EXAM_ADMIN)


def _maxima_and_pass_marks(db, clock, make, sitting) -> dict[str, tuple]:
    """Each candidate's 满分 and 合格分 cells on the HR sheet."""
    headers, rows = score_sheets.score_sheet(db, clock, sitting, make.user(Role.HR))
    return {r[headers.index(COL_NAME)]: (r[headers.index(COL_MAX)], r[headers.index(COL_PASS_MARK)]) for r in rows}


def test_removing_a_question_from_the_total_scales_the_pass_mark_with_the_maximum(db, clock, make, halves):
    sitting, first, taken, admin = halves
    assert set(_maxima_and_pass_marks(db, clock, make, sitting).values()) == {(100, 60)}
    shown = regrade.preview(db, admin, sitting.id, first, RegradeKind.VOID_REMOVED, "超出范围")
    by_name = {c.candidate: c for c in shown.changes}
    assert {(c.old_pass_mark, c.new_pass_mark) for c in shown.changes} == {(Decimal(60), Decimal("30.00"))}
    assert len(shown.pass_mark_changing) == 3
    assert (by_name["全对"].new_score, by_name["全对"].new_max, by_name["全对"].new_passed) == (50, 50, True)
    assert by_name["后对"].crosses_pass_mark and by_name["后对"].new_passed  # 50/100 failed; 50/50 passes
    regrade.apply(db, clock, admin, sitting.id, first, RegradeKind.VOID_REMOVED, "超出范围")
    db.commit()
    full, second_only, first_only = taken["全对"], taken["后对"], taken["前对"]
    assert (full.score, full.max_score, full.passed, full.band) == (50, 50, True, GradeBand.EXCELLENT)
    assert (second_only.passed, first_only.passed, first_only.score) == (True, False, 0)
    newest = score_check.newest_entries(db, [full.id])[full.id]
    assert (newest.score, newest.max_score, newest.passed) == (50, 50, True)
    assert ledger.verify(db).ok and score_check.reconcile(db) == []
    # The HR sheet says what each record is out of, and the pass mark it was judged against.
    assert _maxima_and_pass_marks(db, clock, make, sitting) == {"全对": (50, 30), "后对": (50, 30), "前对": (50, 30)}


def test_a_later_attempt_is_judged_by_the_scaled_pass_mark_too(db, clock, make, halves):
    sitting, first, taken, admin = halves
    regrade.apply(db, clock, admin, sitting.id, first, RegradeKind.VOID_REMOVED, "超出范围")
    late = make.cadre()
    sitting.roster.append(type(sitting.roster[0])(user_id=late.id, added_at=clock.now()))
    db.commit()
    attempt = attempts.start_attempt(db, clock, late, sitting)
    attempts.save_response(db, clock, late, attempt.id, 2, ["B"], 2)
    attempts.submit_attempt(db, clock, late, attempt.id)
    assert (attempt.score, attempt.max_score, attempt.passed) == (50, 50, True)


def test_scaled_marks_are_exact_and_rounded_up_to_the_hundredth(make, db):
    sitting = make.sitting()
    sitting.pass_mark, sitting.excellent_mark = Decimal(60), Decimal(90)
    assert scaled_marks(sitting, Decimal(97), Decimal(100)) == (Decimal("58.20"), Decimal("87.30"))
    assert scaled_marks(sitting, Decimal(80), Decimal(90)) == (Decimal("53.34"), Decimal("80.00"))
    assert scaled_marks(sitting, Decimal(100), Decimal(100)) == (Decimal(60), Decimal(90))


@pytest.mark.parametrize("full", [Decimal(0), Decimal(-100)])
def test_marks_are_not_scaled_to_a_paper_of_no_points(make, db, full):
    # A paper has a question of more than 0 points: a full score of 0 or less is a caller's mistake,
    # said as such rather than as a division by zero or the sitting's unscaled marks.
    sitting = make.sitting()
    with pytest.raises(ValueError, match="a paper is out of more than 0 points, not"):
        scaled_marks(sitting, full, full)
    with pytest.raises(ValueError, match="more than 0 points"):
        scaled_marks(sitting, Decimal(50), full)


def test_a_proposal_made_stale_by_a_regrade_is_refused_at_approval(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    item = next(i for i in p.items if i.slot == 1)
    change = score_changes.propose(db, clock, admin, item.id, Decimal(1), "部分正确，酌情给分")
    db.commit()
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    assert [c.id for c in shown.stale_proposals] == [change.id]
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    db.commit()
    assert item_score(db, p, 1) == Decimal(2)
    with pytest.raises(Conflict) as refused:
        score_changes.decide(db, clock, make.user(Role.EXAM_ADMIN), change.id, approve=True)
    assert refused.value.params == {"now": "2.00", "new": "1.00", "old": "0.00"}
    db.rollback()
    assert item_score(db, p, 1) == Decimal(2) and p.score == Decimal(100)
    assert db.get(ScoreChange, change.id).state == "proposed"


def test_a_second_identical_regrade_is_refused_as_changing_nothing(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    db.commit()
    with pytest.raises(InvalidInput) as refused:
        regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "再来一次")
    assert [x.place for x in refused.value.problems] == ["kind"]
    db.rollback()
    assert db.scalar(select(func.count(Regrade.id))) == 1


def test_the_preview_shows_band_changes_that_do_not_cross_the_pass_mark(db, clock, make):
    """Pass 90, excellent 100: P 98 (合格) and R 100 (优秀); the corrected key swaps them, so both
    change band and neither crosses the pass mark."""
    q = make.question("multiple_choice", key=["A", "B"], category="行政许可法")
    make.questions(2, "single_choice", key=["B"], category="行政处罚法")
    paper = make.paper([("multiple_choice", 1, 2, "行政许可法"), ("single_choice", 2, 49, "行政处罚法")])
    p, r = make.cadre(display_name="官员P"), make.cadre(display_name="官员R")
    sitting = make.sitting(paper, roster=[p, r], shuffle=False)
    sitting.pass_mark, sitting.excellent_mark = Decimal(90), Decimal(100)
    db.commit()
    for cadre, choice in ((p, ["A", "C"]), (r, ["A", "B"])):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, choice, 1)
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
        attempts.save_response(db, clock, cadre, attempt.id, 3, ["B"], 3)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    correct_key(make, db, clock, q, ["A", "C"])
    shown = regrade.preview(db, make.user(Role.EXAM_ADMIN), sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    assert {c.candidate: (c.old_band, c.new_band) for c in shown.band_changing} == {
        "官员P": ("pass", "excellent"), "官员R": ("excellent", "pass")}
    assert shown.crossing == []


def test_a_voided_attempt_is_left_out_of_regrades_and_takes_no_score_change(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    proctoring.void_attempt(db, clock, make.user(Role.EXAM_ADMIN), p.id, "替考")
    db.commit()
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    assert [c.candidate for c in shown.changes] == [] and shown.attempts_using == 1
    with pytest.raises(Conflict):
        score_changes.propose(db, clock, admin, next(i for i in p.items if i.slot == 2).id, Decimal(0), "复核")
    assert db.scalar(select(func.count(ScoreChange.id))) == 0


def test_an_item_awaiting_marking_takes_no_score_change(db, clock, make):
    attempt = short_answer_awaiting_marking(db, clock, make)
    with pytest.raises(Conflict) as refused:
        score_changes.propose(db, clock, make.user(Role.EXAM_ADMIN), attempt.items[0].id, Decimal(80), "直接给分")
    assert "awaiting marking" in str(refused.value)
    assert db.scalar(select(func.count(ScoreChange.id))) == 0


def test_a_negative_zero_is_recorded_as_zero(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    item = next(i for i in r.items if i.slot == 2)
    change = score_changes.propose(db, clock, admin, item.id, Decimal("-0"), "漏判")
    assert str(change.new_score) in ("0", "0.00") and not change.new_score.is_signed()


def _approve_change(db, clock, make, admin, item, points, reason):
    change = score_changes.propose(db, clock, admin, item.id, Decimal(points), reason)
    score_changes.decide(db, clock, make.user(Role.EXAM_ADMIN), change.id, approve=True)
    db.commit()
    return change


def test_a_key_correction_keeps_a_mark_set_by_an_approved_score_change_and_names_it(db, clock, make, c10):
    """Second trial, F-5: an appeal two admins approved was undone by a later key correction,
    shown in the preview like any other change. The person-decided mark stays, and the preview
    and the audit event name it; the other candidates are regraded as usual."""
    q, sitting, p, r, admin = c10
    appealed = next(i for i in r.items if i.slot == 1)
    change = _approve_change(db, clock, make, admin, appealed, 1, "申诉：酌情给分")
    assert r.score == Decimal(99)
    correct_key(make, db, clock, q, ["A", "C"])
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    assert [(k.candidate, k.slot, k.score, k.key_score, k.change_id) for k in shown.kept] == [
        ("官员R", 1, Decimal(1), Decimal(0), change.id)]
    assert [c.candidate for c in shown.changes] == ["官员P"]
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "更正答案")
    db.commit()
    assert (item_score(db, r, 1), r.score) == (Decimal(1), Decimal(99))
    assert (item_score(db, p, 1), p.score) == (Decimal(2), Decimal(100))
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "sitting.regrade")).one()
    assert event.after["kept"] == [{"attempt_id": r.id, "slot": 1, "score": "1.00", "key_score": "0.00",
                                    "score_change_id": change.id}]
    assert ledger.verify(db).ok and score_check.reconcile(db) == []


def test_a_void_still_applies_to_an_item_a_score_change_set(db, clock, make, c10):
    """Voiding a question applies to every candidate alike, whatever marked the item before."""
    q, sitting, p, r, admin = c10
    appealed = next(i for i in p.items if i.slot == 1)
    _approve_change(db, clock, make, admin, appealed, 1, "申诉：酌情给分")
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    assert shown.kept == [] and [c.candidate for c in shown.changes] == ["官员P"]
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    db.commit()
    assert item_score(db, p, 1) == Decimal(2)


def test_a_question_removed_from_the_total_takes_no_score_change_before_or_after_the_void(db, clock, make, c10):
    """Second trial F-11: 2 points approved on a question removed from the total counted in a score
    whose maximum leaves it out (65 of 98 became 67 of 98; 98 of 98 would become 100 of 98)."""
    q, sitting, p, r, admin = c10
    item = next(i for i in p.items if i.slot == 1)
    waiting = score_changes.propose(db, clock, admin, item.id, Decimal(2), "申诉：酌情给分")
    db.commit()
    shown = regrade.preview(db, admin, sitting.id, q.id, RegradeKind.VOID_REMOVED, "超纲，剔除")
    assert [c.id for c in shown.stale_proposals] == [waiting.id]  # P's mark stays 0, yet it cannot be approved
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_REMOVED, "超纲，剔除")
    db.commit()
    assert (p.score, p.max_score) == (Decimal(98), Decimal(98))
    with pytest.raises(Conflict):
        score_changes.decide(db, clock, make.user(Role.EXAM_ADMIN), waiting.id, approve=True)
    db.rollback()
    with pytest.raises(Conflict):
        score_changes.propose(db, clock, make.user(Role.EXAM_ADMIN), item.id, Decimal(2), "再次申诉")
    db.rollback()
    db.refresh(p)
    assert (p.score, p.max_score) == (Decimal(98), Decimal(98))
    assert score_check.reconcile(db) == []


def test_a_question_voided_with_full_marks_takes_no_score_change_for_one_candidate(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_FULL_MARKS, "作废给分")
    db.commit()
    with pytest.raises(Conflict):
        score_changes.propose(db, clock, admin, next(i for i in r.items if i.slot == 1).id, Decimal(0), "不应给分")
    db.rollback()
    assert r.score == Decimal(100)
