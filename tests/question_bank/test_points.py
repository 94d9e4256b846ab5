"""Points are kept to the hundredth and never rounded (case C-20): the boundary is two decimal
places, whatever way the number is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from question_bank.points import from_cents, is_exact_points, parse_plain_points, to_cents


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


@pytest.mark.parametrize(("typed", "shown"), [
    ("30", "30"), (" 30.5 ", "30.5"), ("+2", "2"), (".5", "0.5"), ("３０．５", "30.5"),
    # A marker who types "-0" or "-0.00" gets a plain nought back, never a score shown as "-0.00".
    ("0", "0"), ("0.00", "0.00"), ("-0", "0"), ("-0.00", "0.00"),
])
def test_typed_points_are_read_as_written(typed, shown):
    assert str(parse_plain_points(typed)) == shown


@pytest.mark.parametrize("typed", ["", "   ", None, "1e1", "NaN", "Infinity", "1,5", "٣٠", "30分", "- 1"])
def test_typed_text_that_is_not_a_plain_number_is_not_read_as_points(typed):
    assert parse_plain_points(typed) is None
