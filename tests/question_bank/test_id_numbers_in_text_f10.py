"""Issue-10 trial F10-03: an ID number written in free text is found and masked however it is
written: separated by spaces (full-width too), hyphens or dashes, in full-width digits, with a
final x, X or ｘ, or any mix of these; what is not an ID number is left alone."""

from __future__ import annotations

import pytest

from question_bank import idnumbers
from tests.examsvc.records_api_world import id_number

NUMBER = id_number("11010119900307451")           # ends in a digit
WITH_X = "11010519491231002X"                      # the standard's sample, ends in X
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def spaced(number: str, separator: str, groups=(6, 8, 4)) -> str:
    parts, start = [], 0
    for size in groups:
        parts.append(number[start:start + size])
        start += size
    return separator.join(parts)


WRITINGS = {
    "plain": lambda n: n,
    "spaces": lambda n: spaced(n, " "),
    "full-width spaces": lambda n: spaced(n, "\u3000"),
    "hyphens": lambda n: spaced(n, "-"),
    "full-width hyphens": lambda n: spaced(n, "－"),
    "dashes with spaces": lambda n: spaced(n, " — "),
    "en dashes": lambda n: spaced(n, "–"),
    "groups of four": lambda n: spaced(n, " ", (4, 4, 4, 4, 2)),
    "a tab": lambda n: spaced(n, "\t"),
    "full-width digits": lambda n: n.translate(FULL_WIDTH),
    "full-width digits and spaces": lambda n: spaced(n, "\u3000").translate(FULL_WIDTH),
    "mixed widths and separators": lambda n: (n[:6].translate(FULL_WIDTH) + "-" + n[6:14] + "\u3000"
                                               + n[14:].translate(FULL_WIDTH)),
    "lower-case x": lambda n: n[:-1] + n[-1].lower(),
    "full-width lower-case x, hyphens": lambda n: spaced(n[:-1] + n[-1].translate(FULL_WIDTH).lower(), "-"),
    # Issue-10 tester, item 2: punctuation and invisible characters between the digits.
    "dots": lambda n: spaced(n, "."),
    "full-width dots": lambda n: spaced(n, "．"),
    "slashes": lambda n: spaced(n, "/"),
    "full-width slashes": lambda n: spaced(n, "／"),
    "backslashes": lambda n: spaced(n, "\\"),
    "underscores": lambda n: spaced(n, "_"),
    "dots with spaces": lambda n: spaced(n, ". "),
    "a zero-width space before the last character": lambda n: n[:-1] + "\u200b" + n[-1],
    "zero-width spaces between the groups": lambda n: spaced(n, "\u200b"),
    "word joiners and a byte-order mark": lambda n: spaced(n, "\u2060", (6, 8, 2, 2)).replace(n[:6], n[:6] + "\ufeff"),
    "a soft hyphen": lambda n: spaced(n, "\u00ad"),
}


@pytest.mark.parametrize("number", [NUMBER, WITH_X], ids=["digit", "X"])
@pytest.mark.parametrize("writing", list(WRITINGS))
def test_f10_03_a_number_written_any_way_is_found_and_masked_in_the_text_around_it(number, writing):
    written = WRITINGS[writing](number)
    text = f"考生身份证号：{written}，联系电话 13800138000。"
    assert idnumbers.written_numbers(text) == [number]
    shown = idnumbers.redact(text)
    assert shown == f"考生身份证号：{number[:6]}********{number[-4:]}，联系电话 13800138000。"
    assert idnumbers.written_numbers(shown) == []   # masked once, found no more
    assert idnumbers.mask(written) == f"{number[:6]}********{number[-4:]}"


def test_f10_03_several_numbers_in_one_text_are_each_masked():
    text = f"{spaced(NUMBER, '-')} 与 {WITH_X.translate(FULL_WIDTH)} 两人"
    assert idnumbers.written_numbers(text) == [NUMBER, WITH_X]
    assert idnumbers.redact(text) == f"{NUMBER[:6]}********{NUMBER[-4:]} 与 {WITH_X[:6]}********{WITH_X[-4:]} 两人"


def test_f10_03_a_first_generation_fifteen_digit_number_is_found_too():
    old = "110105491231002"
    assert idnumbers.written_numbers(f"旧号码 {spaced(old, ' ', (6, 6, 3))}") == [old]
    assert idnumbers.redact(f"旧号码 {old}") == "旧号码 110105*****1002"


@pytest.mark.parametrize("text", [
    "110101********4514",                                      # already masked
    "sha256 ab" + NUMBER + "cd",                               # inside a hexadecimal hash
    "1" + NUMBER,                                              # a longer run of digits
    "2026-05-11 10:00:00 第12题 59.99分",                       # dates, times and points
    "电话 13800138000",
    "",
])
def test_f10_03_text_without_an_id_number_is_left_as_written(text):
    assert idnumbers.written_numbers(text) == []
    assert idnumbers.redact(text) == text


def test_tester_2_the_reported_dotted_and_zero_width_numbers_are_masked_even_with_a_wrong_check_character():
    # 11010119900307777 has check character 4: a mistyped number is masked all the same.
    for written in ("110101.19900307.777X", "11010119900307777\u200bX", "110101/19900307/777X", "110101_19900307_777X"):
        assert idnumbers.redact(f"号码 {written}。") == "号码 110101********777X。", written


@pytest.mark.parametrize("text", [
    "3.14159265358979323",                                     # a decimal of 18 digits: no possible birth date
    "12345678.901234567X",                                     # 12 is no province
    "110101.19901307.4514",                                    # no 13th month
    "110101/18991231/4514",                                    # born before 1900
    "1.3.6.1.4.1.311.21.8.110101.19900307",                    # an OID: part of a longer chain of groups
    "v1." + spaced(NUMBER, "."),                               # a version: a longer chain
    spaced(NUMBER, ".") + ".1",
    "2026/12/04/20261204_103000_123456.pdf",                   # a file path of dates and times
    "192.168.100.200/24 10.0.0.1",                             # addresses
])
def test_tester_2_ordinary_numbers_with_dots_slashes_or_underscores_are_left_as_written(text):
    assert idnumbers.written_numbers(text) == []
    assert idnumbers.redact(text) == text


def test_tester_2_a_possible_number_needs_no_right_check_character_but_spaces_need_no_possible_date():
    # Spaces and hyphens are read as before, whatever the date; dots only for a possible number.
    assert idnumbers.written_numbers("110101 19901307 4514") == ["110101199013074514"]
    assert idnumbers.written_numbers("110101.19901307.4514") == []


def test_f10_03_a_snapshot_is_masked_at_any_depth_keys_and_values():
    snapshot = {"note": f"号码 {spaced(NUMBER, ' ')}", "rows": [{"text": WITH_X.lower()}], "score": 12, NUMBER: True}
    assert idnumbers.redact_document(snapshot) == {
        "note": f"号码 {NUMBER[:6]}********{NUMBER[-4:]}", "rows": [{"text": f"{WITH_X[:6]}********{WITH_X[-4:]}"}],
        "score": 12, f"{NUMBER[:6]}********{NUMBER[-4:]}": True}
