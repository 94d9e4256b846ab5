"""Scores as shares of their paper's maximum (得分率), so that scores on papers of different
maxima can be compared and averaged: 45 of 50 (90 %) is better than 60 of 100 (60 %), though 45
points are fewer than 60 (issue 6, outside tester: the appraisal summary compared raw points).

Rules (the appraisal summary's 计分口径, :data:`RULE`):
- a score's share is its points ÷ the maximum of the paper it was scored against, the maximum the
  score record holds for it (a regrade that takes a question out of the total lowers it);
- shares are exact fractions (``fractions.Fraction`` of the exact decimal points), never floats,
  so the same records give the same figures on SQLite and PostgreSQL; only what is shown is
  rounded: a percentage, half up, to two decimal places (2/3 → 66.67 %, 1/800 → 0.13 %);
- the best of several scores is the one with the highest share; equal shares go to the larger
  maximum (90/100 before 45/50: more points at stake), then to the one given first;
- a mean is the mean of the shares (each score weighs the same, whatever its paper's maximum),
  not the share of summed points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

#: One hundredth of a percentage point: the finest step a share is shown in.
PERCENT_STEP = Decimal("0.01")

#: The counting rule as the appraisal summary states it (计分口径), on the page and in downloads.
RULE = ("各场试卷满分可能不同，成绩以得分率（得分÷该场满分）比较：最高成绩取得分率最高的一场，得分率相同取满分较高的一场，"
        "再相同取较早的一场；最近成绩取交卷最晚的一场，同时交卷取开考较晚的一场；平均得分率为各得分率的算术平均"
        "（按人员：本人各场；按单位：各人的最高得分率），不是总分÷总满分；得分率的百分比四舍五入保留两位小数，"
        "合格率（合格人数÷应考人数）与练习正确率四舍五入保留一位小数。")


def percent(share: Fraction) -> Decimal:
    """``share`` (1 = 100 %) as a percentage rounded half up (away from zero) to two decimal
    places, computed on integers: Fraction(2, 3) → Decimal("66.67"), Fraction(1, 800) →
    Decimal("0.13"), Fraction(9, 10) → Decimal("90.00")."""
    hundredths = share * 10000
    whole, rest = divmod(abs(hundredths.numerator), hundredths.denominator)
    if 2 * rest >= hundredths.denominator:
        whole += 1
    return Decimal(-whole if hundredths < 0 else whole).scaleb(-2).quantize(PERCENT_STEP)


def plain(value: Decimal) -> str:
    """A decimal as people write it, without trailing zeros or exponent: 86.50 → "86.5", 100.00 → "100"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class PaperScore:
    """``points`` scored out of the paper's ``max_points`` (both exact decimals, points). Raises
    ``ValueError`` for a maximum that is not above 0, which has no share."""

    points: Decimal
    max_points: Decimal

    def __post_init__(self) -> None:
        if not self.max_points > 0:
            raise ValueError(f"a score out of {self.max_points} points has no share")

    @property
    def share(self) -> Fraction:
        """points ÷ max_points, exact."""
        return Fraction(self.points) / Fraction(self.max_points)

    @property
    def percent(self) -> Decimal:
        """:attr:`share` in percent, half up to two places (:func:`percent`)."""
        return percent(self.share)

    def text(self, note: str = "") -> str:
        """The cell: "45/50（90%）", "59.5/100（59.5%）", "2/3（66.67%）"; with a ``note``
        inside the brackets: "45/50（90%，合格）"."""
        return f"{plain(self.points)}/{plain(self.max_points)}（{plain(self.percent)}%{'，' + note if note else ''}）"

    def outranks(self, other: PaperScore) -> bool:
        """Whether this score comes before ``other`` as the better one: a higher share, or the
        same share on a larger maximum (module rules)."""
        return (self.share, self.max_points) > (other.share, other.max_points)


def best(scores: Iterable[PaperScore | None]) -> PaperScore | None:
    """The best of ``scores`` (None entries skipped) by the module's rule: highest share, then
    larger maximum, then the first given. None when there is none."""
    found: PaperScore | None = None
    for score in scores:
        if score is not None and (found is None or score.outranks(found)):
            found = score
    return found


def mean_share(shares: Iterable[Fraction]) -> Fraction | None:
    """The exact mean of ``shares``; None when there are none."""
    counted = list(shares)
    return sum(counted, Fraction(0)) / len(counted) if counted else None


def mean_percent(shares: Iterable[Fraction]) -> Decimal | None:
    """:func:`mean_share` in percent, half up to two places; None when there are no shares."""
    mean = mean_share(shares)
    return None if mean is None else percent(mean)
