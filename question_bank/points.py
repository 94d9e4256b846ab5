"""Points (分): every mark, score, pass mark and excellent mark is an exact decimal with at most two
places (case C-20), the same on SQLite and PostgreSQL.

A value with more places is refused where it is typed, never rounded: the number a person sees
and the number a pass is judged by must be the same number.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

#: One hundredth of a point: the finest step a mark is kept in.
CENT = Decimal("0.01")


def is_exact_points(value: Decimal) -> bool:
    """True when ``value`` needs no more than two decimal places: 59.99, 59.990 and 60 do,
    59.995 does not. Raises nothing, however large the exponent."""
    return value.is_finite() and value.normalize().as_tuple().exponent >= -2


def to_cents(value: Decimal) -> int:
    """59.99 → 5999. Raises ``ValueError`` for a value that needs more than two places: callers
    check first (:func:`is_exact_points`), so this only stops a bug from rounding silently."""
    if not is_exact_points(value):
        raise ValueError(f"{value} points has more than two decimal places; marks are never rounded (C-20)")
    return int(value.scaleb(2))


def from_cents(cents: int) -> Decimal:
    """5999 → Decimal("59.99") (always two places)."""
    return Decimal(cents).scaleb(-2).quantize(CENT)


#: A plain decimal as people type it: digits with an optional point and digits, an optional sign.
#: No exponent ("1e1"), no "NaN" or "Infinity", no thousands separators. ASCII digits only (after
#: NFKC folding, which turns the full-width "３０．５" a Chinese input method types into "30.5"):
#: ``\d`` alone would take Arabic-Indic "٣٠" or Devanagari digits, which no marker here types.
_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


def parse_plain_points(text: str) -> Decimal | None:
    """The points typed in ``text`` (surrounding spaces ignored), or None when it is not a plain
    decimal: "1e1", "NaN", "1,5" and "" are None, where ``Decimal`` would take some of them.
    Negative zero ("-0", "-0.00") comes back as 0. The number of places is not checked here
    (:func:`is_exact_points`): a caller refuses more than two with its own message.
    Full-width digits and point are taken as typed by design (NFKC: "３０．５" is 30.5); any other
    non-ASCII digit (Arabic-Indic "٣٠", Devanagari, ...) is None."""
    typed = unicodedata.normalize("NFKC", text or "").strip()
    if not _PLAIN_DECIMAL.fullmatch(typed):
        return None
    value = Decimal(typed)
    return Decimal(0).quantize(value) if value.is_zero() else value
