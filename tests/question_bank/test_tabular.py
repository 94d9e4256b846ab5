"""The tabular writers: CSV (one BOM, CRLF, RFC 4180 quoting) and xlsx (typed cells), both with
formula injection neutralised: an apostrophe before the text in the CSV, the text unchanged in a
string cell with the quotePrefix style in the xlsx."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from question_bank.formats.guarded.workbook import as_shown
from question_bank.formats.tabular import (iter_csv_bytes, needs_neutralising, neutralise, to_csv_bytes, to_xlsx_bytes,
                                           unneutralise)

BOM = codecs.BOM_UTF8
HEADERS = ["姓名", "单位", "成绩", "考试日期"]


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def test_csv_starts_with_one_bom_and_ends_lines_with_crlf():
    body = to_csv_bytes(HEADERS, [["张三", "法制科", Decimal("86.5"), dt.date(2026, 5, 11)]])
    assert body.startswith(BOM)
    assert body.count(BOM) == 1
    assert body[3:].decode("utf-8") == "姓名,单位,成绩,考试日期\r\n张三,法制科,86.5,2026-05-11\r\n"


def test_streamed_csv_carries_the_bom_in_its_first_chunk_only():
    rows = [[f"干部{i}", "法制科", Decimal(i)] for i in range(7)]
    chunks = list(iter_csv_bytes(HEADERS[:3], rows, rows_per_chunk=2))
    assert len(chunks) == 5  # header, then 2 + 2 + 2 + 1 rows
    assert chunks[0].startswith(BOM)
    assert all(BOM not in chunk for chunk in chunks[1:])
    assert b"".join(chunks) == to_csv_bytes(HEADERS[:3], rows)


def test_csv_quotes_commas_quotes_and_line_breaks_as_rfc_4180_says():
    tricky = ['a,b', 'say "hi"', "line1\nline2", "x\r\ny"]
    body = to_csv_bytes(["c1", "c2", "c3", "c4"], [tricky])
    assert b'"a,b","say ""hi""","line1\nline2","x\r\ny"\r\n' in body
    assert read_csv(body)[1] == tricky


def test_decimals_are_written_in_plain_notation():
    body = to_csv_bytes(["score"], [[Decimal("1E+2")], [Decimal("86.50")], [None]])
    assert read_csv(body)[1:] == [["100"], ["86.50"], [""]]


FORMULA_LIKE = [
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
    "\0=1+1", "\n=1+1", " =1+1", "\u3000=1+1", "\x01=1+1", "＝1+1", "-", "=",
]
ORDINARY = ["张三", "法制科", "a=b", "第3条：罚款=警告？{注意}", "86.5", "'quoted", "#N/A"]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_text_that_a_spreadsheet_could_read_as_a_formula_gets_an_apostrophe_in_the_csv(text):
    assert needs_neutralising(text)
    assert neutralise(text) == "'" + text
    cell = read_csv(to_csv_bytes(["c"], [[text]]))[1][0]
    assert cell == "'" + text


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_text_that_a_spreadsheet_could_read_as_a_formula_is_kept_as_it_is_in_an_xlsx_string_cell_with_quote_prefix(text):
    cell = read_xlsx(to_xlsx_bytes(["c"], [[text]]))["A2"]
    # The xlsx drops only the control characters XML cannot carry (here NUL and U+0001), and an XML
    # parser reads a bare CR as LF (XML 1.0 §2.11).
    assert cell.value == text.replace("\0", "").replace("\x01", "").replace("\r", "\n")
    assert cell.data_type == "s" and cell.quotePrefix is True


@pytest.mark.parametrize("text", ORDINARY + [""])
def test_ordinary_text_is_written_unchanged(text):
    assert not needs_neutralising(text)
    assert neutralise(text) == text
    assert read_csv(to_csv_bytes(["c"], [[text]]))[1] == [text]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_an_xlsx_string_cell_without_quote_prefix(text):
    cell = read_xlsx(to_xlsx_bytes(["c"], [[text]]))["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", False)


def test_real_numbers_stay_numbers_and_are_never_prefixed():
    rows = [[Decimal("-3.5"), -3, -2.25, "-3"]]
    assert read_csv(to_csv_bytes(["a", "b", "c", "d"], rows))[1] == ["-3.5", "-3", "-2.25", "'-3"]
    sheet = read_xlsx(to_xlsx_bytes(["a", "b", "c", "d"], rows))
    a, b, c, d = sheet[2]
    assert (a.value, a.data_type, a.quotePrefix) == (-3.5, "n", False)
    assert (b.value, b.data_type, b.quotePrefix) == (-3, "n", False)
    assert (c.value, c.data_type, c.quotePrefix) == (-2.25, "n", False)
    assert (d.value, d.data_type, d.quotePrefix) == ("-3", "s", True)


def test_xlsx_text_cells_are_strings_never_formulas_or_error_values():
    rows = [["=1+1", "#N/A", "@cmd", "张三"]]
    body = to_xlsx_bytes(["a", "b", "c", "d"], rows)
    sheet = read_xlsx(body)
    values = [(cell.value, cell.data_type, cell.quotePrefix) for cell in sheet[2]]
    assert values == [("=1+1", "s", True), ("#N/A", "s", False), ("@cmd", "s", True), ("张三", "s", False)]
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
        styles = package.read("xl/styles.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml and "'=1+1" not in xml  # no formula element, no apostrophe
    assert 'quotePrefix="1"' in styles


def test_a_formula_like_header_gets_quote_prefix_and_stays_bold():
    header = read_xlsx(to_xlsx_bytes(["=SUM(1)"], []))["A1"]
    assert (header.value, header.data_type, header.quotePrefix, header.font.b) == ("=SUM(1)", "s", True, True)


def test_xlsx_keeps_headers_numbers_and_dates_typed():
    body = to_xlsx_bytes(HEADERS, [["张三", "法制科", Decimal("86.5"), dt.date(2026, 5, 11)]], sheet_title="任前/考试:1")
    sheet = read_xlsx(body)
    assert sheet.title == "任前考试1"
    assert [c.value for c in sheet[1]] == HEADERS
    name, unit, score, day = sheet[2]
    assert name.value == "张三" and unit.value == "法制科"
    assert score.value == 86.5 and score.data_type == "n"
    assert day.is_date and day.value.date() == dt.date(2026, 5, 11)



@pytest.mark.parametrize("typed", ["=1+1", "'=1+1", "''=1+1", "'-5", "-5", "'abc", "'", "' =x"])
def test_two_different_texts_never_come_out_of_a_csv_as_the_same_text(typed):
    # An outside trial: a name typed '=1+1 and one typed =1+1 were both written '=1+1.
    others = {"=1+1", "'=1+1", "''=1+1", "'-5", "-5", "'abc", "'", "' =x"} - {typed}
    assert neutralise(typed) not in {neutralise(other) for other in others}
    assert unneutralise(neutralise(typed)) == typed
    assert read_csv(to_csv_bytes(["名字"], [[typed]]))[1] == [neutralise(typed)]


def test_xlsx_drops_characters_xml_cannot_carry_and_still_neutralises():
    sheet = read_xlsx(to_xlsx_bytes(["c"], [["\x00=1+1"], ["ok\x07"], ["\x07=1+1"]]))
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == ("=1+1", "s", True)
    assert (sheet["A3"].value, sheet["A3"].quotePrefix) == ("ok", False)
    # Not a trigger before the drop (BEL is not skipped by spreadsheets), but "=1+1" after it.
    assert (sheet["A4"].value, sheet["A4"].data_type, sheet["A4"].quotePrefix) == ("=1+1", "s", True)


def test_aware_datetimes_are_refused_by_both_writers():
    aware = dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        to_csv_bytes(["t"], [[aware]])
    with pytest.raises(ValueError):
        to_xlsx_bytes(["t"], [[aware]])


def column_widths(sheet) -> dict[str, float]:
    """Column letter → stored width, with a range of columns sharing one width spread out."""
    found = {}
    for dimension in sheet.column_dimensions.values():
        if dimension.width:
            for index in range(dimension.min, dimension.max + 1):
                found[get_column_letter(index)] = dimension.width
    return found


def test_xlsx_keeps_id_numbers_as_text_and_scores_as_the_numbers_shown():
    rows = [["110101199001011234", "440305********002X", Decimal("59.995"), Decimal("100"), Decimal("86.50")]]
    sheet = read_xlsx(to_xlsx_bytes(["身份证号", "掩码", "成绩", "满分", "合格分"], rows))
    full, masked, score, maximum, mark = sheet[2]
    # 18 digits as a number would show as 1.10101E+17 and lose its last digits
    assert (full.value, full.data_type, masked.value, masked.data_type) == (
        "110101199001011234", "s", "440305********002X", "s")
    assert [(c.value, c.data_type) for c in (score, maximum, mark)] == [(59.995, "n"), (100, "n"), (86.5, "n")]


def test_xlsx_freezes_a_bold_header_and_sizes_each_column_to_its_widest_text():
    rows = [["张三丰", "ab", "x" * 100, "=1"], ["李四", "法制科办公室", None, ""]]
    sheet = read_xlsx(to_xlsx_bytes(["姓名", "单位", "说明", "f"], rows))
    assert sheet.freeze_panes == "A2"
    assert [c.font.b for c in sheet[1]] == [True] * 4 and not any(c.font.b for c in sheet[2])
    # a CJK character takes two columns, the margin two more, never over 60; a neutralised text
    # is as wide as its CSV text with the apostrophe
    assert column_widths(sheet) == {"A": 8, "B": 14, "C": 60, "D": 5}


def test_xlsx_dates_and_date_times_read_back_as_dates_in_iso_formats():
    sheet = read_xlsx(to_xlsx_bytes(["日", "时"], [[dt.date(2026, 5, 11), dt.datetime(2026, 5, 11, 9, 30, 5)]]))
    day, moment = sheet[2]
    assert (day.value, day.number_format) == (dt.datetime(2026, 5, 11), "yyyy-mm-dd")
    assert (moment.value, moment.number_format) == (dt.datetime(2026, 5, 11, 9, 30, 5), "yyyy-mm-dd h:mm:ss")


@pytest.mark.parametrize("text", ["<r><t>加粗</t></r>", "<r>x</r>", "_x000D_ 与 _x005F_ 字面", "第一行\r\n第二行",
                                  "王小明（副科长）"])
def test_xlsx_text_that_looks_like_spreadsheet_markup_or_an_escape_reads_back_as_written(text):
    cell = read_xlsx(to_xlsx_bytes(["c"], [[text]]))["A2"]
    # (an XML parser reads CR LF as LF, as it always did)
    assert (as_shown(cell.value), cell.data_type) == (text.replace("\r\n", "\n"), "s")


def test_xlsx_leaves_none_an_empty_text_and_a_number_that_is_not_one_empty():
    sheet = read_xlsx(to_xlsx_bytes(["a", "b", "c", "d"], [[None, "", float("nan"), "x"]]))
    assert [c.value for c in sheet[2]] == [None, None, None, "x"]


@pytest.mark.parametrize(("title", "name"), [
    ("一" * 30 + "'二", "一" * 30), ("History", "Sheet1"), ("[]", "Sheet1"),
    # Excel counts UTF-16 units: a place name's 𠮷 or an emoji takes two of the 31, and is never split.
    ("𠮷" + "考" * 30, "𠮷" + "考" * 29), ("考" * 30 + "😀", "考" * 30), ("😀" * 16, "😀" * 15),
    ("2026年度𠮷野县领导干部学法用法考试（第一批次）半分测试场次", "2026年度𠮷野县领导干部学法用法考试（第一批次）半分测试场"),
])
def test_xlsx_sheet_names_are_ones_excel_accepts(title, name):
    assert read_xlsx(to_xlsx_bytes(["a"], [], sheet_title=title)).title == name
