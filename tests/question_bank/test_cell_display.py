"""The text Excel shows for a value under a number format (case C-27), for the formats Excel's
built-ins and the common custom ones produce; formats not applied exactly are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from question_bank.formats.cell_display import NotShown, locale_format, shown_text


@pytest.mark.parametrize("value, number_format, shown", [
    (3, "General", "3"), (2.0, "General", "2"), (0.1 + 0.2, "General", "0.3"), (1e20, "General", "1E+20"),
    (2.5, "0", "3"), (-2.5, "0", "-3"), (0, "0.00", "0.00"), (1234.5, "#,##0", "1,235"),
    (1234567.891, "#,##0.00", "1,234,567.89"), (1234.5, "#,##0.0,", "1.2"), (0.5, "#.##", ".5"),
    (0.05, "0%", "5%"), (0.125, "0.00%", "12.50%"),
    (12345, "0.00E+00", "1.23E+04"), (0.00012, "0.0E+00", "1.2E-04"),
    (0.125, "# ?/?", "1/8"), (1.5, "# ??/??", "1 1/2"), (0.3333333, "# ??/??", "1/3"), (0.26, "?/4", "1/4"),
    (1234.5, '"¥"#,##0.00', "¥1,234.50"), (1234.5, "[$¥-804]#,##0.00", "¥1,234.50"),
    (-1234.5, "#,##0.00_);[Red](#,##0.00)", "(1,234.50)"), (-3, '0"分";"扣"0"分"', "扣3分"), (0, '0;-0;"零"', "零"),
    (dt.datetime(2026, 3, 1), 'm"月"d"日"', "3月1日"), (dt.datetime(2026, 3, 1), "yyyy/m/d", "2026/3/1"),
    (dt.datetime(2026, 3, 1, 9, 5), "yyyy-mm-dd hh:mm", "2026-03-01 09:05"),
    (dt.datetime(2026, 3, 1), 'yyyy"年"m"月"d"日"', "2026年3月1日"), (dt.datetime(2026, 3, 1), "d-mmm-yy", "1-Mar-26"),
    (dt.time(9, 5, 3), "h:mm:ss AM/PM", "9:05:03 AM"), (dt.time(14, 5), '上午/下午h"时"mm"分"', "下午2时05分"),
    (dt.timedelta(hours=30, minutes=5), "[h]:mm:ss", "30:05:00"), (46082, 'm"月"d"日"', "3月1日"),
    (True, "General", "TRUE"), ("0.05", "0%", "0.05"), (None, "0%", ""),
])
def test_a_value_is_shown_as_excel_shows_it(value, number_format, shown):
    assert shown_text(value, number_format) == shown


@pytest.mark.parametrize("number_format", ["[>100]0", "##0.0E+0", "0 万 0", "[DBNum1]0"])
def test_a_format_not_applied_exactly_is_refused(number_format):
    with pytest.raises(NotShown):
        shown_text(1234, number_format)


def test_locale_builtins_are_read_as_a_chinese_excel_shows_them():
    assert locale_format(14, "mm-dd-yy") == "yyyy/m/d"
    assert locale_format(58, "General") == 'm"月"d"日"'
    assert locale_format(164, "0.00%") == "0.00%"
    assert shown_text(dt.datetime(2026, 3, 1), locale_format(14, "mm-dd-yy")) == "2026/3/1"


@pytest.mark.parametrize("value, number_format", [
    ("行政拘留", ";;;"), (3, ";;;"), (-3, "0;;0"), (-3, "0;"), (0, "0;-0;"), (0, '0"分";"扣"0"分";'),
    ("文字", '0;-0;0;'), (dt.datetime(2026, 3, 1), ";;;"),
])
def test_a_format_whose_section_for_the_value_is_empty_is_refused_as_hiding_it(value, number_format):
    # Excel shows such a cell empty (ECMA-376 Part 1, 18.8.31): neither the value nor "" is what it shows.
    with pytest.raises(NotShown) as refused:
        shown_text(value, number_format)
    assert "hides its value" in refused.value.args[0]


@pytest.mark.parametrize("value, number_format, shown", [
    (3, "0;;", "3"), (-3, "0;-0;", "-3"), ("文字", "0;;;@", "文字"), ("文字", "0;;", "文字"), ("", ";;;", ""),
])
def test_a_value_whose_own_section_is_filled_is_shown_though_others_are_empty(value, number_format, shown):
    assert shown_text(value, number_format) == shown


@pytest.mark.parametrize("value, number_format, shown", [
    (dt.datetime(2026, 3, 5), "aaaa", "星期四"), (dt.datetime(2026, 3, 5), "aaa", "四"),
    (dt.datetime(2026, 3, 1), 'yyyy"年"m"月"d"日" aaaa', "2026年3月1日 星期日"), (46086, "aaaa", "星期四"),
    (46086, "m/d(aaa)", "3/5(四)"),
])
def test_the_chinese_weekday_formats_show_the_weekday(value, number_format, shown):
    assert shown_text(value, number_format) == shown
