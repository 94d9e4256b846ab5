"""Issue 6, a second tester's findings on regrades: a key corrected after a void leaves the void
governing the score (finding 3); the preview counts maximum changes apart from score changes and
names the open attempts that use the question (finding 4a, 4c)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from question_bank.models import Question, RegradeKind, Role
from question_bank.services import attempts, item_overrides, ledger, regrade
from tests.question_bank.test_case_c10_regrade import correct_key
from tests.question_bank.test_issue6_regrade_corrections import halves  # noqa: F401 (fixture)


def _scores(taken):
    return {name: (a.score, a.max_score, a.passed) for name, a in taken.items()}


@pytest.mark.parametrize("void", [RegradeKind.VOID_FULL_MARKS, RegradeKind.VOID_REMOVED])
def test_a_key_corrected_after_a_void_leaves_the_void_governing_the_score_and_the_preview_says_so(
        db, clock, make, halves, void):
    sitting, first, taken, admin = halves
    regrade.apply(db, clock, admin, sitting.id, first, void, "题目有误")
    db.commit()
    before = _scores(taken)
    correct_key(make, db, clock, db.get(Question, first), ["C"])

    shown = regrade.preview(db, admin, sitting.id, first, RegradeKind.KEY_CORRECTED, "答案更正")
    assert shown.void_kept == void and shown.changes == [] and shown.score_changing == []
    done = regrade.apply(db, clock, admin, sitting.id, first, RegradeKind.KEY_CORRECTED, "答案更正")
    db.commit()
    assert done.changes == [] and _scores(taken) == before
    override = item_overrides.for_sitting(db, sitting.id)[first]
    assert override.kind == void and override.key == ["C"]  # the corrected key is the key in force
    item = next(i for i in taken["全对"].items if i.slot == 1)
    assert item_overrides.key_in_force(item.question_version, override) == ["C"]
    assert ledger.verify(db).ok


def test_removing_a_question_counts_maximum_changes_apart_from_score_changes(db, clock, make, halves):
    sitting, first, taken, admin = halves
    shown = regrade.preview(db, admin, sitting.id, first, RegradeKind.VOID_REMOVED, "超出范围")
    # 后对 scored 0 on the first question: 50/100 becomes 50/50, the score itself does not change.
    assert {c.candidate for c in shown.score_changing} == {"全对", "前对"}
    assert len(shown.max_changing) == 3
    assert {(c.old_max, c.new_max) for c in shown.max_changing} == {(Decimal(100), Decimal(50))}


def test_the_preview_counts_the_open_attempts_that_use_the_question(db, clock, make, halves):
    sitting, first, taken, admin = halves
    late = make.cadre(display_name="在考")
    sitting.roster.append(type(sitting.roster[0])(user_id=late.id, added_at=clock.now()))
    db.commit()
    attempts.start_attempt(db, clock, late, sitting)
    db.commit()
    shown = regrade.preview(db, admin, sitting.id, first, RegradeKind.VOID_FULL_MARKS, "题目有误")
    assert shown.attempts_using == 3 and shown.open_using == 1


def test_a_score_corrected_then_handed_in_again_after_a_reopening_still_says_corrected(db, clock, make, halves):
    import datetime as dt

    from question_bank.reports.score_sheet import CHECK_CHANGED, check_text
    from question_bank.services import proctoring, score_check

    sitting, first, taken, admin = halves
    regrade.apply(db, clock, admin, sitting.id, first, RegradeKind.VOID_FULL_MARKS, "题目有误")
    db.commit()
    attempt = taken["后对"]
    assert attempt.score == Decimal(100)
    proctoring.reopen_attempt(db, clock, admin, attempt.id, "手机故障", clock.now() + dt.timedelta(minutes=10))
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    db.commit()
    result = score_check.checked_score(db, attempt)
    assert not result.recorded.reason.startswith("regrade:")  # the newest entry is the hand-in's
    assert result.corrected and check_text(result, attempt) == CHECK_CHANGED
    untouched = score_check.checked_score(db, taken["全对"])
    assert not untouched.corrected


def _reopened(db, clock, admin, attempt):
    import datetime as dt

    from question_bank.services import proctoring

    proctoring.reopen_attempt(db, clock, admin, attempt.id, "手机故障", clock.now() + dt.timedelta(minutes=10))
    db.commit()


def _newest_marks(db, attempt):
    """Slot → (score, marker id, reason) of each item's newest mark."""
    from sqlalchemy import select

    from question_bank.models import Mark

    newest = {}
    for item in attempt.items:
        mark = db.scalars(select(Mark).where(Mark.attempt_item_id == item.id).order_by(Mark.id.desc())).first()
        newest[item.slot] = (mark.score, mark.marker_id, mark.reason)
    return newest


@pytest.mark.parametrize("void, name, score, max_score", [
    (RegradeKind.VOID_FULL_MARKS, "后对", Decimal(50), Decimal(100)),  # 50 for the voided question, 0 for C
    (RegradeKind.VOID_REMOVED, "前对", Decimal(0), Decimal(50)),  # the right first answer no longer counts
])
def test_a_void_applied_while_an_attempt_is_reopened_counts_when_it_is_handed_in_again(
        db, clock, make, halves, void, name, score, max_score):
    sitting, first, taken, admin = halves
    attempt = taken[name]
    _reopened(db, clock, admin, attempt)
    regrade.apply(db, clock, admin, sitting.id, first, void, "题目有误")
    db.commit()
    attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 10)  # the second answer changed to C
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    db.commit()
    assert (attempt.score, attempt.max_score) == (score, max_score)
    fixed = Decimal(50) if void == RegradeKind.VOID_FULL_MARKS else Decimal(0)
    assert _newest_marks(db, attempt) == {1: (fixed, None, f"void:{void}"), 2: (Decimal(0), None, "")}
    assert ledger.verify(db).ok


def test_a_key_corrected_while_an_attempt_is_reopened_marks_its_unchanged_answer_when_it_is_handed_in_again(
        db, clock, make, halves):
    sitting, first, taken, admin = halves
    attempt = taken["后对"]  # answered C to the first question: 0, 50 in all
    _reopened(db, clock, admin, attempt)
    correct_key(make, db, clock, db.get(Question, first), ["C"])
    regrade.apply(db, clock, admin, sitting.id, first, RegradeKind.KEY_CORRECTED, "答案更正")
    db.commit()
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    db.commit()
    assert (attempt.score, attempt.passed) == (Decimal(100), True)
    assert _newest_marks(db, attempt)[1] == (Decimal(50), None, "")
