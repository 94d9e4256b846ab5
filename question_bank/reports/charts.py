"""Chart geometry for the report pages (issue 6, "Charts"): pure functions from loaded figures to
shapes in a fixed SVG coordinate space; ``templates/charts/*.svg`` draws them as inline SVG (no
JavaScript), scaled to the page width by the viewBox so they read on a 375 px phone.

Coordinates are SVG user units in a :data:`WIDTH` × :data:`HEIGHT` box with the plot area inside
:data:`MARGIN`; y grows downwards as in SVG.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 360
HEIGHT = 220
#: Plot area margins: left, top, right, bottom (room for axis labels).
MARGIN = (40, 12, 12, 36)
#: Bins of the score distribution: tenths of the paper's total.
BINS = 10


def _plot_box() -> tuple[float, float, float, float]:
    left, top, right, bottom = MARGIN
    return left, top, WIDTH - right, HEIGHT - bottom


@dataclass(frozen=True)
class Bar:
    """A bar at (x, y) of ``width`` × ``height``, with its ``label`` (the range or the name) and
    ``value`` (the count or rate) for the text beside it and the accessible title."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    count: int = 0


@dataclass(frozen=True)
class Histogram:
    bars: tuple[Bar, ...]
    #: x of the pass mark line (None when there is no total to place it on).
    pass_x: float | None
    #: Highest bin count (the y axis' top).
    top: int
    baseline: float
    left: float
    right: float


def score_distribution(scores: Iterable[tuple[Decimal, Decimal]], pass_mark: Decimal, max_score: Decimal) -> Histogram:
    """Candidates per tenth of the total: ``scores`` are (score, max score) pairs in points; a
    full score falls in the last bin. The pass mark line sits at ``pass_mark`` ÷ ``max_score``."""
    counts = [0] * BINS
    for score, out_of in scores:
        share = float(score / out_of) if out_of else 0.0
        counts[min(BINS - 1, max(0, int(share * BINS)))] += 1
    left, top, right, bottom = _plot_box()
    peak = max(counts) or 1
    step = (right - left) / BINS
    bars = []
    for i, count in enumerate(counts):
        height = (bottom - top) * count / peak
        bars.append(Bar(left + i * step + 1, bottom - height, step - 2, height,
                        f"{i * 100 // BINS}–{(i + 1) * 100 // BINS}%", str(count), count))
    pass_x = left + (right - left) * float(pass_mark / max_score) if max_score else None
    return Histogram(tuple(bars), pass_x, max(counts), bottom, left, right)


@dataclass(frozen=True)
class UnitRate:
    unit: str
    candidates: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.candidates if self.candidates else 0.0


#: Height of one unit's row in the pass-rate chart.
ROW_HEIGHT = 26
#: Where the bars start (unit names are written above each bar, so narrow phones fit them).
BAR_LEFT = 8


def pass_rates(outcomes: Iterable[tuple[str, bool]]) -> list[UnitRate]:
    """Candidates and passes per unit from (unit name, passed) pairs, units by name."""
    counted: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit, passed in outcomes:
        counted[unit][0] += 1
        counted[unit][1] += passed
    return [UnitRate(unit, n, p) for unit, (n, p) in sorted(counted.items())]


def pass_rate_bars(rates: Sequence[UnitRate]) -> tuple[tuple[Bar, ...], int]:
    """One horizontal bar per unit, full width = 100 %; returns the bars and the chart's height."""
    span = WIDTH - BAR_LEFT - 60
    bars = tuple(Bar(BAR_LEFT, i * ROW_HEIGHT + 14, span * r.rate, 8, r.unit,
                     f"{round(r.rate * 100)}% ({r.passed}/{r.candidates})", r.candidates)
                 for i, r in enumerate(rates))
    return bars, max(1, len(rates)) * ROW_HEIGHT + 4


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    title: str
    flagged: bool


def scatter(points: Iterable[tuple[str, float, float | None, bool]]) -> tuple[Point, ...]:
    """Facility (x, 0–1) against discrimination (y, −1 to 1) for (label, facility, discrimination,
    flagged) tuples; an item without a discrimination figure is left out."""
    left, top, right, bottom = _plot_box()
    placed = []
    for label, facility, discrimination, flagged in points:
        if discrimination is None:
            continue
        x = left + (right - left) * facility
        y = top + (bottom - top) * (1 - discrimination) / 2
        placed.append(Point(x, y, label, f"{label}: {facility:.2f}, {discrimination:.2f}", flagged))
    return tuple(placed)


def plot_box() -> dict[str, float]:
    """The plot area for the templates' axes: left, top, right, bottom and the zero line's y."""
    left, top, right, bottom = _plot_box()
    return {"left": left, "top": top, "right": right, "bottom": bottom, "zero": (top + bottom) / 2,
            "width": WIDTH, "height": HEIGHT}
