"""Classical item analysis of a score matrix (issue 6, "Reports"): pure functions, no database.

A :class:`ScoreMatrix` holds one row per candidate (one attempt each) and, for every item the
candidate was given, the score as a share of the item's mark (partial credit: points ÷ mark, so
0.5 for half marks), the mark, and the options chosen. Candidates may have drawn different
questions (each gets their own draw), so an item's statistics are computed over the candidates
who were given it; the same function serves a single sitting and the pool of every sitting that
used a question version.

Statistics and their sources:

- facility p: the mean item score (share of the mark), the "item difficulty index";
- standard deviation of the item score, population form (÷ n) as in the KR-20 term p·q;
- upper–lower discrimination D = mean item score of the top 27 % of candidates by total minus
  that of the bottom 27 % (Kelley, T. L. 1939, "The selection of upper and lower groups for the
  validation of test items", J. Educ. Psychol. 30:17–24); for a 0/1 item this is p_U − p_L;
- corrected point-biserial r: Pearson's r of the item score with the rest score (the total
  without this item), so that the item does not correlate with itself (Henrysson, S. 1963,
  "Correction of item-total correlations in item analysis", Psychometrika 28:211–218);
- KR-20 (Kuder, G. F. & Richardson, M. W. 1937, "The theory of the estimation of test
  reliability", Psychometrika 2:151–160): k/(k−1)·(1 − Σ p·q / σ²_X), computed in points as
  coefficient α (Cronbach 1951, Psychometrika 16:297–334), which is KR-20 exactly when every item
  scores 0 or full marks; only for a fixed form (every candidate given the same items);
- Wilson score interval for the facility (Wilson, E. B. 1927, "Probable inference, the law of
  succession, and statistical inference", JASA 22:209–212) and Fisher's z interval for r
  (Fisher, R. A. 1921, Metron 1:3–32), both 95 %.

With fewer than :data:`MIN_CANDIDATES_FOR_VERDICTS` candidates an item gets intervals but no
flags: a verdict on so few answers would mostly be noise.

The formulas run on whole numpy columns (``score_arrays``: each cell read once; issue 7), adding in
Python's own order, so the figures are those of :func:`mean`, :func:`population_sd` and
:func:`pearson` to the last bit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from enum import StrEnum

import numpy as np

from question_bank.analysis.score_arrays import ScoreArrays, population_sd_of, row_sums, seq_sum, squares

#: Share of candidates in each of the upper and lower groups (Kelley 1939).
GROUP_SHARE = 0.27
#: Fewer candidates than this: intervals instead of verdicts (a common rule of thumb for
#: classical item statistics; the issue names 30).
MIN_CANDIDATES_FOR_VERDICTS = 30
#: Facility above this: too easy; below ``TOO_HARD``: too hard (conventional bounds, e.g.
#: Ebel & Frisbie 1991, Essentials of Educational Measurement, ch. 13).
TOO_EASY = 0.90
TOO_HARD = 0.20
#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054


class Flag(StrEnum):
    """A verdict on an item (only with enough candidates)."""

    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    UNUSED_DISTRACTOR = "unused_distractor"
    DISTRACTOR_PREFERRED_BY_TOP = "distractor_preferred_by_top"


@dataclass(frozen=True)
class Item:
    """An item (question version) of the matrix: ``key`` identifies it, ``label`` names it for
    people, ``options`` are its option letters ("A".."H"; empty for a question without options)
    and ``answer_key`` the letters that are correct."""

    key: Hashable
    label: str = ""
    options: tuple[str, ...] = ()
    answer_key: frozenset[str] = frozenset()

    @property
    def distractors(self) -> tuple[str, ...]:
        return tuple(o for o in self.options if o not in self.answer_key)


@dataclass(frozen=True)
class Cell:
    """One candidate's result on one item: ``score`` is the share of the mark earned (0–1),
    ``mark`` the item's points on that paper, ``chosen`` the option letters the current response
    picked (empty: none, or not a choice question)."""

    score: float
    mark: float = 1.0
    chosen: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 1:
            raise ValueError(f"an item score is a share of the mark from 0 to 1, not {self.score}")
        if self.mark <= 0:
            raise ValueError(f"an item's mark is positive, not {self.mark}")


@dataclass(frozen=True)
class ScoreMatrix:
    """Items and one row per candidate: item key → :class:`Cell` for the items they were given.
    A row may carry a ``group`` (e.g. the sitting) that the analysis ignores."""

    items: tuple[Item, ...]
    rows: tuple[Mapping[Hashable, Cell], ...]

    @cached_property
    def sums(self) -> tuple[tuple[float, float], ...]:
        """Per row: (points earned, points its items were worth), computed once for every item."""
        return tuple((sum(c.score * c.mark for c in row.values()), sum(c.mark for c in row.values()))
                     for row in self.rows)

    @cached_property
    def holders(self) -> dict[Hashable, list[int]]:
        """Item key → positions of the rows that hold it, in row order (one pass over the cells)."""
        found: dict[Hashable, list[int]] = {}
        for index, row in enumerate(self.rows):
            for key in row:
                found.setdefault(key, []).append(index)
        return found

    def total_share(self, index: int) -> float:
        """Row ``index``'s total as a share of what its items were worth (0–1)."""
        earned, worth = self.sums[index]
        return earned / worth if worth else 0.0

    def rest_share(self, index: int, key: Hashable) -> float:
        """Row ``index``'s total without item ``key``, as a share of what its other items were worth."""
        earned, worth = self.sums[index]
        cell = self.rows[index][key]
        rest_worth = worth - cell.mark
        return (earned - cell.score * cell.mark) / rest_worth if rest_worth > 1e-12 else 0.0

    @cached_property
    def arrays(self) -> ScoreArrays:
        """The cells read once into arrays (what :func:`item_stats` and :func:`paper_stats` use)."""
        return ScoreArrays(self.rows, _ranked)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class OptionCount:
    """How many candidates chose ``letter``, overall and in the upper and lower groups."""

    letter: str
    is_key: bool
    chosen: int
    upper: int
    lower: int


@dataclass(frozen=True)
class ItemStats:
    """One item's statistics over the ``n`` candidates given it. ``discrimination`` is Kelley's
    upper–lower D, ``point_biserial`` the corrected r (None when the item or the rest score does
    not vary, or there are fewer than 3 candidates). ``flags`` are empty when ``small_sample``."""

    item: Item
    n: int
    facility: float
    sd: float
    discrimination: float | None
    point_biserial: float | None
    options: tuple[OptionCount, ...]
    unanswered: int
    facility_interval: Interval | None
    point_biserial_interval: Interval | None
    small_sample: bool
    flags: tuple[Flag, ...] = field(default=())


@dataclass(frozen=True)
class PaperStats:
    """The paper's figures: candidates, mean and SD of the total share, and the reliability
    (``kr20``; None with ``kr20_reason`` when it cannot be computed)."""

    candidates: int
    mean: float | None
    sd: float | None
    kr20: float | None
    kr20_reason: str
    dichotomous: bool
    small_sample: bool


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def population_sd(values: Sequence[float]) -> float:
    """Standard deviation with divisor n (as in KR-20's p·q); 0 for one value."""
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when either side does not vary."""
    mx, my = mean(xs), mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def _letter_counts(choices: np.ndarray, sets: Sequence[frozenset[str]]) -> Counter:
    """Option letter → how many of ``choices`` (numbers of sets of letters in ``sets``) hold it;
    the empty set counts as the letter ``""``."""
    found: Counter = Counter()
    counts = np.bincount(choices, minlength=len(sets))
    for number in np.flatnonzero(counts).tolist():
        for letter in sets[number] or ("",):
            found[letter] += int(counts[number])
    return found


def wilson_interval(share: float, n: int, z: float = Z95) -> Interval:
    """Wilson's (1927) score interval for a proportion ``share`` of ``n`` trials; for a partial-
    credit item the facility is taken as the proportion of marks earned."""
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one candidate")
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def fisher_interval(r: float, n: int, z: float = Z95) -> Interval | None:
    """Fisher's z interval for a correlation ``r`` over ``n`` pairs (None when n ≤ 3)."""
    if n <= 3:
        return None
    clipped = max(-0.999999, min(0.999999, r))
    centre, half = math.atanh(clipped), z / math.sqrt(n - 3)
    return Interval(math.tanh(centre - half), math.tanh(centre + half))


def group_size(n: int) -> int:
    """Candidates in each of the upper and lower groups: 27 % of n rounded, at least 1 (Kelley)."""
    return max(1, round(GROUP_SHARE * n)) if n else 0


def _ranked(totals: Sequence[float]) -> list[int]:
    """Row positions by total, highest first; ties keep matrix order (a stable sort), so the
    groups are reproducible."""
    return sorted(range(len(totals)), key=lambda i: -totals[i])


def item_stats(matrix: ScoreMatrix, item: Item) -> ItemStats | None:
    """Statistics of ``item`` over the rows that hold it (None when no row does)."""
    arrays = matrix.arrays
    column = arrays.columns.get(item.key)
    if column is None:
        return None
    n = len(column.given)
    scores, given = column.scores, column.given
    facility = seq_sum(scores) / n  # mean(scores)
    deviations = scores - facility
    sxx = seq_sum(squares(deviations))
    sd = math.sqrt(sxx / n)  # population_sd(scores)
    # The holders in the matrix's ranking order: _ranked of their totals, ties in row order.
    order = np.argsort(arrays.rank[given])
    size = group_size(n)
    upper, lower = order[:size], order[n - size:]
    discrimination = seq_sum(scores[upper]) / size - seq_sum(scores[lower]) / size if n >= 2 else None
    r = None
    if n >= 3:  # pearson(scores, rest shares)
        rest_worth = arrays.worth[given] - column.marks
        rest = np.divide(arrays.earned[given] - scores * column.marks, rest_worth, out=np.zeros(n),
                         where=rest_worth > 1e-12)
        rest_deviations = rest - seq_sum(rest) / n
        sxy, syy = seq_sum(deviations * rest_deviations), seq_sum(squares(rest_deviations))
        r = None if sxx <= 1e-12 or syy <= 1e-12 else sxy / math.sqrt(sxx * syy)
    options: tuple[OptionCount, ...] = ()
    unanswered = 0
    if item.options:
        sets = arrays.choices
        everyone = _letter_counts(column.choices, sets)
        chosen_upper = _letter_counts(column.choices[upper], sets)
        chosen_lower = _letter_counts(column.choices[lower], sets)
        unanswered = everyone[""]
        options = tuple(OptionCount(letter, letter in item.answer_key, everyone[letter], chosen_upper[letter],
                                    chosen_lower[letter]) for letter in item.options)
    small = n < MIN_CANDIDATES_FOR_VERDICTS
    stats = ItemStats(
        item=item, n=n, facility=facility, sd=sd, discrimination=discrimination, point_biserial=r,
        options=options, unanswered=unanswered,
        facility_interval=wilson_interval(facility, n),
        point_biserial_interval=fisher_interval(r, n) if r is not None else None,
        small_sample=small)
    return stats if small else _with_flags(stats)


def _with_flags(stats: ItemStats) -> ItemStats:
    """The verdicts: too easy / too hard by facility; negative discrimination when D or r is
    below 0; a distractor nobody chose; a distractor chosen by more of the upper group than of the
    lower group (it attracts the able, so the key or the wording is suspect)."""
    flags: list[Flag] = []
    if stats.facility > TOO_EASY:
        flags.append(Flag.TOO_EASY)
    if stats.facility < TOO_HARD:
        flags.append(Flag.TOO_HARD)
    if any(v is not None and v < 0 for v in (stats.discrimination, stats.point_biserial)):
        flags.append(Flag.NEGATIVE_DISCRIMINATION)
    distractors = [o for o in stats.options if not o.is_key]
    if any(o.chosen == 0 for o in distractors):
        flags.append(Flag.UNUSED_DISTRACTOR)
    if any(o.upper > o.lower for o in distractors):
        flags.append(Flag.DISTRACTOR_PREFERRED_BY_TOP)
    return ItemStats(**{**stats.__dict__, "flags": tuple(flags)})


def unused_distractors(stats: ItemStats) -> list[str]:
    return [o.letter for o in stats.options if not o.is_key and o.chosen == 0]


def top_preferred_distractors(stats: ItemStats) -> list[str]:
    return [o.letter for o in stats.options if not o.is_key and o.upper > o.lower]


#: Why KR-20 is missing, as codes the page translates.
KR20_TOO_FEW_ITEMS = "too_few_items"
KR20_FORMS_DIFFER = "forms_differ"
KR20_NO_VARIANCE = "no_variance"
KR20_NO_CANDIDATES = "no_candidates"


def paper_stats(matrix: ScoreMatrix) -> PaperStats:
    """Candidates, mean and SD of the total share, and KR-20 (α in points with partial credit or
    unequal marks) when every row holds every item with the same marks."""
    n = len(matrix.rows)
    small = n < MIN_CANDIDATES_FOR_VERDICTS
    dichotomous = matrix.arrays.dichotomous
    if not n:
        return PaperStats(0, None, None, None, KR20_NO_CANDIDATES, dichotomous, True)
    totals = matrix.arrays.totals
    kr20, reason = kr20_of(matrix)
    return PaperStats(n, seq_sum(totals) / n, population_sd_of(totals), kr20, reason, dichotomous, small)


def kr20_of(matrix: ScoreMatrix) -> tuple[float | None, str]:
    """(KR-20, "") or (None, reason code)."""
    keys = [item.key for item in matrix.items]
    if len(keys) < 2:
        return None, KR20_TOO_FEW_ITEMS
    if not matrix.rows:
        return None, KR20_NO_CANDIDATES
    wanted = set(keys)
    if any(row.keys() != wanted for row in matrix.rows):
        return None, KR20_FORMS_DIFFER
    # Row × item points; every item is held by every row, in row order.
    columns = [matrix.arrays.columns[key] for key in keys]
    points = np.column_stack([column.scores * column.marks for column in columns])
    totals = row_sums(points.ravel(), np.full(len(matrix.rows), len(keys)))  # in item order
    total_variance = population_sd_of(totals) ** 2
    if total_variance <= 1e-12:
        return None, KR20_NO_VARIANCE
    item_variance = sum(population_sd_of(points[:, j]) ** 2 for j in range(len(keys)))
    k = len(keys)
    return k / (k - 1) * (1 - item_variance / total_variance), ""


@dataclass(frozen=True)
class Analysis:
    """The paper's figures and each item's statistics (in matrix order; items nobody was given
    are left out)."""

    paper: PaperStats
    items: tuple[ItemStats, ...]


def analyse(matrix: ScoreMatrix) -> Analysis:
    """Item analysis of ``matrix``: :func:`paper_stats` and :func:`item_stats` of every item."""
    found = (item_stats(matrix, item) for item in matrix.items)
    return Analysis(paper_stats(matrix), tuple(s for s in found if s is not None))
