"""The resident identity number of GB 11643-1999: its check character (ISO 7064 MOD 11-2), the
province-level address code of GB/T 2260, the birth date part (a real date, not in the future, not
before 1900), and how a typed number is normalised. Every number used here is checked against the
standard's own definition, computed independently below."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from question_bank.idnumbers import InvalidIdNumber, check_character, local_date, normalise, parse_id_number

#: A commonly cited valid sample (Beijing, Chaoyang; born 1949-12-31).
SAMPLE = "11010519491231002X"
#: The date the numbers are read on (the test clock's day).
TODAY = dt.date(2026, 5, 11)
#: The province-level divisions of GB/T 2260 by their first two digits, written out one by one.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}
NOT_A_PROVINCE = "the first two digits of the ID number are not the code of a province, autonomous region or municipality"
IN_THE_FUTURE = "the birth date in the ID number (characters 7 to 14) is in the future"
BEFORE_1900 = "the birth date in the ID number (characters 7 to 14) is before 1900"
NO_ADDRESS_CODE = "the first six digits of the ID number are not an address code of GB/T 2260 (a county, city or district)"


def parse(text: str, today: dt.date = TODAY) -> str:
    return parse_id_number(text, today=today)


def refusal(text: str, today: dt.date = TODAY) -> str:
    with pytest.raises(InvalidIdNumber) as refused:
        parse(text, today)
    return refused.value.message


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
    assert parse(SAMPLE) == SAMPLE


def test_the_check_character_agrees_with_the_standards_definition_for_every_value():
    numbers = [complete(body) for body in bodies(300)]
    assert {n[-1] for n in numbers} == set("0123456789X")  # every check value is exercised
    for number in numbers:
        assert check_character(number[:17]) == number[-1]
        assert parse(number) == number


def test_a_lower_case_x_full_width_digits_and_spaces_are_read_and_stored_normalised():
    assert parse(SAMPLE.lower()) == SAMPLE
    assert parse(" 110105 19491231 002x ") == SAMPLE
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in SAMPLE)  # "１１０…Ｘ"
    assert parse(full_width) == SAMPLE
    assert normalise("11010519491231002x") == SAMPLE


@pytest.mark.parametrize("wrong", sorted(set("0123456789X") - {"X"}))
def test_every_other_check_character_is_refused(wrong):
    with pytest.raises(InvalidIdNumber) as refused:
        parse(SAMPLE[:17] + wrong)
    assert refused.value.message == ("the last character of the ID number does not match the others; "
                                     "check it for a typing error")


def test_a_swap_of_two_neighbouring_digits_is_caught():
    number = complete("32010219800101123")
    swapped = number[:15] + number[16] + number[15] + number[17]
    assert number != swapped
    with pytest.raises(InvalidIdNumber):
        parse(swapped)


@pytest.mark.parametrize("date", ["19490230", "19491301", "19490001", "19900229", "00000101", "19491232"])
def test_a_birth_date_that_is_not_a_real_date_is_refused_even_with_a_right_check_character(date):
    number = complete("110105" + date + "002")
    with pytest.raises(InvalidIdNumber) as refused:
        parse(number)
    assert refused.value.message == "the birth date in the ID number (characters 7 to 14) is not a real date"


@pytest.mark.parametrize("text", ["11010519491231002", "11010519491231002X1", "1101051949123100XX", "A1010519491231002X",
                                  "11010519491231002Y", "110105.1949.1231.002X", "１１０"])
def test_a_malformed_number_is_refused_with_its_shape(text):
    with pytest.raises(InvalidIdNumber) as refused:
        parse(text)
    assert refused.value.message == "the ID number must be 18 characters: 17 digits and a digit or X"


@pytest.mark.parametrize("text", ["110105-19491231-002X", "110105 - 19491231 - 002x", "110105\u201319491231\u2014002X",
                                  "１１０１０５－１９４９１２３１－００２Ｘ", "110105\u200b19491231\u00ad002X"])
def test_tester_6_hyphens_dashes_and_invisible_characters_between_the_groups_are_dropped_as_spaces_are(text):
    """Issue-10 trial, item 6: the one normalisation (sign-in, the account form, imports) drops the
    separators people type between the groups, as it drops spaces."""
    assert parse(text) == "11010519491231002X"


def test_an_empty_number_is_refused_as_empty():
    with pytest.raises(InvalidIdNumber) as refused:
        parse("  ")
    assert refused.value.message == "the ID number is empty"


def test_every_province_level_code_of_gb_t_2260_is_accepted_and_every_other_pair_of_digits_refused():
    for first_two in (f"{n:02d}" for n in range(100)):
        number = complete(first_two + "0000" + "19800101" + "123")
        if first_two in PROVINCES or first_two == "83":  # 830000: a Taiwan resident's residence permit
            assert parse(number) == number
        else:
            assert refusal(number) == NOT_A_PROVINCE, first_two


@pytest.mark.parametrize("address", ["119999", "320199", "440399", "710105", "830001", "810100"])
def test_an_address_code_gb_t_2260_never_listed_is_refused_though_its_province_exists(address):
    assert refusal(complete(address + "19800101" + "123")) == NO_ADDRESS_CODE


@pytest.mark.parametrize("address, born", [
    ("110110", "19900101"),  # 燕山区, Beijing: retired in 1986; its people kept their numbers
    ("441900", "19700101"),  # 东莞市: a code from 1988, given to people born before it
    ("810000", "19700101"),  # residence permit, Hong Kong resident born before 1997
    ("820000", "19600101"),  # residence permit, Macao
    ("830000", "19550101"),  # residence permit, Taiwan: no GB/T 2260 county at all
])
def test_a_retired_or_later_address_code_and_the_residence_permit_codes_are_accepted(address, born):
    number = complete(address + born + "123")
    assert parse(number) == number


def test_the_address_code_all_zeros_is_refused_even_with_a_right_check_character():
    number = "000000180001010018"  # born 1800 too, but the address code is read first
    assert satisfies_mod_11_2(number)
    assert refusal(number) == NOT_A_PROVINCE


def test_a_birth_date_in_the_future_is_refused_even_with_a_right_check_character():
    number = "110105209901010012"  # born 2099-01-01
    assert satisfies_mod_11_2(number)
    assert refusal(number) == IN_THE_FUTURE


def test_a_person_born_today_is_accepted_and_one_born_tomorrow_refused():
    born_today = complete("110105" + TODAY.strftime("%Y%m%d") + "002")
    assert parse(born_today) == born_today
    assert refusal(born_today, today=TODAY - dt.timedelta(days=1)) == IN_THE_FUTURE


def test_a_birth_date_before_1900_is_refused_and_1900_01_01_accepted():
    assert refusal(complete("110105" + "18000101" + "001")) == BEFORE_1900
    assert refusal(complete("110105" + "18991231" + "001")) == BEFORE_1900
    earliest = complete("110105" + "19000101" + "001")
    assert parse(earliest) == earliest


def test_today_is_the_date_in_china_not_in_utc():
    late_evening_utc = dt.datetime(2026, 5, 10, 16, 30, tzinfo=dt.timezone.utc)  # 00:30 on 11 May in Beijing
    assert local_date(late_evening_utc) == dt.date(2026, 5, 11)
    assert local_date(late_evening_utc - dt.timedelta(hours=1)) == dt.date(2026, 5, 10)
