"""The appraisal summary's rules on records made in memory: no database, no clock (issue 6, "the
house": reports are pure functions of loaded records). Scores on papers of different maxima are
compared and averaged as shares of each paper's maximum (outside tester: 45/50 looked worse than
60/100)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from question_bank import id_vault
from question_bank.models import Attempt, AttemptState, ExamKind, OrgUnit, Sitting, User
from question_bank.reports import appraisal as report
from question_bank.reports import score_share
from question_bank.reports.score_share import PaperScore
from question_bank.services.practice_figures import PracticeFigures
from question_bank.services.score_check import CheckedScore, ScoreState

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)
UNIT = OrgUnit(id=1, name="法制科", path="/1/")


def sitting(sitting_id: int, day: int, kind: ExamKind = ExamKind.ANNUAL) -> Sitting:
    opens = dt.datetime(2026, 5, day, 1, tzinfo=UTC)
    return Sitting(id=sitting_id, title=f"场次{sitting_id}", kind=kind, opens_at=opens,
                   closes_at=opens + dt.timedelta(hours=3), pass_mark=Decimal(60), excellent_mark=Decimal(90))


def cadre(user_id: int, name: str) -> User:
    user = User(id=user_id, display_name=name, org_unit=UNIT, org_unit_id=1)
    id_vault.store(user, "110101199003074512")
    return user


def closed(attempt_id: int, user_id: int, at: Sitting, score: str | None, max_score: str = "100") -> Attempt:
    return Attempt(id=attempt_id, user_id=user_id, sitting_id=at.id, attempt_no=1, started_at=at.opens_at,
                   finished_at=at.opens_at + dt.timedelta(minutes=30), state=AttemptState.SUBMITTED,
                   score=None if score is None else Decimal(score), max_score=Decimal(max_score))


def recorded(score: str, passed: bool, max_score: str = "100") -> CheckedScore:
    return CheckedScore(ScoreState.RECORDED, Decimal(score), Decimal(max_score), "pass" if passed else "fail", passed)


def one_cadre(*scores: tuple[str, str, ExamKind]) -> dict:
    """王五's row after sittings on days 1, 2, … of May, each scored (points, maximum, kind), passed at 60 %."""
    sittings = [sitting(n, n, kind) for n, (_, _, kind) in enumerate(scores, start=1)]
    attempts = {s.id: {1: [closed(10 + s.id, 1, s, points, maximum)]} for s, (points, maximum, _) in zip(sittings, scores)}
    results = {10 + s.id: recorded(points, Decimal(points) * 10 >= Decimal(maximum) * 6, maximum)
               for s, (points, maximum, _) in zip(sittings, scores)}
    [summary] = report.summarise([cadre(1, "王五")], sittings, {s.id: [1] for s in sittings}, attempts, results,
                                 {}, {}, NOW)
    return dict(zip(report.CADRE_HEADERS, report.cadre_row(summary)))


def test_a_failed_first_sitting_then_a_passed_makeup_is_a_pass_with_both_scores():
    first, makeup = sitting(1, 10), sitting(2, 20, ExamKind.MAKEUP)
    wang = cadre(1, "王五")
    a1, a2 = closed(11, 1, first, "40"), closed(12, 1, makeup, "75.5")
    [summary] = report.summarise([wang], [makeup, first], {1: [1], 2: [1]}, {1: {1: [a1]}, 2: {1: [a2]}},
                                 {11: recorded("40", False), 12: recorded("75.5", True)},
                                 {1: report.Study(3, 5)}, {1: PracticeFigures(3, 2, 1)}, NOW)
    row = dict(zip(report.CADRE_HEADERS, report.cadre_row(summary)))
    assert (row["首考最高成绩"], row["补考最高成绩"], row["最高成绩"], row["最近成绩"]) == \
        ("40/100（40%）", "75.5/100（75.5%）", "75.5/100（75.5%）", "75.5/100（75.5%）")
    assert (row["最高得分率（%）"], row["平均得分率（%）"]) == (Decimal("75.5"), Decimal("57.75"))
    assert (row["是否合格"], row["补考场次"], row["已学条目"], row["应学条目"], row["练习正确率（%）"]) == \
        ("合格", 1, 3, 5, Decimal("66.7"))
    assert row["身份证号"] == "110101********4512"


def test_awaiting_marking_absent_and_no_sitting_say_so_without_a_score():
    done, missed = sitting(1, 10), sitting(2, 11)
    pending, absent, idle = cadre(1, "待阅"), cadre(2, "缺考"), cadre(3, "无考试")
    summaries = report.summarise([pending, absent, idle], [done, missed], {1: [1], 2: [2]},
                                 {1: {1: [closed(11, 1, done, None)]}},
                                 {11: CheckedScore(ScoreState.UNMARKED)}, {}, {}, NOW)
    rows = [dict(zip(report.CADRE_HEADERS, report.cadre_row(s))) for s in summaries]
    assert [(r["是否合格"], r["最高成绩"], r["待阅卷场次"], r["缺考场次"]) for r in rows] == \
        [("待阅卷", None, 1, 0), ("缺考", None, 0, 1), ("", None, 0, 0)]
    assert [(r["最高得分率（%）"], r["平均得分率（%）"]) for r in rows] == [(None, None)] * 3
    assert [r["已学条目"] for r in rows] == [None, None, None]  # no list reaches them: empty, not 0
    assert [r["各场次情况"] for r in rows] == ["场次1：待阅卷", "场次2：缺考", ""]


def test_a_unit_with_no_one_on_a_roster_has_no_pass_rate_and_the_total_row_comes_last():
    idle = cadre(1, "无考试")
    headers, rows = report.unit_table(report.summarise([idle], [], {}, {}, {}, {}, {}, NOW))
    assert [dict(zip(headers, r))["合格率（%）"] for r in rows] == [None, None]
    assert [r[0] for r in rows] == ["法制科", report.TOTAL_LABEL]


A, M = ExamKind.ANNUAL, ExamKind.MAKEUP


@pytest.mark.parametrize("scores", [[("60", "100", A), ("45", "50", A)], [("45", "50", A), ("60", "100", A)]])
def test_the_best_is_the_highest_share_of_its_papers_maximum_not_the_most_points(scores):
    row = one_cadre(*scores)
    assert (row["最高成绩"], row["最高得分率（%）"], row["首考最高成绩"]) == ("45/50（90%）", Decimal(90), "45/50（90%）")
    # The mean of the shares (60 % and 90 %), not of the points (52.5) nor summed points ÷ summed maxima (70 %).
    assert row["平均得分率（%）"] == Decimal(75)


def test_a_makeup_on_a_smaller_paper_is_the_best_when_its_share_is_higher():
    row = one_cadre(("59", "100", A), ("48.5", "50", M))
    assert (row["首考最高成绩"], row["补考最高成绩"], row["最高成绩"]) == ("59/100（59%）", "48.5/50（97%）", "48.5/50（97%）")
    assert (row["最近成绩"], row["最近考试"], row["平均得分率（%）"]) == ("48.5/50（97%）", "场次2", Decimal(78))
    assert row["各场次情况"] == "场次1：59/100（59%，不合格）；场次2：48.5/50（97%，合格）"


@pytest.mark.parametrize("scores", [[("45", "50", A), ("90", "100", A)], [("90", "100", A), ("45", "50", A)],
                                    [("90", "100", A), ("45", "50", A), ("9", "10", A)]])
def test_equal_shares_go_to_the_larger_maximum_whatever_the_order(scores):
    row = one_cadre(*scores)
    assert (row["最高成绩"], row["最高得分率（%）"], row["平均得分率（%）"]) == ("90/100（90%）", Decimal(90), Decimal(90))


def test_the_latest_is_the_sitting_handed_in_last_even_when_it_is_not_the_best():
    row = one_cadre(("45", "50", A), ("60", "100", A))
    assert (row["最近成绩"], row["最近考试"], row["最高成绩"]) == ("60/100（60%）", "场次2", "45/50（90%）")


@pytest.mark.parametrize("share, shown", [
    (Fraction(2, 3), "66.67"), (Fraction(1, 3), "33.33"), (Fraction(1, 6), "16.67"),
    (Fraction(1, 8), "12.50"),        # 0.125 exactly: no rounding
    (Fraction(1, 800), "0.13"),       # 0.125 %: half up, where half-even gives 0.12
    (Fraction(57, 20000), "0.29"),    # 0.285 %: a float 0.285 rounds down to 0.28
    (Fraction(201, 20000), "1.01"),   # 1.005 %: a float round(1.005, 2) gives 1.0
    (Fraction(1, 8000), "0.01"), (Fraction(1, 400000), "0.00"), (Fraction(1), "100.00"), (Fraction(0), "0.00"),
])
def test_a_share_is_shown_in_percent_rounded_half_up_to_two_places(share, shown):
    assert str(score_share.percent(share)) == shown


@pytest.mark.parametrize("points, maximum, text", [
    ("2", "3", "2/3（66.67%）"), ("0.01", "8", "0.01/8（0.13%）"), ("12.5", "100", "12.5/100（12.5%）"),
    ("45", "50.00", "45/50（90%）"), ("0", "60", "0/60（0%）"), ("98.99", "99", "98.99/99（99.99%）"),
    ("199.99", "200", "199.99/200（100%）"),  # 99.995 %: shown as 100 %, by the rounding rule
])
def test_a_score_cell_reads_points_out_of_the_maximum_with_its_share(points, maximum, text):
    assert PaperScore(Decimal(points), Decimal(maximum)).text() == text


def test_means_of_shares_round_half_up_for_the_cadre_and_the_unit():
    # One cadre: 1/3 and 0 → 1/6 = 16.666… %; a third-decimal 5 in the mean: (1/400 + 0) / 2 = 0.125 %.
    assert one_cadre(("1", "3", A), ("0", "5", A))["平均得分率（%）"] == Decimal("16.67")
    assert one_cadre(("1", "400", A), ("0", "5", A))["平均得分率（%）"] == Decimal("0.13")
    first, second = sitting(1, 1), sitting(2, 2)
    people = [cadre(1, "甲"), cadre(2, "乙"), cadre(3, "丙")]
    attempts = {1: {1: [closed(11, 1, first, "2", "3")], 2: [closed(12, 2, first, "1", "3")]},
                2: {3: [closed(13, 3, second, "45", "50")]}}
    results = {11: recorded("2", True, "3"), 12: recorded("1", False, "3"), 13: recorded("45", True, "50")}
    summaries = report.summarise(people, [first, second], {1: [1, 2], 2: [3]}, attempts, results, {}, {}, NOW)
    headers, rows = report.unit_table(summaries)
    # (2/3 + 1/3 + 9/10) / 3 = 19/30 = 63.333… %; summed points ÷ summed maxima would be 48/56.
    assert [dict(zip(headers, r))["平均得分率（%）"] for r in rows] == [Decimal("63.33"), Decimal("63.33")]


def test_a_score_out_of_no_maximum_is_said_but_never_compared():
    [summary] = report.summarise([cadre(1, "王五")], [sitting(1, 1)], {1: [1]},
                                 {1: {1: [closed(11, 1, sitting(1, 1), "0", "0")]}}, {11: recorded("0", False, "0")},
                                 {}, {}, NOW)
    row = dict(zip(report.CADRE_HEADERS, report.cadre_row(summary)))
    assert (row["最高成绩"], row["平均得分率（%）"], row["是否合格"]) == (None, None, "不合格")
    assert row["各场次情况"] == "场次1：0/0分（不合格）"
