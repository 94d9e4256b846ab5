"""A score matrix read once into numpy arrays, for ``item_analysis`` (issue 7: 10,000 attempts ×
100 items in well under 3 s, where reading the cells item by item cost more than the statistics).

The cells are read row by row, in each row's own order (reading them item by item jumps between
10,000 dictionaries for every item); each item's column is then gathered by array indexing.

Every sum here is the left-to-right sum that Python 3.11's ``sum`` makes (:func:`seq_sum`, not
numpy's pairwise ``sum``) and every square is ``x ** 2`` as Python computes it (:func:`squares`), so
the figures are those of ``item_analysis``'s plain formulas to the last bit (checked against the
pure-Python code it replaced; Python 3.12's compensated ``sum`` could differ from it in the last
bit, far below the two decimals a page or sheet shows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

_SCORE, _MARK, _CHOSEN = attrgetter("score"), attrgetter("mark"), attrgetter("chosen")


def seq_sum(values: np.ndarray) -> float:
    """``sum(values)`` as Python adds it: left to right from 0 (``+ 0.0`` turns a −0 into 0 as
    Python's start value does); numpy's own ``sum`` adds pairwise and may differ in the last bit."""
    return float(np.cumsum(values)[-1]) + 0.0 if len(values) else 0.0


def squares(values: np.ndarray) -> np.ndarray:
    """``v ** 2`` of every value as Python computes it, by ``pow`` (numpy's ``** 2`` is ``v * v``,
    which differs from ``pow`` in the last bit for about one value in a thousand)."""
    return np.power(values, np.full_like(values, 2.0))


def population_sd_of(values: np.ndarray) -> float:
    """``item_analysis.population_sd`` of a non-empty array."""
    m = seq_sum(values) / len(values)
    return math.sqrt(seq_sum(squares(values - m)) / len(values))


def row_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Left-to-right sum of each row's run of ``values`` (the rows' cells one after the other,
    ``lengths`` cells per row), as :func:`seq_sum` of each run."""
    width = int(lengths.max()) if len(lengths) else 0
    if not width:
        return np.zeros(len(lengths))
    if (lengths == width).all():
        table = values.reshape(len(lengths), width)
    else:  # zeros after a row's last cell leave its sum as it is
        table = np.zeros((len(lengths), width))
        table[np.arange(width) < lengths[:, None]] = values
    return np.cumsum(table, axis=1)[:, -1] + 0.0


@dataclass(frozen=True)
class Column:
    """One item's cells over the rows that hold it, in row order: ``given`` the rows' positions,
    ``scores`` and ``marks``, ``choices`` the number of each cell's set of options chosen (an index
    into :attr:`ScoreArrays.choices`)."""

    given: np.ndarray
    scores: np.ndarray
    marks: np.ndarray
    choices: np.ndarray


class ScoreArrays:
    """The cells of ``rows`` as arrays: per row its points earned and worth (``earned``, ``worth``,
    summed in the row's order as ``ScoreMatrix.sums``), its total share (``totals``, as
    ``ScoreMatrix.total_share``) and its place when the totals are ordered by ``ranked``
    (``item_analysis._ranked``) in ``rank``; per item key that a row holds, a :class:`Column`;
    ``choices`` the distinct sets of options chosen; ``dichotomous``: every score is 0 or 1."""

    def __init__(self, rows: Sequence[Mapping[Hashable, Any]],
                 ranked: Callable[[Sequence[float]], list[int]]) -> None:
        cell_keys: list[Hashable] = []
        scores: list[float] = []
        marks: list[float] = []
        chosen: list[Any] = []
        for row in rows:
            cells = row.values()
            cell_keys.extend(row)
            scores.extend(map(_SCORE, cells))
            marks.extend(map(_MARK, cells))
            chosen.extend(map(_CHOSEN, cells))
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        score, mark = np.array(scores, dtype=float), np.array(marks, dtype=float)
        self.dichotomous = bool(((score == 0.0) | (score == 1.0)).all())
        self.earned, self.worth = row_sums(score * mark, lengths), row_sums(mark, lengths)
        self.totals = np.divide(self.earned, self.worth, out=np.zeros(len(rows)), where=self.worth != 0)
        self.rank = np.empty(len(rows), dtype=np.intp)
        self.rank[ranked(self.totals.tolist())] = np.arange(len(rows))
        numbering = {letters: number for number, letters in enumerate(dict.fromkeys(chosen))}
        self.choices: list[Any] = list(numbering)
        choice = np.fromiter(map(numbering.__getitem__, chosen), dtype=np.intp, count=len(chosen))
        positions = {key: position for position, key in enumerate(dict.fromkeys(cell_keys))}
        item = np.fromiter(map(positions.__getitem__, cell_keys), dtype=np.intp, count=len(cell_keys))
        row_of = np.repeat(np.arange(len(rows)), lengths)
        by_item = np.argsort(item, kind="stable")  # each item's cells together, in row order
        bounds = np.searchsorted(item[by_item], np.arange(len(positions) + 1))
        self.columns: dict[Hashable, Column] = {}
        for key, position in positions.items():
            cells = by_item[bounds[position]:bounds[position + 1]]
            self.columns[key] = Column(row_of[cells], score[cells], mark[cells], choice[cells])
