"""Item analysis on whole arrays (issue 7) gives the figures of the textbook formulas written out
one candidate at a time: a seeded random sitting with tied totals, blank answers, partial credit,
unequal marks, an item everyone got right and one everyone got wrong; the same candidates drawing
different questions; and a sitting of one attempt. The sheet HR downloads must not change by a
digit."""

from __future__ import annotations

import math
import random

import pytest

from question_bank.analysis import item_analysis as ia
from question_bank.analysis.item_analysis import Cell, Item, ScoreMatrix
from question_bank.reports import item_report

OPTIONS = ("A", "B", "C", "D")


def sitting(seed: int, candidates: int, draw: tuple[int, int] | None = None) -> ScoreMatrix:
    """Eight items: Q0–Q3 single choice (one mark), Q4 multiple choice keyed A+C (two marks, half
    marks for one right letter), Q5 everyone right, Q6 everyone wrong, Q7 a short answer marked
    0, ½ or full (five marks, no options). About one answer in six is left blank. Each candidate
    is given all eight, or between ``draw[0]`` and ``draw[1]`` of them (papers of different
    lengths, as when sittings are pooled); some rows list their items in another order."""
    rng = random.Random(seed)
    keys = ["B", "A", "D", "C", "AC", "A", "B", ""]
    items = tuple(Item(j, f"Q{j}", () if j == 7 else OPTIONS, frozenset(keys[j])) for j in range(8))
    rows = []
    for _ in range(candidates):
        ability = rng.random()
        row = {}
        for j in sorted(rng.sample(range(8), rng.randint(*draw))) if draw else range(8):
            if j == 7:
                row[j] = Cell(rng.choice((0.0, 0.5, 1.0)), 5.0)
                continue
            if j == 5:
                chosen = "A"
            elif j == 6:
                chosen = rng.choice(("", "A", "C"))
            elif rng.random() < 1 / 6:
                chosen = ""
            elif rng.random() < ability:
                chosen = keys[j]
            else:
                chosen = "".join(rng.sample(OPTIONS, 2 if j == 4 else 1))
            key = frozenset(keys[j])
            if j == 4:
                score = 1.0 if frozenset(chosen) == key else 0.5 if len(frozenset(chosen) & key) == 1 else 0.0
            else:
                score = 1.0 if chosen and frozenset(chosen) == key else 0.0
            row[j] = Cell(score, 2.0 if j == 4 else 1.0, frozenset(chosen))
        if rng.random() < 0.3:
            row = dict(reversed(row.items()))
        rows.append(row)
    return ScoreMatrix(items, tuple(rows))


def reference_paper(matrix: ScoreMatrix) -> dict:
    """Mean and SD of the total shares, KR-20 as α in points, one candidate at a time."""
    rows = matrix.rows
    totals = [sum(c.score * c.mark for c in row.values()) / sum(c.mark for c in row.values()) for row in rows]
    mean = sum(totals) / len(totals)
    found = {"mean": mean, "sd": math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals)), "kr20": None}
    keys = [item.key for item in matrix.items]
    if all(set(row) == set(keys) for row in rows):
        points = [[row[k].score * row[k].mark for k in keys] for row in rows]

        def variance(values):
            m = sum(values) / len(values)
            return sum((v - m) ** 2 for v in values) / len(values)

        total_variance = variance([sum(p) for p in points])
        if total_variance > 1e-12:
            item_variance = sum(variance([p[j] for p in points]) for j in range(len(keys)))
            found["kr20"] = len(keys) / (len(keys) - 1) * (1 - item_variance / total_variance)
    return found


def reference_item(matrix: ScoreMatrix, item: Item) -> dict:
    """One item's statistics by the formulas of the module docstring, one candidate at a time."""
    given = [row for row in matrix.rows if item.key in row]
    n = len(given)
    scores = [row[item.key].score for row in given]
    worth = [sum(c.mark for c in row.values()) for row in given]
    earned = [sum(c.score * c.mark for c in row.values()) for row in given]
    totals = [e / w for e, w in zip(earned, worth)]
    facility = sum(scores) / n
    # Kelley's groups: 27 % of n rounded, at least one; equal totals keep the matrix order.
    ranked = sorted(range(n), key=lambda i: -totals[i])
    size = max(1, round(0.27 * n))
    upper, lower = ranked[:size], ranked[n - size:]
    found = {
        "n": n, "facility": facility,
        "sd": math.sqrt(sum((s - facility) ** 2 for s in scores) / n),
        "discrimination": (sum(scores[i] for i in upper) / size - sum(scores[i] for i in lower) / size
                           if n >= 2 else None),
        "point_biserial": None,
        "options": tuple((letter, sum(letter in given[i][item.key].chosen for i in group))
                         for letter in item.options for group in (range(n), upper, lower)),
        "unanswered": sum(not row[item.key].chosen for row in given) if item.options else 0,
    }
    if n >= 3:  # Pearson's r of the item score with the rest score (Henrysson's correction)
        mark = [row[item.key].mark for row in given]
        rest = [(e - s * m) / (w - m) if w - m > 1e-12 else 0.0
                for e, s, m, w in zip(earned, scores, mark, worth)]
        mr = sum(rest) / n
        sxy = sum((s - facility) * (r - mr) for s, r in zip(scores, rest))
        sxx, syy = sum((s - facility) ** 2 for s in scores), sum((r - mr) ** 2 for r in rest)
        if sxx > 1e-12 and syy > 1e-12:
            found["point_biserial"] = sxy / math.sqrt(sxx * syy)
    return found


def close(value):
    return None if value is None else pytest.approx(value, rel=1e-12, abs=1e-12)


def assert_matches_reference(matrix: ScoreMatrix) -> None:
    result = ia.analyse(matrix)
    held = [item for item in matrix.items if any(item.key in row for row in matrix.rows)]
    assert [s.item for s in result.items] == held
    for stats in result.items:
        ref = reference_item(matrix, stats.item)
        assert stats.n == ref["n"], stats.item.label
        for name in ("facility", "sd", "discrimination", "point_biserial"):
            assert getattr(stats, name) == close(ref[name]), (stats.item.label, name)
        counts = tuple((o.letter, count) for o in stats.options for count in (o.chosen, o.upper, o.lower))
        assert counts == ref["options"], stats.item.label
        assert stats.unanswered == ref["unanswered"], stats.item.label
    paper = reference_paper(matrix)
    assert result.paper.candidates == len(matrix.rows)
    assert (result.paper.mean, result.paper.sd, result.paper.kr20) == (
        close(paper["mean"]), close(paper["sd"]), close(paper["kr20"]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_sitting_with_ties_blanks_and_all_right_and_all_wrong_items_matches_the_textbook_formulas(seed):
    matrix = sitting(seed, 61)
    assert_matches_reference(matrix)
    stats = {s.item.label: s for s in ia.analyse(matrix).items}
    # The data set holds what it claims: ties in the totals, blanks, the two constant items.
    assert len({sum(c.score * c.mark for c in row.values()) for row in matrix.rows}) < len(matrix.rows)
    assert stats["Q0"].unanswered > 0 and stats["Q6"].unanswered > 0
    assert stats["Q5"].facility == 1.0 and stats["Q5"].point_biserial is None and stats["Q5"].sd == 0.0
    assert stats["Q6"].facility == 0.0 and stats["Q6"].discrimination == 0.0
    assert ia.analyse(matrix).paper.kr20 is not None


def test_candidates_who_drew_different_questions_match_the_textbook_formulas_per_item():
    matrix = sitting(4, 90, draw=(3, 7))
    assert_matches_reference(matrix)
    assert ia.analyse(matrix).paper.kr20_reason == ia.KR20_FORMS_DIFFER


def test_a_sitting_of_one_attempt_has_a_facility_and_no_discrimination():
    matrix = sitting(5, 1)
    assert_matches_reference(matrix)
    result = ia.analyse(matrix)
    assert all(s.n == 1 and s.discrimination is None and s.point_biserial is None for s in result.items)
    assert result.paper.sd == 0.0 and result.paper.kr20_reason == ia.KR20_NO_VARIANCE


def test_the_item_analysis_sheet_is_the_same_to_the_last_digit_as_the_formulas_give():
    matrix = sitting(6, 75)
    sheet = item_report.rows(ia.analyse(matrix))
    for row, item in zip(sheet, matrix.items):
        ref = reference_item(matrix, item)
        assert row[4] == round(ref["facility"], 2) and row[6] == round(ref["sd"], 2)
        assert row[7] == round(ref["discrimination"], 2)
        assert row[8] == (None if ref["point_biserial"] is None else round(ref["point_biserial"], 2))
        interval = ia.wilson_interval(ref["facility"], ref["n"])
        assert row[5] == f"{interval.low:.2f}–{interval.high:.2f}"
