"""Chart geometry (issue 6): the score distribution bins tenths of the total with the pass mark
placed on the same scale, pass rates per unit, and the facility/discrimination scatter."""

from __future__ import annotations

from decimal import Decimal

from question_bank.reports import charts


def test_score_distribution_bins_tenths_and_places_the_pass_mark():
    scores = [(Decimal(s), Decimal(100)) for s in ("0", "9.99", "55", "59.5", "60", "100")]
    histogram = charts.score_distribution(scores, Decimal(60), Decimal(100))
    assert [b.count for b in histogram.bars] == [2, 0, 0, 0, 0, 2, 1, 0, 0, 1]
    # The tallest bins reach the top of the plot; an empty bin has no height.
    left, top, right, bottom = charts._plot_box()
    assert histogram.bars[0].y == top and histogram.bars[1].height == 0
    assert histogram.pass_x == left + (right - left) * 0.6
    # The bars sit side by side left to right, like the axis labels.
    assert [b.x for b in histogram.bars] == sorted(b.x for b in histogram.bars)


def test_pass_rates_per_unit_and_their_bars():
    rates = charts.pass_rates([("乙市", True), ("甲市", True), ("甲市", False), ("甲市", True)])
    assert [(r.unit, r.candidates, r.passed) for r in rates] == [("乙市", 1, 1), ("甲市", 3, 2)]
    bars, height = charts.pass_rate_bars(rates)
    assert bars[0].width > bars[1].width > 0
    assert bars[1].value == "67% (2/3)"
    assert height == 2 * charts.ROW_HEIGHT + 4


def test_scatter_places_facility_across_and_discrimination_up():
    points = charts.scatter([("1", 0.0, 1.0, False), ("2", 1.0, -1.0, True), ("3", 0.5, None, False)])
    box = charts.plot_box()
    assert [p.label for p in points] == ["1", "2"]  # no discrimination figure, no dot
    assert (points[0].x, points[0].y) == (box["left"], box["top"])
    assert (points[1].x, points[1].y) == (box["right"], box["bottom"])
    assert points[1].flagged
