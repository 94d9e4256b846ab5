"""The mean of two agreeing markers is never rounded over the pass mark (issue 6, tester finding 1),
the default pass mark is rounded up (finding 2), and a mark typed in digits of another script is
refused (finding 7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.models import Mark, Role
from question_bank.points import parse_plain_points
from question_bank.services import attempts, ledger, score_check
from question_bank.services.manual_marking import give_mark
from question_bank.services.marking import total_of
from question_bank.services.sittings import default_marks

ESSAY = "行政机关应当依法行使职权，遵循比例原则。"


@pytest.fixture
def marked(db, clock, make):
    """Two 50-point short answers, double marking with tolerance 1.00, pass mark 60: give
    (marker 1, marker 2) for each question and return the attempt and the outcomes."""
    make.questions(2, "short_answer", rubric="答出依法行使职权得一半分。")
    paper = make.paper([("short_answer", 2, 50, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, pass_mark=60)
    sitting.second_marking, sitting.marking_tolerance = True, Decimal("1.00")
    db.commit()
    first, second = make.user(Role.MARKER), make.user(Role.MARKER)

    def run(*pairs: tuple[str, str]):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        for slot in (1, 2):
            attempts.save_response(db, clock, cadre, attempt.id, slot, ESSAY + str(slot), slot)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
        db.commit()
        ids = {item.slot: item.id for item in attempt.items}
        outcomes = []
        for slot, (a, b) in zip((1, 2), pairs):
            give_mark(db, clock, first, ids[slot], Decimal(a), "")
            outcomes.append(give_mark(db, clock, second, ids[slot], Decimal(b), ""))
        db.commit()
        return attempt, outcomes

    return run


def test_two_means_of_59_99_in_all_stay_a_fail_where_rounding_half_up_made_60_00(db, marked):
    # The tester's case: exact means 30.005 + 29.985 = 59.99; half up per item gave 30.01 + 29.99 = 60.00, 合格.
    attempt, (one, two) = marked(("30.00", "30.01"), ("29.99", "29.98"))
    assert one.settled == Decimal("30.005") and one.kept_as == Decimal("30.00") and one.has_half_cent
    assert two.settled == Decimal("29.985") and two.kept_as == Decimal("29.98")
    assert attempt.score == Decimal("59.99") and attempt.passed is False and attempt.band == "fail"
    kept = db.scalars(select(Mark).where(Mark.attempt_item_id.in_([i.id for i in attempt.items]))).all()
    assert sorted((m.score, m.half_cent, m.exact) for m in kept) == [
        (Decimal("29.98"), True, Decimal("29.985")), (Decimal("30.00"), True, Decimal("30.005"))]
    # The ledger entry's digest covers the half hundredths, and the recorded score agrees with it.
    assert ledger.verify(db).ok and score_check.reconcile(db) == []


def test_two_means_of_exactly_60_pass_and_a_lone_half_is_dropped_never_added(db, marked):
    attempt, _ = marked(("30.00", "30.01"), ("29.99", "30.00"))  # 30.005 + 29.995 = 60.00 exactly
    assert attempt.score == Decimal("60.00") and attempt.passed is True


def test_a_lone_half_hundredth_is_dropped_from_the_total(db, marked):
    attempt, _ = marked(("30.00", "30.01"), ("29.00", "29.00"))  # 30.005 + 29.00 = 59.005
    assert attempt.score == Decimal("59.00") and attempt.passed is False


@pytest.mark.parametrize(("pairs", "total"), [
    ([("30.00", False), ("29.98", True)], "59.98"),
    ([("30.00", True), ("29.98", True)], "59.99"),
    ([("30.00", True), ("29.99", True)], "60.00"),
    ([("30.00", True), ("30.00", False)], "60.00"),
    ([("30.01", True), ("29.00", False)], "59.01"),  # a lone half is dropped after an odd hundredth too
])
def test_the_total_is_the_exact_sum_cut_down_to_the_hundredth(pairs, total):
    assert total_of((Decimal(s), h) for s, h in pairs) == Decimal(total)


@pytest.mark.parametrize(("paper_total", "pass_mark", "excellent"), [
    ("98.32", "59.00", "88.49"),  # 60 % is 58.992: 58.99 would pass below 60 %
    ("100", "60.00", "90.00"),
    ("97", "58.20", "87.30"),
    ("33.33", "20.00", "30.00"),  # 19.998 and 29.997
])
def test_the_default_pass_mark_is_rounded_up_never_below_60_per_cent(paper_total, pass_mark, excellent):
    assert default_marks(Decimal(paper_total)) == (Decimal(pass_mark), Decimal(excellent))


@pytest.mark.parametrize(("typed", "points"), [
    ("30", Decimal(30)), ("３０", Decimal(30)), ("３０．５", Decimal("30.5")), (" 29.99 ", Decimal("29.99")),
    ("٣٠", None), ("۳۰", None), ("३०", None), ("30٫5", None),
])
def test_full_width_digits_are_read_and_digits_of_other_scripts_are_refused(typed, points):
    assert parse_plain_points(typed) == points


def test_a_regrade_keeps_the_half_hundredths_of_the_items_it_leaves(db, clock, make, marked):
    from question_bank.models import RegradeKind
    from question_bank.services import regrade

    attempt, _ = marked(("30.00", "30.01"), ("29.99", "30.00"))  # 30.005 + 29.995 = 60.00
    second = next(i for i in attempt.items if i.slot == 2).question_version.question_id
    admin = make.user(Role.EXAM_ADMIN)
    (change,) = regrade.preview(db, admin, attempt.sitting_id, second, RegradeKind.VOID_FULL_MARKS, "题目有误").changes
    assert (change.old_score, change.new_score) == (Decimal("60.00"), Decimal("80.00"))  # 30.005 + 50, cut down
    regrade.apply(db, clock, admin, attempt.sitting_id, second, RegradeKind.VOID_FULL_MARKS, "题目有误")
    db.commit()
    assert attempt.score == Decimal("80.00") and ledger.verify(db).ok and score_check.reconcile(db) == []


@pytest.mark.parametrize(("max_score", "full", "marks"), [
    ("0.5", "1", ("0.30", "0.45")),  # a one-point paper with half its points removed
    ("0.75", "1", ("0.45", "0.68")),  # 0.675 rounded up
])
def test_a_question_removed_from_a_paper_of_a_point_or_less_scales_the_marks_too(max_score, full, marks):
    from question_bank.models import Sitting
    from question_bank.services.marking import scaled_marks

    sitting = Sitting(pass_mark=Decimal("0.60"), excellent_mark=Decimal("0.90"))
    assert scaled_marks(sitting, Decimal(max_score), Decimal(full)) == tuple(Decimal(m) for m in marks)
