"""Reading import files and template rows, without a database: what a file is (decided by its
bytes), CSV encodings, caps, header names in Chinese or English, and how each cell is read."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from question_bank.errors import InvalidInput
from question_bank.formats import spreadsheet, template, template_sheets
from tests.hostile_files import rewrite_part
from question_bank.formats.guarded import workbook as guarded_workbook
from question_bank.formats.template_file import EXAMPLES, GUIDE_SHEET, QUESTION_SHEET, example_rows, write_template
from question_bank.types import REGISTRY
from tests.factories import QUESTION_HEADER, questions_xlsx

ROW = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类；罚款",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2")


def parse(data: bytes, filename: str = "q.xlsx") -> list[template.ParsedRow]:
    return template_sheets.parse_file(filename, spreadsheet.read_table(filename, data)).rows


def refusal(data: bytes, filename: str = "q.xlsx") -> str:
    with pytest.raises(InvalidInput) as caught:
        parse(data, filename)
    return str(caught.value)


def csv_bytes(lines: list[str], encoding: str = "utf-8", bom: bool = False, newline: str = "\r\n") -> bytes:
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


CSV_HEADER = ",".join(QUESTION_HEADER)


# --- the template file ---------------------------------------------------------------------------

def test_template_has_the_header_one_example_per_type_and_an_explanation_sheet():
    book = load_workbook(io.BytesIO(write_template()))
    assert book.sheetnames == [QUESTION_SHEET, GUIDE_SHEET]
    rows = list(book[QUESTION_SHEET].iter_rows(values_only=True))
    assert rows[0] == template.TEMPLATE_HEADERS
    types = {template.type_for_import_name(row[0]).code for row in rows[1:]}
    assert types == set(REGISTRY)
    guide = [row for row in book[GUIDE_SHEET].iter_rows(values_only=True)]
    assert guide[0][:2] == ("中文表头", "English header")
    assert {row[0] for row in guide[1:] if row[0]} >= {"题型", "题干", "答案", "难度", "知识点", "法律依据", "分类", "分值"}


def test_template_examples_read_back_as_sound_drafts_once_their_marker_is_taken_off():
    book = load_workbook(io.BytesIO(write_template()))
    for (stem,) in book[QUESTION_SHEET].iter_rows(min_row=2, min_col=2, max_col=2):
        stem.value = stem.value.removeprefix(template.EXAMPLE_MARK)
    out = io.BytesIO()
    book.save(out)
    rows = parse(out.getvalue(), "模板.xlsx")
    assert [r.problems for r in rows] == [[]] * len(example_rows())
    by_type = {r.draft.qtype: r.draft for r in rows}
    assert by_type["multiple_choice"].key == ["A", "B", "C"]
    assert by_type["true_false"].key is True
    assert by_type["single_choice"].default_score == Decimal("2")
    assert set(by_type) == {code for code in EXAMPLES if code in REGISTRY}


# --- what a file is ------------------------------------------------------------------------------

def test_a_png_renamed_xlsx_is_refused_as_an_image():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
    message = refusal(png, "questions.xlsx")
    assert message.startswith("questions.xlsx: ") and "PNG image, not a spreadsheet" in message


def test_an_old_xls_workbook_is_refused_with_what_to_do():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert "save it as an Excel workbook (.xlsx)" in refusal(ole2, "题库.xls")


def test_a_macro_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(questions_xlsx([ROW]))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"macro")
    assert "contains macros (.xlsm)" in refusal(out.getvalue(), "题库.xlsm")


def test_a_zip_that_is_not_a_workbook_and_a_web_page_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "ZIP archive, not an Excel workbook" in refusal(out.getvalue())
    assert "web page" in refusal(b"<html><body><table><tr><td>1</td></tr></table></body></html>", "export.xls")


def test_an_empty_file_and_a_file_with_nul_bytes_are_refused():
    assert "The file is empty." in refusal(b"")
    assert "NUL bytes" in refusal(CSV_HEADER.encode() + b"\r\n\x00\x01", "q.csv")
    assert "marked as UTF-8 but is not valid UTF-8" in refusal(b"\xef\xbb\xbf" + CSV_HEADER.encode("gb18030"), "q.csv")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_named_as_such(encoding):
    """An issue-5 trial got "NUL bytes, not a CSV" for it, which sends the editor looking elsewhere."""
    data = (CSV_HEADER + "\r\n单选题,行政法,题干（　）,甲,乙,,,,,,,A,,\r\n").encode(encoding)
    assert "UTF-16 text saved without its byte order mark" in refusal(data, "q.csv")


def test_a_workbook_sent_as_a_text_format_is_named_as_a_workbook():
    from question_bank.formats.guarded.text import decode

    with pytest.raises(InvalidInput, match="ZIP package such as an Excel workbook"):
        decode("bank.gift", b"PK\x03\x04" + b"\x00" * 40)


def test_kind_is_decided_by_content_not_by_name():
    table = spreadsheet.read_table("really-a-workbook.csv", questions_xlsx([ROW]))
    assert table.file_format == "xlsx"
    table = spreadsheet.read_table("really-a-csv.xlsx", csv_bytes([CSV_HEADER, ",".join(ROW)]))
    assert (table.file_format, table.encoding) == ("csv", "utf-8")


# --- CSV encodings -------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, bom, expected", [
    ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8"), ("gb18030", False, "gb18030"), ("gbk", False, "gb18030"),
])
def test_csv_is_read_as_utf8_with_or_without_bom_else_gb18030(encoding, bom, expected):
    data = csv_bytes([CSV_HEADER, ",".join(ROW)], encoding, bom)
    table = spreadsheet.read_table("q.csv", data)
    assert table.encoding == expected
    (row,) = template_sheets.parse_file("q.csv", table).rows
    assert row.problems == []
    assert row.draft.stem == "行政处罚的种类不包括（ ）"
    assert row.draft.tags == ["种类", "罚款"]


def test_csv_with_lf_line_ends_and_a_cell_spanning_lines_keeps_row_numbers():
    stem = '"第一行\r\n第二行"'
    data = csv_bytes([CSV_HEADER, ",".join(ROW), "", ",".join((ROW[0], stem) + ROW[2:6] + ("E",) + ROW[7:])], newline="\n")
    rows = parse(data, "q.csv")
    assert [r.number for r in rows] == [2, 4]
    assert "row 4, column G (答案)" in str(rows[1].problems[0].place)
    assert rows[0].draft is not None


# --- caps ----------------------------------------------------------------------------------------

def test_too_many_rows_is_refused_with_the_cap(monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_DATA_ROWS", 3)
    message = refusal(questions_xlsx([ROW] * 4))
    assert "more than 3 question rows" in message
    assert len(parse(questions_xlsx([ROW] * 3))) == 3


def test_content_beyond_the_last_column_is_refused():
    wide = ROW + ("",) * (spreadsheet.MAX_COLUMNS - len(ROW)) + ("stray",)
    assert f"beyond column {spreadsheet.MAX_COLUMNS}" in refusal(questions_xlsx([ROW, wide]))


def test_an_overlong_cell_is_a_row_error_naming_the_column():
    long_stem = "很长" * spreadsheet.MAX_CELL_CHARS
    (row,) = parse(questions_xlsx([(ROW[0], long_stem) + ROW[2:]]))
    assert row.draft is None
    assert str(row.problems[0].place) == "q.xlsx, sheet 题库, row 2, column B (题干)"
    assert "longer than" in row.problems[0].message


def test_fully_empty_rows_are_skipped_and_row_numbers_stay_the_sheets():
    rows = parse(questions_xlsx([ROW, (None,) * len(ROW), ("", "  ", ""), ROW]))
    assert [r.number for r in rows] == [2, 5]


UNSAVED_FORMULA = "this cell holds a formula without a saved value; enter the value itself"


def with_saved_value(data: bytes, cell: str, value: str) -> bytes:
    """The workbook ``data`` with a saved (cached) text value added to the formula cell ``cell``, as
    Excel would save it; openpyxl itself writes formulas without one."""
    def change(part: bytes) -> bytes:
        assert part.count(f'<c r="{cell}">'.encode()) == 1
        part = part.replace(f'<c r="{cell}">'.encode(), f'<c r="{cell}" t="str">'.encode())
        return part.replace(b"<v /></c>", f"<v>{value}</v></c>".encode(), 1)

    return rewrite_part(data, "xl/worksheets/sheet1.xml", change)


def test_a_formula_key_without_a_saved_value_is_reported_as_a_formula_not_as_an_empty_key():
    (row,) = parse(questions_xlsx([ROW[:6] + ("=CHAR(66)",) + ROW[7:]]))
    assert row.draft is None
    assert [(str(p.place), p.message) for p in row.problems] == [
        ("q.xlsx, sheet 题库, row 2, column G (答案)", UNSAVED_FORMULA)]


def test_a_formula_stem_without_a_saved_value_is_not_called_an_empty_stem():
    rows = parse(questions_xlsx([ROW, (ROW[0], '=CONCAT("行政","处罚")') + ROW[2:]]))
    assert rows[0].draft is not None
    assert [(str(p.place), p.message) for p in rows[1].problems] == [
        ("q.xlsx, sheet 题库, row 3, column B (题干)", UNSAVED_FORMULA)]


def test_a_formula_in_the_last_column_keeps_its_row_and_is_reported():
    (row,) = parse(questions_xlsx([ROW[:-1] + ("=1+1",)]))
    assert [(str(p.place), p.message) for p in row.problems] == [
        ("q.xlsx, sheet 题库, row 2, column M (分值)", UNSAVED_FORMULA)]


def test_a_formula_with_a_saved_value_is_read_as_that_value_and_never_run():
    # CHAR(67) would give "C"; the value Excel saved says "B", and that is what is read.
    data = with_saved_value(questions_xlsx([ROW[:6] + ("=CHAR(67)",) + ROW[7:]]), "G2", "B")
    (row,) = parse(data)
    assert row.problems == [] and row.draft.key == ["B"]


def test_a_sheet_is_searched_for_unsaved_formulas_only_when_it_holds_formulas(monkeypatch):
    searched = []
    real = guarded_workbook.unsaved_formula_cells

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        searched.append(found)
        return found

    monkeypatch.setattr(guarded_workbook, "unsaved_formula_cells", counting)
    parse(questions_xlsx([ROW]))
    assert searched == []
    parse(questions_xlsx([ROW[:6] + ("=CHAR(66)",) + ROW[7:]]))
    assert searched == [{2: frozenset({6})}]


# --- headers -------------------------------------------------------------------------------------

def test_english_headers_in_another_order_work_and_unknown_columns_are_ignored():
    header = ("No.", "category", "key", "stem", "type", "Option A", "option_b", "tags", "difficulty")
    (row,) = parse(questions_xlsx([(1, "宪法/国家机构", "b", "题干", "single", "甲", "乙", "a; b", "5")], header))
    assert row.problems == []
    assert (row.draft.qtype, row.draft.key, row.draft.options, row.draft.difficulty) == ("single_choice", ["B"], ["甲", "乙"], 5)


def test_headers_with_full_width_letters_spaces_and_remarks_are_recognised():
    header = ("*题型（必填）", " 题干 ", "选项 Ａ", "选项Ｂ", "正确答案", "分类")
    (row,) = parse(questions_xlsx([("单选", "题干", "甲", "乙", "Ａ", "宪法")], header))
    assert row.problems == [] and row.draft.key == ["A"]


def test_a_missing_required_column_refuses_the_file_naming_it():
    header = ("题型", "题干", "选项A", "选项B", "答案")
    assert "has no column 分类 / category" in refusal(questions_xlsx([("单选", "题干", "甲", "乙", "A")], header))


def test_a_sheet_without_a_header_row_is_refused():
    assert "No header row found" in refusal(questions_xlsx([ROW], header=("1", "2", "3")))


def test_the_question_sheet_is_found_after_other_sheets():
    book = Workbook()
    book.active.title = "封面"
    book.active.append(["某省题库"])
    sheet = book.create_sheet("题目")
    sheet.append(list(QUESTION_HEADER))
    sheet.append(list(ROW))
    out = io.BytesIO()
    book.save(out)
    (row,) = parse(out.getvalue())
    assert row.problems == [] and row.draft.category_path == "行政处罚法/总则"


# --- cells ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, level", [("易", 1), ("较易", 2), ("中", 3), ("较难", 4), ("难", 5), ("4", 4), ("", 3), ("３", 3)])
def test_difficulty_words_and_numbers(word, level):
    (row,) = parse(questions_xlsx([ROW[:8] + (word,) + ROW[9:]]))
    assert row.draft.difficulty == level


@pytest.mark.parametrize("qtype, key, expected", [
    ("多选", "ACD", ["A", "C", "D"]), ("多选", "A,C,D", ["A", "C", "D"]), ("多选", " Ａ， Ｃ ", ["A", "C"]),
    ("不定项", "b", ["B"]), ("单选", " Ｄ ", ["D"]),
])
def test_choice_keys_in_every_written_form(qtype, key, expected):
    (row,) = parse(questions_xlsx([(qtype,) + ROW[1:6] + (key,) + ROW[7:]]))
    assert row.problems == [] and row.draft.key == expected


@pytest.mark.parametrize("key, expected", [("对", True), ("错", False), ("正确", True), ("错误", False),
                                           ("√", True), ("×", False), ("T", True), ("F", False)])
def test_true_false_keys(key, expected):
    (row,) = parse(questions_xlsx([("判断", "行政处罚应当公开。", "", "", "", "", key, "", "", "", "", "行政处罚法", "")]))
    assert row.problems == [] and row.draft.key is expected and row.draft.options == []


def test_tags_split_on_either_semicolon_and_category_path_is_tidied():
    (row,) = parse(questions_xlsx([ROW[:9] + (" 罚款 ；警告; ；罚款",) + ROW[10:11] + (" 宪法 ／ 国家机构 /",) + ROW[12:]]))
    assert row.draft.tags == ["罚款", "警告"]
    assert row.draft.category_path == "宪法/国家机构"


@pytest.mark.parametrize("written", ["一，二,三", "一、二、三", "一；二;三", "一, 二 ，三、一"])
def test_knowledge_points_are_split_on_the_commas_and_list_marks_people_write(written):
    (row,) = parse(questions_xlsx([ROW[:9] + (written,) + ROW[10:]]))
    assert row.problems == [] and row.draft.tags == ["一", "二", "三"]
    commas = [str(n) for n in row.notes if "commas" in n.message]
    assert commas == ([] if written == "一；二;三" else
                      ["q.xlsx, sheet 题库, row 2, column J (知识点): the knowledge points were also split at commas "
                       "and 、: 一；二；三"])


def test_score_is_optional_and_checked():
    rows = parse(questions_xlsx([ROW[:12] + ("",), ROW[:12] + ("2.5",), ROW[:12] + ("两分",), ROW[:12] + ("0",)]))
    assert rows[0].draft.default_score is None
    assert rows[1].draft.default_score == Decimal("2.5")
    assert "must be a number" in rows[2].problems[0].message and str(rows[2].problems[0].place).endswith("column M (分值)")
    assert rows[3].problems[0].message == "the mark must be above 0"


def test_stem_is_kept_as_written_apart_from_surrounding_space():
    stem = "第3条：罚款=警告？{注意}　“引号”（ ）"
    (row,) = parse(questions_xlsx([(ROW[0], f"  {stem}\r\n") + ROW[2:]]))
    assert row.draft.stem == stem


def test_every_problem_of_a_row_is_reported_on_its_cell():
    (row,) = parse(questions_xlsx([("单选", "", "甲", "", "丙", "", "AB", "", "极难", "", "", "", "x")]))
    places = {str(p.place).split(", ")[-1]: p.message for p in row.problems}
    assert set(places) == {"column B (题干)", "column D (选项B)", "column I (难度)", "column M (分值)", "column L (分类)",
                           "column G (答案)"}
    assert places["column D (选项B)"] == "option %(letter)s is empty but a later option is filled in"


def test_unknown_type_is_named():
    (row,) = parse(questions_xlsx([("论述", "题干") + ROW[2:]]))
    assert row.problems[0].params["value"] == "论述"
    assert str(row.problems[0].place).endswith("row 2, column A (题型)")
