"""Import that never changes what the author saw, second round (issue 5, an outside tester's trial):
an option holding only its label, General-format numbers as Excel shows them and long numbers Excel
rounded, the CSV formula guard taken off only in our own export, hidden rows and columns, merged
cells, and one bad sheet among good ones in "import the valid rows" mode.
"""

from __future__ import annotations

import pytest

from question_bank.formats.cell_display import shown_text
from question_bank.services import importing
from question_bank.services.importing import VALID_ONLY
from tests.factories import QUESTION_HEADER, book_bytes, questions_book
from tests.hostile_files import rewrite_part

# The row, the editor and the import helpers of the first round, so both rounds read the same file.
from tests.question_bank.test_import_faithful import COLUMN, ROW, editor, numbered, run, stored  # noqa: E402,F401


def problems(report) -> list[str]:
    return [str(p) for p in report.errors]


# --- an option that is only its label ---------------------------------------------------------------

@pytest.mark.parametrize("label", ["D.", "D、", "（D）", "D．", "(D)", "D：", "D. ", "D．\u3000", "D.\u00a0", "（D）\u200b",
                                   "d.", "Ｄ．", "B."])
def test_an_option_holding_only_a_label_is_refused_not_stored(db, clock, editor, label):
    row = ROW[:]
    row[COLUMN["选项D"] - 1] = label
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.batch is None and stored(db) == []
    # A zero-width space after the label is refused for itself, as in any question text
    # (question_control_chars): the row is refused at the cell all the same.
    reason = "zero-width" if "\u200b" in label else "label"
    assert any("row 2, column F" in p and reason in p for p in problems(report)), problems(report)


def test_an_option_of_only_invisible_characters_is_refused(db, clock, editor):
    row = ROW[:]
    row[COLUMN["选项D"] - 1] = "\u200b\u3000"
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.batch is None and any("row 2, column F" in p and "invisible" in p for p in problems(report))


def test_a_label_only_option_is_refused_in_the_middle_too_and_the_valid_rows_go_in(db, clock, editor):
    row = ROW[:]
    row[COLUMN["选项B"] - 1] = "（B）"
    report = run(db, clock, editor, book_bytes(questions_book([numbered(1), row])), mode=VALID_ONLY)
    assert report.imported == 1 and [v.stem for v in stored(db)] == [f"第1题：{ROW[1]}"]
    assert any("row 3, column D" in p and "（B）" in p for p in problems(report)), problems(report)


# --- numbers in General format, as Excel shows them -------------------------------------------------

@pytest.mark.parametrize("value, shown", [
    (1.2345678901234568e17, "1.23457E+17"), (-1.2345678901234568e17, "-1.23457E+17"),
    (12345678901, "12345678901"), (1e20, "1E+20"), (1.5e20, "1.5E+20"),
    (0.000012345678, "1.23457E-05"), (1e-10, "1E-10"), (0.0001234, "0.0001234"), (-0.0001234, "-0.0001234"),
    (1 / 3, "0.333333333"), (-2 / 3, "-0.666666667"), (1234567.891234, "1234567.891"), (0.1 + 0.2, "0.3"),
    (2 ** 31, "2147483648"), (-7, "-7"),
])
def test_general_shows_numbers_as_excel_does(value, shown):
    assert shown_text(value, "General") == shown


def test_a_general_number_is_stored_as_excel_shows_it(db, clock, editor):
    row = ROW[:]
    row[COLUMN["选项A"] - 1] = 1.5e20
    row[COLUMN["选项B"] - 1] = 1 / 3
    row[COLUMN["选项D"] - 1] = -0.0001234
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.errors == [] and stored(db)[0].options == ["1.5E+20", "0.333333333", "记过", "-0.0001234"]


@pytest.mark.parametrize("number", [110101199003071234, 1.1010119900307123e17, 6222021234567890, 123456789012])
def test_a_long_number_excel_rounded_is_refused_naming_its_cell(db, clock, editor, number):
    row = ROW[:]
    row[COLUMN["法律依据"] - 1] = number  # a document or case number typed as a number
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.batch is None and stored(db) == []
    assert any("row 2, column K" in p and "文本" in p and "E+" in p for p in problems(report)), problems(report)


def test_a_long_number_formatted_to_show_every_digit_is_read_as_shown(db, clock, editor):
    book = questions_book([ROW[:]])
    cell = book["题库"].cell(2, COLUMN["法律依据"])
    cell.value, cell.number_format = 123456789012, "0"
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == [] and stored(db)[0].legal_basis == "123456789012"


# --- the CSV formula guard: only in our own export --------------------------------------------------

def test_an_apostrophe_in_a_csv_we_did_not_write_is_the_authors_text(db, clock, editor):
    text = ("题型,题干,选项A,选项B,选项C,答案,分类\r\n"
            "单选,'=A1 在单元格里显示为什么？,'+1,'-1,'@用户,A,杂项\r\n")
    for data, name in ((text.encode("utf-8"), "q.csv"), (b"\xef\xbb\xbf" + text.encode("utf-8"), "bom.csv"),
                       (text.replace(",", "\t").encode("utf-16"), "unicode.txt")):
        report = run(db, clock, editor, data, name=name)
        assert report.errors == [] and report.notes == [], problems(report)
        version = stored(db)[-1]
        assert version.stem == "'=A1 在单元格里显示为什么？" and version.options == ["'+1", "'-1", "'@用户"]


def test_our_csv_export_marks_itself_and_reads_back_whole_even_texts_beginning_with_an_apostrophe(db, clock,
                                                                                                 editor):
    import io

    from question_bank.drafts import QuestionDraft
    from question_bank.services import authoring, exporting
    from question_bank.services.exporting import Selection

    draft = QuestionDraft("single_choice", "'=A1 里的撇号是题干的一部分", ["=等于", "'-1", "+加", "普通"], ["D"], "杂项")
    authoring.create_question(db, clock, editor, draft)
    db.commit()
    out = io.BytesIO()
    exporting.export_questions(db, clock, editor, "csv", Selection(), out)
    db.commit()
    text = out.getvalue().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("examsvc 题库导出") and text.splitlines()[1].startswith("题型,")
    assert "''=A1" in text and "'=等于" in text
    report = importing.import_questions(db, clock, editor, "导出.csv", out.getvalue(), repeats=importing.KEEP_REPEATS)
    db.commit()
    assert report.errors == [] and report.notices == [], [str(n) for n in report.notices]
    copy = stored(db)[-1]
    assert copy.stem == "'=A1 里的撇号是题干的一部分" and copy.options == ["=等于", "'-1", "+加", "普通"]
    # Without the mark (an author's own CSV that happens to look like ours) nothing is taken off.
    unmarked = "\r\n".join(text.splitlines()[1:]).encode("utf-8")
    report = importing.import_questions(db, clock, editor, "自己的.csv", unmarked, repeats=importing.KEEP_REPEATS)
    db.commit()
    assert report.notes == [] and stored(db)[-1].stem == "''=A1 里的撇号是题干的一部分"
    assert stored(db)[-1].options[0] == "'=等于"


# --- one bad sheet among good ones ------------------------------------------------------------------

def _two_sheets_one_without_a_key_column():
    book = questions_book([numbered(1), numbered(2)], title="单选题")
    judge = book.create_sheet("判断题")
    judge.append(["题型", "题干", "解析", "分类"])  # no 答案 column: the sheet cannot be read
    judge.append(["判断", "行政处罚由行政机关实施。", "", "行政处罚法"])
    return book


def test_in_valid_rows_mode_a_sheet_that_cannot_be_read_is_named_and_the_others_go_in(db, clock, editor):
    report = run(db, clock, editor, book_bytes(_two_sheets_one_without_a_key_column()), mode=VALID_ONLY)
    assert report.imported == 2 and len(stored(db)) == 2
    assert any("判断题" in p and "答案" in p and "not read" in p for p in problems(report)), problems(report)
    assert report.batch.report["sheets"] == ["单选题"]
    assert "判断题" in str(report.batch.report["errors"])


def test_in_all_or_nothing_mode_that_sheet_refuses_the_file_naming_it(db, clock, editor):
    report = run(db, clock, editor, book_bytes(_two_sheets_one_without_a_key_column()))
    assert report.batch is None and stored(db) == []
    assert any("判断题" in p and "答案" in p for p in problems(report)), problems(report)


@pytest.mark.parametrize("column", [41, 45, 200])  # the last column read is 40; 41 was the only one seen before
def test_in_valid_rows_mode_a_sheet_with_content_beyond_the_last_column_is_named_and_the_others_go_in(
        db, clock, editor, column):
    book = questions_book([numbered(1)], title="单选题")
    wide = book.create_sheet("多选题")
    wide.append(list(QUESTION_HEADER))
    wide.append(numbered(2, "多选")[:6] + ["AB"] + numbered(2)[7:])
    wide.cell(2, column).value = "远在右边的内容"
    report = run(db, clock, editor, book_bytes(book), mode=VALID_ONLY)
    assert report.imported == 1 and [v.stem for v in stored(db)] == [f"第1题：{ROW[1]}"]
    assert any("多选题" in p and "beyond column 40" in p for p in problems(report)), problems(report)


# --- what the author cannot see ---------------------------------------------------------------------

SHEET_PART = "xl/worksheets/sheet1.xml"


def _three_rows():
    return questions_book([numbered(1), numbered(2), numbered(3)])


def _hide_row_by_hand(book):
    book["题库"].row_dimensions[3].hidden = True
    return book_bytes(book)


def _filter_row_out(book):
    sheet = book["题库"]
    sheet.auto_filter.ref = f"A1:M4"
    sheet.row_dimensions[3].hidden = True  # what Excel saves for a row its filter leaves out
    return book_bytes(book)


def _collapse_row_group(book):
    sheet = book["题库"]
    sheet.row_dimensions[3].outlineLevel = 1
    sheet.row_dimensions[3].hidden = True
    return book_bytes(book)


def _row_of_height_zero(book):
    # openpyxl does not write a height of 0; WPS and scripts do.
    return rewrite_part(book_bytes(book), SHEET_PART,
                        lambda xml: xml.replace(b'<row r="3"', b'<row r="3" ht="0" customHeight="1"'))


def _hide_rows_by_default(book):
    # Excel's "hide every unused row": rows are hidden unless they have a height of their own.
    sheet = book["题库"]
    sheet.sheet_format.zeroHeight = True
    for number in (1, 2, 4):
        sheet.row_dimensions[number].height = 15
    return book_bytes(book)


def _hide_rows_by_default_showing_one_by_its_flag(book):
    sheet = book["题库"]
    sheet.sheet_format.zeroHeight = True
    return rewrite_part(book_bytes(book), SHEET_PART, lambda xml: xml.replace(b'<row r="1"', b'<row r="1" hidden="0"')
                        .replace(b'<row r="2"', b'<row r="2" hidden="0"').replace(b'<row r="4"', b'<row r="4" hidden="0"'))


@pytest.mark.parametrize("hide, why", [
    (_hide_row_by_hand, "is hidden"), (_filter_row_out, "filtered out"), (_collapse_row_group, "collapsed group"),
    (_row_of_height_zero, "height of 0"), (_hide_rows_by_default, "is hidden"),
    (_hide_rows_by_default_showing_one_by_its_flag, "is hidden"),
])
def test_a_row_the_author_cannot_see_is_refused_naming_its_sheet_and_row(db, clock, editor, hide, why):
    data = hide(_three_rows())
    report = run(db, clock, editor, data)
    assert report.batch is None and stored(db) == []
    assert any("sheet 题库, row 3" in p and why in p for p in problems(report)), problems(report)
    # In valid-rows mode the visible rows go in, the hidden one is left out and named.
    report = run(db, clock, editor, data, mode=VALID_ONLY)
    assert report.imported == 2 and [v.stem for v in stored(db)] == [f"第1题：{ROW[1]}", f"第3题：{ROW[1]}"]
    assert any("row 3" in p and why in p for p in problems(report))


def _hide_column_by_hand(book):
    book["题库"].column_dimensions["F"].hidden = True
    return book_bytes(book)


def _collapse_column_group(book):
    book["题库"].column_dimensions["F"].outlineLevel = 1
    book["题库"].column_dimensions["F"].hidden = True
    return book_bytes(book)


def _column_of_width_zero(book):
    return rewrite_part(book_bytes(book), SHEET_PART, lambda xml: xml.replace(
        b"<sheetData>", b'<cols><col min="6" max="6" width="0" customWidth="1"/></cols><sheetData>'))


@pytest.mark.parametrize("hide, why", [
    (_hide_column_by_hand, "hidden column F"), (_collapse_column_group, "collapsed group"),
    (_column_of_width_zero, "width 0"),
])
def test_a_filled_cell_of_a_hidden_column_is_refused_naming_the_cell(db, clock, editor, hide, why):
    report = run(db, clock, editor, hide(_three_rows()))
    assert report.batch is None and stored(db) == []
    found = [p for p in problems(report) if why in p]
    assert len(found) == 3 and all("column F (选项D)" in p for p in found), problems(report)


def test_a_hidden_column_the_template_does_not_read_stays_a_notice_and_an_empty_hidden_column_is_no_problem(
        db, clock, editor):
    book = questions_book([numbered(1)], header=QUESTION_HEADER + ("备注",))
    book["题库"].cell(2, len(QUESTION_HEADER) + 1).value = "内部备注"
    book["题库"].column_dimensions["N"].hidden = True
    book["题库"].column_dimensions["O"].hidden = True  # empty
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == [] and report.imported == 1
    assert any("备注" in str(n) for n in report.notices)


# --- merged cells -----------------------------------------------------------------------------------

def test_a_type_and_a_category_merged_down_their_rows_are_read_on_every_row(db, clock, editor):
    rows = [numbered(1), numbered(2), numbered(3)]
    for row in rows[1:]:
        row[COLUMN["题型"] - 1] = None
        row[COLUMN["分类"] - 1] = None
    book = questions_book(rows)
    sheet = book["题库"]
    sheet.merge_cells(start_row=2, end_row=4, start_column=COLUMN["题型"], end_column=COLUMN["题型"])
    sheet.merge_cells(start_row=2, end_row=4, start_column=COLUMN["分类"], end_column=COLUMN["分类"])
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == [] and report.imported == 3, problems(report)
    assert {v.qtype for v in stored(db)} == {"single_choice"}
    assert all(q.category.name == "总则" for q in (v.question for v in stored(db)))
    assert any("A2:A4" in str(n) and "2 to 4" in str(n) for n in report.notices)
    assert any("L2:L4" in str(n) for n in report.notices)


def test_a_merge_across_two_read_columns_is_refused_naming_the_range(db, clock, editor):
    rows = [numbered(1), numbered(2)]
    rows[1][COLUMN["选项A"] - 1] = None
    book = questions_book(rows)
    book["题库"].merge_cells("B3:C3")  # the stem spread over 题干 and 选项A
    report = run(db, clock, editor, book_bytes(book), mode=VALID_ONLY)
    assert report.imported == 1
    assert any("row 3" in p and "B3:C3" in p and "题干、选项A" in p for p in problems(report)), problems(report)


def test_a_block_merge_fills_its_first_column_and_refuses_where_it_spans_read_columns(db, clock, editor):
    rows = [numbered(1), numbered(2)]
    rows[1][COLUMN["选项C"] - 1] = None
    rows[1][COLUMN["选项D"] - 1] = None
    rows[0][COLUMN["选项D"] - 1] = None
    book = questions_book(rows)
    book["题库"].merge_cells("E2:F3")  # 选项C and 选项D over two rows
    report = run(db, clock, editor, book_bytes(book))
    assert report.batch is None
    assert any("row 2" in p and "E2:F3" in p for p in problems(report)), problems(report)
    assert any("row 3" in p and "E2:F3" in p for p in problems(report)), problems(report)


def test_a_title_merged_across_the_top_is_no_problem(db, clock, editor):
    book = questions_book([numbered(1)])
    sheet = book["题库"]
    sheet.insert_rows(1)
    sheet["A1"] = "2026年度领导干部学法用法考试题库"
    sheet.merge_cells("A1:M1")
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == [] and report.imported == 1, problems(report)


# --- the same kinds in the roster, account and study-list readers -----------------------------------

def _roster_book():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["姓名", "身份证号", "单位"])
    sheet.append(["张三", "11010519491231002X", "司法局"])
    sheet.append(["李四", "110105194912310037", None])
    sheet.append(["王五", "110105194912310053", None])
    return book


def test_a_roster_row_the_author_hid_is_refused_naming_it_and_a_hidden_first_sheet_is_not_read():
    from question_bank.errors import InvalidInput
    from question_bank.formats.roster_file import read_roster_file

    book = _roster_book()
    book["名单"].row_dimensions[3].hidden = True
    with pytest.raises(InvalidInput) as refused:
        read_roster_file("名单.xlsx", book_bytes(book))
    assert [(p.place.sheet, p.place.row) for p in refused.value.problems] == [("名单", 3)]
    assert "hidden" in str(refused.value.problems[0])

    book = _roster_book()
    old = book.create_sheet("旧名单", 0)
    old.append(["姓名", "身份证号"])
    old.append(["赵六", "110105194912310061"])
    old.sheet_state = "hidden"
    roster = read_roster_file("名单.xlsx", book_bytes(book))
    assert roster.sheet == "名单" and [r.values["name"] for r in roster.rows] == ["张三", "李四", "王五"]


def test_a_roster_unit_merged_down_its_rows_is_read_on_every_row():
    from question_bank.formats.roster_file import read_roster_file

    book = _roster_book()
    book["名单"].merge_cells("C2:C4")
    roster = read_roster_file("名单.xlsx", book_bytes(book))
    assert [r.values["unit"] for r in roster.rows] == ["司法局"] * 3


def test_a_roster_id_number_in_a_hidden_column_is_refused_naming_the_cell():
    from question_bank.errors import InvalidInput
    from question_bank.formats.roster_file import read_roster_file

    book = _roster_book()
    book["名单"].column_dimensions["B"].hidden = True
    with pytest.raises(InvalidInput) as refused:
        read_roster_file("名单.xlsx", book_bytes(book))
    assert {(p.place.row, p.place.column, p.place.header) for p in refused.value.problems} == {
        (2, "B", "身份证号"), (3, "B", "身份证号"), (4, "B", "身份证号")}


def test_a_study_list_item_filtered_out_is_refused_naming_its_row():
    from question_bank.errors import InvalidInput
    from question_bank.formats.study_list_file import read_list_file
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "学法清单"
    for row in [("2026年度测试清单",), ("适用范围：测试",), ("序号", "法律法规名称", "学习范围", "学习要求", "学时", "备注"),
                (1, "行政处罚法", "全文", "精学", 2, None), (2, "行政许可法", "全文", "精学", 2, None)]:
        sheet.append(list(row))
    sheet.auto_filter.ref = "A3:F5"
    sheet.row_dimensions[5].hidden = True
    with pytest.raises(InvalidInput) as refused:
        read_list_file("list.xlsx", book_bytes(book))
    assert [(p.place.sheet, p.place.row) for p in refused.value.problems] == [("学法清单", 5)]
    assert "filtered out" in str(refused.value.problems[0])


def test_an_id_number_typed_as_a_number_is_refused_even_when_formatted_to_show_all_its_digits(db, clock, editor):
    book = questions_book([ROW[:]])
    cell = book["题库"].cell(2, COLUMN["法律依据"])
    cell.value, cell.number_format = 110101199003071234, "0"  # Excel shows 110101199003071000
    report = run(db, clock, editor, book_bytes(book))
    assert report.batch is None and stored(db) == []
    assert any("row 2, column K" in p and "15 digits" in p for p in problems(report)), problems(report)


@pytest.mark.parametrize("typed, shown", [(110101199003078888, "110101199003079000"),
                                          (110101199003071234, "110101199003071000"),
                                          (1234567890123456789, "1234567890123460000")])
def test_a_long_number_in_a_format_showing_every_digit_is_refused_with_the_figure_excel_shows(db, clock, editor, typed,
                                                                                              shown):
    book = questions_book([ROW[:]])
    cell = book["题库"].cell(2, COLUMN["法律依据"])
    cell.value, cell.number_format = typed, "0"
    report = run(db, clock, editor, book_bytes(book))
    assert [p for p in problems(report) if "row 2" in p] == [
        f"q.xlsx, sheet 题库, row 2, column K (法律依据): this cell holds a number of more than 15 digits, which Excel "
        f"shows as {shown}: Excel keeps only 15 digits of a number and turned the rest into zeros, so it is not what "
        "was typed; format the cell as 文本 (Text) and type the number again"]


@pytest.mark.parametrize("column", ["选项A", "选项B"])
def test_a_long_general_number_in_an_option_is_refused_once_for_what_general_shows_and_nothing_follows(
        db, clock, editor, column):
    book = questions_book([ROW[:]])
    book["题库"].cell(2, COLUMN[column]).value = 123456789012
    book["题库"].cell(2, COLUMN["答案"]).value = column[-1]  # the key names the refused option
    report = run(db, clock, editor, book_bytes(book))
    letter = {"选项A": "C", "选项B": "D"}[column]
    assert problems(report) == [
        f"q.xlsx, sheet 题库, row 2, column {letter} ({column}): this cell holds the long number 123456789012 as a "
        "number, which Excel's General format shows as 1.23457E+11, hiding its digits; format the cell as 文本 (Text) "
        "and type the number again"]


@pytest.mark.parametrize("value, number_format", [("记过", ";;;"), (-2, "0;;0")])
def test_a_cell_whose_format_hides_it_is_refused_naming_the_cell(db, clock, editor, value, number_format):
    # Excel shows the cell empty: storing the value would store what the author never saw.
    book = questions_book([ROW[:]])
    cell = book["题库"].cell(2, COLUMN["选项C"])
    cell.value, cell.number_format = value, number_format
    report = run(db, clock, editor, book_bytes(book))
    assert report.batch is None and stored(db) == []
    assert [p for p in problems(report) if "row 2, column E" in p and "hides its value" in p and number_format in p], \
        problems(report)


def test_a_date_in_a_chinese_weekday_format_is_read_as_the_weekday_excel_shows(db, clock, editor):
    book = questions_book([ROW[:]])
    cell = book["题库"].cell(2, COLUMN["解析"])
    cell.value, cell.number_format = 46086, 'm"月"d"日" aaaa'  # 2026-03-05, a Thursday
    report = run(db, clock, editor, book_bytes(book))
    assert not report.errors, problems(report)
    [version] = stored(db)
    assert version.explanation == "3月5日 星期四"
