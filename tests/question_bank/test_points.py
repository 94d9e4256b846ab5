"""Points are kept to the hundredth and never rounded (case C-20): the boundary is two decimal
places, whatever way the number is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from question_bank.points import from_cents, is_exact_points, to_cents


@pytest.mark.parametrize("text", ["59.99", "0.01", "60", "59.990", "100.00", "1E+2", "0"])
def test_a_mark_with_at_most_two_decimal_places_is_exact(text):
    assert is_exact_points(Decimal(text))
    assert from_cents(to_cents(Decimal(text))) == Decimal(text)


@pytest.mark.parametrize("text", ["59.995", "0.001", "33.333", "0.0001", "NaN", "Infinity"])
def test_a_mark_with_more_places_is_not_exact_and_is_never_rounded(text):
    assert not is_exact_points(Decimal(text))
    with pytest.raises(ValueError) as refused:
        to_cents(Decimal(text))
    assert str(refused.value).startswith(f"{text} points has more than two decimal places")


def test_cents_read_back_with_two_places():
    assert to_cents(Decimal("59.99")) == 5999
    assert str(from_cents(5999)) == "59.99" and str(from_cents(6000)) == "60.00"
