"""Item analysis against a worked example computed independently with numpy (issue 6): facility,
SD, Kelley's 27 % D, corrected point-biserial, option counts, KR-20, Wilson intervals, and the
flags, which appear only with 30 or more candidates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from question_bank.analysis import item_analysis as ia
from question_bank.analysis.item_analysis import Cell, Flag, Item, ScoreMatrix

LETTERS = "ABCD"


def make_matrix(choices: list[list[str]], keys: str) -> tuple[ScoreMatrix, np.ndarray]:
    """Single-choice items, one mark each: ``choices[row][item]`` is the letter chosen ("" none)."""
    items = tuple(Item(j, f"Q{j + 1}", tuple(LETTERS), frozenset(keys[j])) for j in range(len(keys)))
    rows = tuple({j: Cell(1.0 if c == keys[j] else 0.0, 1.0, frozenset(c) if c else frozenset())
                  for j, c in enumerate(row)} for row in choices)
    scores = np.array([[1.0 if c == keys[j] else 0.0 for j, c in enumerate(row)] for row in choices])
    return ScoreMatrix(items, rows), scores


def numpy_reference(x: np.ndarray, j: int) -> dict[str, float]:
    """The textbook formulas, written out in numpy, for item ``j`` of score matrix ``x``."""
    n, k = x.shape
    total = x.sum(axis=1)
    rest = total - x[:, j]
    order = np.argsort(-total, kind="stable")
    g = max(1, int(round(0.27 * n)))
    upper, lower = order[:g], order[n - g:]
    return {
        "facility": x[:, j].mean(),
        "sd": x[:, j].std(ddof=0),
        "d": x[upper, j].mean() - x[lower, j].mean(),
        "r": np.corrcoef(x[:, j], rest)[0, 1],
    }


def numpy_kr20(x: np.ndarray) -> float:
    k = x.shape[1]
    p = x.mean(axis=0)
    return k / (k - 1) * (1 - (p * (1 - p)).sum() / x.sum(axis=1).var(ddof=0))


# Twelve candidates, five single-choice items keyed A, B, C, D, A.
SMALL = [
    "ABCDA", "ABCDB", "ABCAA", "ABDDA", "ACCDA", "BBCDC",
    "ABBAA", "CBCAB", "ADCBD", "BBACA", "CACBB", "DDABC",
]


def test_statistics_match_the_numpy_worked_example():
    matrix, x = make_matrix([list(r) for r in SMALL], "ABCDA")
    result = ia.analyse(matrix)
    for j, stats in enumerate(result.items):
        ref = numpy_reference(x, j)
        assert stats.n == 12
        assert stats.facility == pytest.approx(ref["facility"])
        assert stats.sd == pytest.approx(ref["sd"])
        assert stats.discrimination == pytest.approx(ref["d"])
        assert stats.point_biserial == pytest.approx(ref["r"])
    assert result.paper.kr20 == pytest.approx(numpy_kr20(x))
    assert result.paper.mean == pytest.approx(x.sum(axis=1).mean() / 5)
    assert result.paper.dichotomous


def test_option_counts_count_every_choice_and_the_groups():
    matrix, _ = make_matrix([list(r) for r in SMALL], "ABCDA")
    first = ia.analyse(matrix).items[0]
    assert {o.letter: o.chosen for o in first.options} == {"A": 7, "B": 2, "C": 2, "D": 1}
    assert [o.is_key for o in first.options] == [True, False, False, False]
    # 27 % of 12 is 3 per group; the three best totals all chose A.
    assert next(o for o in first.options if o.letter == "A").upper == 3


def test_partial_credit_and_unequal_marks_use_points_as_coefficient_alpha():
    rng = np.random.default_rng(7)
    shares = rng.choice([0.0, 0.5, 1.0], size=(40, 4))
    marks = np.array([2.0, 2.0, 5.0, 10.0])
    items = tuple(Item(j) for j in range(4))
    rows = tuple({j: Cell(float(shares[i, j]), float(marks[j])) for j in range(4)} for i in range(40))
    result = ia.analyse(ScoreMatrix(items, rows))
    points = shares * marks
    total = points.sum(axis=1)
    alpha = 4 / 3 * (1 - points.var(axis=0, ddof=0).sum() / total.var(ddof=0))
    assert result.paper.kr20 == pytest.approx(alpha)
    assert not result.paper.dichotomous
    for j, stats in enumerate(result.items):
        rest = (total - points[:, j]) / (marks.sum() - marks[j])
        assert stats.point_biserial == pytest.approx(np.corrcoef(shares[:, j], rest)[0, 1])
        assert stats.facility == pytest.approx(shares[:, j].mean())


def test_fewer_than_30_candidates_give_intervals_not_verdicts():
    # Q1 is answered right by all 12 and D is never chosen: with 30 it would be flagged.
    matrix, _ = make_matrix([list("A" + r[1:]) for r in SMALL], "ABCDA")
    stats = ia.analyse(matrix).items[0]
    assert stats.small_sample and stats.flags == ()
    assert stats.facility == 1.0
    # Wilson (1927) for 12 of 12 at 95 %: [0.7575, 1].
    assert stats.facility_interval.low == pytest.approx(0.7575, abs=1e-4)
    assert stats.facility_interval.high == pytest.approx(1.0)
    assert ia.analyse(matrix).paper.small_sample


def test_wilson_interval_matches_the_formula():
    z = 1.959963984540054
    p, n = 0.3, 50
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    found = ia.wilson_interval(p, n)
    assert (found.low, found.high) == pytest.approx((centre - half, centre + half))


def flagged_matrix() -> ScoreMatrix:
    """40 candidates. Q1 everyone right; Q2 almost nobody; Q3 the weak right and the strong wrong
    (choosing distractor C); Q4 sorts the candidates as the other items do."""
    rows = []
    for i in range(40):
        strong = i < 20
        rows.append(["A", "B" if i == 0 else "A", "C" if strong else "A", "D" if strong else "B", "A" if strong else "B"])
    return make_matrix(rows, "ABADA")[0]


def test_flags_with_enough_candidates():
    stats = {s.item.label: s for s in ia.analyse(flagged_matrix()).items}
    assert not stats["Q1"].small_sample
    assert Flag.TOO_EASY in stats["Q1"].flags and Flag.UNUSED_DISTRACTOR in stats["Q1"].flags
    assert Flag.TOO_HARD in stats["Q2"].flags
    assert Flag.NEGATIVE_DISCRIMINATION in stats["Q3"].flags
    assert Flag.DISTRACTOR_PREFERRED_BY_TOP in stats["Q3"].flags
    assert ia.top_preferred_distractors(stats["Q3"]) == ["C"]
    assert Flag.NEGATIVE_DISCRIMINATION not in stats["Q4"].flags
    assert stats["Q4"].discrimination == pytest.approx(1.0)
    assert ia.unused_distractors(stats["Q4"]) == ["A", "C"]


def test_candidates_with_different_draws_are_analysed_per_item_without_kr20():
    items = (Item("x"), Item("y"), Item("z"))
    rows = ({"x": Cell(1.0), "y": Cell(0.0)}, {"x": Cell(0.0), "z": Cell(1.0)}, {"y": Cell(1.0), "z": Cell(1.0)})
    result = ia.analyse(ScoreMatrix(items, rows))
    assert result.paper.kr20 is None and result.paper.kr20_reason == ia.KR20_FORMS_DIFFER
    assert [s.n for s in result.items] == [2, 2, 2]


def test_a_score_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="share of the mark"):
        Cell(1.5)
