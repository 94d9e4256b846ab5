"""The resident identity number of GB 11643-1999: its check character (ISO 7064 MOD 11-2), the
birth date part, and how a typed number is normalised. Every number used here is checked against
the standard's own definition, computed independently below."""

from __future__ import annotations

import itertools

import pytest

from question_bank.idnumbers import InvalidIdNumber, check_character, normalise, parse_id_number

#: A commonly cited valid sample (Beijing, Chaoyang; born 1949-12-31).
SAMPLE = "11010519491231002X"


def satisfies_mod_11_2(number: str) -> bool:
    """ISO 7064 MOD 11-2 as GB 11643-1999 §8.2 states it, over all 18 characters: the sum of
    a_i × 2^(18-i) (i = 1 … 18, "X" = 10) is congruent to 1 modulo 11."""
    values = [10 if ch == "X" else int(ch) for ch in number]
    return sum(a * pow(2, 18 - i, 11) for i, a in enumerate(values, start=1)) % 11 == 1


def complete(body17: str) -> str:
    """The one 18th character that makes ``body17`` valid, found by trying each (no shared code)."""
    (last,) = [ch for ch in "0123456789X" if satisfies_mod_11_2(body17 + ch)]
    return body17 + last


def bodies(count: int) -> list[str]:
    """``count`` different 17-digit bodies with real birth dates, spread over addresses and sequences."""
    dates = ("19491231", "19600229", "19751001", "19800101", "19991130", "20000229", "20101231")
    areas = ("110105", "320102", "440305", "510107", "650102")
    pairs = itertools.cycle(itertools.product(areas, dates))
    found = [area + date + f"{seq % 1000:03d}" for (area, date), seq in zip(pairs, range(1, count * 7, 7))]
    assert len(found) == count and all(len(body) == 17 for body in found)
    return found


def test_the_cited_sample_is_valid_by_the_standard_and_by_the_validator():
    assert satisfies_mod_11_2(SAMPLE)
    assert check_character(SAMPLE[:17]) == "X"
    assert parse_id_number(SAMPLE) == SAMPLE


def test_the_check_character_agrees_with_the_standards_definition_for_every_value():
    numbers = [complete(body) for body in bodies(300)]
    assert {n[-1] for n in numbers} == set("0123456789X")  # every check value is exercised
    for number in numbers:
        assert check_character(number[:17]) == number[-1]
        assert parse_id_number(number) == number


def test_a_lower_case_x_full_width_digits_and_spaces_are_read_and_stored_normalised():
    assert parse_id_number(SAMPLE.lower()) == SAMPLE
    assert parse_id_number(" 110105 19491231 002x ") == SAMPLE
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in SAMPLE)  # "１１０…Ｘ"
    assert parse_id_number(full_width) == SAMPLE
    assert normalise("11010519491231002x") == SAMPLE


@pytest.mark.parametrize("wrong", sorted(set("0123456789X") - {"X"}))
def test_every_other_check_character_is_refused(wrong):
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number(SAMPLE[:17] + wrong)
    assert refused.value.message == ("the last character of the ID number does not match the others; "
                                     "check it for a typing error")


def test_a_swap_of_two_neighbouring_digits_is_caught():
    number = complete("32010219800101123")
    swapped = number[:15] + number[16] + number[15] + number[17]
    assert number != swapped
    with pytest.raises(InvalidIdNumber):
        parse_id_number(swapped)


@pytest.mark.parametrize("date", ["19490230", "19491301", "19490001", "19900229", "00000101", "19491232"])
def test_a_birth_date_that_is_not_a_real_date_is_refused_even_with_a_right_check_character(date):
    number = complete("110105" + date + "002")
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number(number)
    assert refused.value.message == "the birth date in the ID number (characters 7 to 14) is not a real date"


@pytest.mark.parametrize("text", ["11010519491231002", "11010519491231002X1", "1101051949123100XX", "A1010519491231002X",
                                  "11010519491231002Y", "110105-1949-1231-002X", "１１０"])
def test_a_malformed_number_is_refused_with_its_shape(text):
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number(text)
    assert refused.value.message == "the ID number must be 18 characters: 17 digits and a digit or X"


def test_an_empty_number_is_refused_as_empty():
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number("  ")
    assert refused.value.message == "the ID number is empty"
