"""Import that never changes what the author saw (issue 5; domain.md §3; cases C-13, C-27): the sheet
read is the one the author means, every filled cell is read or refused, a cell reads as Excel
shows it, the common layouts are read, and repeated or keyless options are refused with their row.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from question_bank.models import ImportBatch, Question, QuestionVersion, Role
from question_bank.services import importing
from question_bank.services.importing import ALL_OR_NOTHING, VALID_ONLY
from tests.factories import QUESTION_HEADER, book_bytes, questions_book
from tests.hostile_files import rewrite_part
from tests.shared_data import SHARED

ROW = ["单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2"]
COLUMN = {name: QUESTION_HEADER.index(name) + 1 for name in QUESTION_HEADER}


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def numbered(n: int, qtype: str = "单选") -> list:
    return [qtype, f"第{n}题：{ROW[1]}"] + ROW[2:]


def run(db, clock, editor, data, name="q.xlsx", mode=ALL_OR_NOTHING):
    report = importing.import_questions(db, clock, editor, name, data, mode)
    db.commit()
    return report


def stored(db) -> list[QuestionVersion]:
    return db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()


def bank_size(db) -> tuple[int, int]:
    return (db.scalar(select(func.count()).select_from(Question)),
            db.scalar(select(func.count()).select_from(ImportBatch)))


def reasons(report) -> list[str]:
    return [f"{p.place} :: {str(p).split(': ', 1)[-1]}" for p in report.errors]


def notices(report) -> list[str]:
    return [str(p) for p in report.notices]


# --- the sheet the author means --------------------------------------------------------------------

def test_a_hidden_sheet_is_never_read_in_place_of_the_visible_one_and_is_named(db, clock, editor):
    book = questions_book([numbered(2)], title="新题")
    old = book.create_sheet("题库", 0)  # first in the file, with a valid header, but hidden
    old.append(list(QUESTION_HEADER))
    old.append(numbered(99))
    old.sheet_state = "hidden"
    secret = book.create_sheet("密", 1)
    secret.append(list(QUESTION_HEADER))
    secret.append(numbered(98))
    secret.sheet_state = "veryHidden"
    report = run(db, clock, editor, book_bytes(book))
    assert report.imported == 1 and [v.stem for v in stored(db)] == [f"第2题：{ROW[1]}"]
    assert any("题库" in n and "hidden" in n for n in notices(report))
    assert any("密" in n and "hidden" in n for n in notices(report))
    assert report.batch.report["sheets"] == ["新题"]


def test_questions_only_on_a_hidden_sheet_are_refused_naming_it(db, clock, editor):
    book = questions_book([numbered(2)], title="题库")
    book.create_sheet("说明").append(["请在题库表中填写"])
    book["题库"].sheet_state = "hidden"
    report = run(db, clock, editor, book_bytes(book))
    assert report.refused and bank_size(db) == (0, 0)
    assert "hidden sheet 题库" in str(report.errors[0])


def test_questions_spread_over_sheets_by_type_are_all_read_and_problems_name_their_sheet(db, clock, editor):
    no_type = tuple(h for h in QUESTION_HEADER if h != "题型")
    book = Workbook()
    single = book.active
    single.title = "单选题"
    single.append(list(no_type))
    single.append(numbered(2)[1:])
    multiple = book.create_sheet("多选题")
    multiple.append(list(no_type))
    multiple.append([f"下列属于行政处罚的是（ ）"] + ROW[2:6] + ["A,B"] + ROW[7:])
    multiple.append(["下列属于行政处罚种类的是（ ）"] + ROW[2:6] + ["Z"] + ROW[7:])  # bad key, row 3
    judge = book.create_sheet("判断题")
    judge.append(list(no_type))
    judge.append(["行政处罚由行政机关实施。", "", "", "", "", "对"] + ROW[7:])
    report = run(db, clock, editor, book_bytes(book), mode=VALID_ONLY)
    assert report.imported == 3
    assert sorted(v.qtype for v in stored(db)) == ["multiple_choice", "single_choice", "true_false"]
    [problem] = report.errors
    assert problem.place.sheet == "多选题" and problem.place.row == 3 and problem.place.column == "F"
    assert report.batch.report["sheets"] == ["单选题", "多选题", "判断题"]


def test_a_sheet_that_looks_like_questions_but_has_no_header_is_named_in_the_report(db, clock, editor):
    book = questions_book([numbered(2)])
    stray = book.create_sheet("判断题")
    stray.append(["行政处罚由行政机关实施。", "对"])  # no header row: not read, but said so
    book.create_sheet("说明").append(["每行一题"])  # not questions, but filled: named too (issue 5 trial)
    report = run(db, clock, editor, book_bytes(book))
    assert report.imported == 1
    assert [n for n in notices(report) if "判断题" in n and "not read" in n]
    assert [n for n in notices(report) if "说明" in n and "its 1 filled rows were not imported" in n]


# --- every filled cell read or refused ------------------------------------------------------------

def test_a_ninth_option_refuses_its_row_and_an_unknown_column_is_named_with_its_cells(db, clock, editor):
    header = QUESTION_HEADER + ("选项I", "备注")
    rows = [numbered(2) + ["", "张三出题"], numbered(3) + ["以上都不是", ""], numbered(4) + ["", ""]]
    report = run(db, clock, editor, book_bytes(questions_book(rows, header=header)), mode=VALID_ONLY)
    assert report.imported == 2
    assert reasons(report) == ["q.xlsx, sheet 题库, row 3, column N (选项I) :: option I is filled in, but a "
                               "question has at most 8 options (A–H); merge options or split the question"]
    [note] = [n for n in notices(report) if "备注" in n]
    assert "1 filled cells (rows 2)" in note and "column O" in note
    assert report.batch.report["notices"]


@pytest.mark.parametrize("numbers,ninth", [
    ("一二三四五六七八", "选项九"), ("12345678", "选项9"), ("12345678", "选项１０"), ("一二三四五六七八", "选项十"),
])
def test_a_numbered_option_past_eight_refuses_its_row_like_option_i(db, clock, editor, numbers, ninth):
    # 选项一 … 选项八 (or 选项1 … 选项8) are options A … H; a further numbered option is a ninth option,
    # refused like 选项I, never dropped as a column the template does not know.
    header = ("题型", "题干", *(f"选项{n}" for n in numbers), ninth, "答案", "分类")
    eight = ["警告", "通报批评", "罚款", "没收违法所得", "暂扣许可证件", "降低资质等级", "行政拘留", "责令关闭"]
    rows = [["单选", "第2题：下列哪一项是行政处罚？", *eight, "", "A", "行政处罚法"],
            ["单选", "第3题：下列哪一项是行政处罚？", *eight, "以上都是", "A", "行政处罚法"]]
    report = run(db, clock, editor, book_bytes(questions_book(rows, header=header)), mode=VALID_ONLY)
    assert report.imported == 1
    letter = "J" if ninth in ("选项１０", "选项十") else "I"
    assert reasons(report) == [f"q.xlsx, sheet 题库, row 3, column K ({ninth}) :: option {letter} is filled in, but a "
                               "question has at most 8 options (A–H); merge options or split the question"]
    assert not [n for n in notices(report) if ninth in n]


def test_a_filled_cell_under_no_header_is_named(db, clock, editor):
    rows = [numbered(2) + ["", "多写的一格"]]
    report = run(db, clock, editor, book_bytes(questions_book(rows)))
    [note] = notices(report)
    assert "column O has no header" in note and "rows 2" in note


# --- a cell read as Excel shows it (C-27) ---------------------------------------------------------

def test_c27_dates_percentages_and_other_formats_are_stored_as_excel_shows_them(db, clock, editor):
    book = questions_book([ROW[:], ROW[:]])
    sheet = book["题库"]
    sheet.cell(2, COLUMN["知识点"]).value = dt.datetime(2026, 3, 1)
    sheet.cell(2, COLUMN["知识点"]).number_format = 'm"月"d"日"'
    for letter, value in zip("ABCD", (0.05, 0.1, 0.2, 0.3)):
        sheet.cell(2, COLUMN[f"选项{letter}"]).value = value
        sheet.cell(2, COLUMN[f"选项{letter}"]).number_format = "0%"
    formats = {"选项A": (1234567.5, "#,##0.00"), "选项B": (1.5, "# ?/?"), "选项C": (2000, '"¥"#,##0'),
               "选项D": (dt.time(9, 30), "h:mm"), "解析": (0.125, "0.0%"), "分值": (2, "0")}
    for name, (value, number_format) in formats.items():
        sheet.cell(3, COLUMN[name]).value = value
        sheet.cell(3, COLUMN[name]).number_format = number_format
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == []
    first, second = stored(db)
    assert first.options == ["5%", "10%", "20%", "30%"] and first.tags == ["3月1日"]
    assert second.options == ["1,234,567.50", "1 1/2", "¥2,000", "9:30"] and second.explanation == "12.5%"


def test_c27_an_error_value_is_refused_naming_its_cell_and_nothing_is_stored(db, clock, editor):
    book = questions_book([numbered(2), numbered(3)])
    for row, error in ((2, "#N/A"), (3, "#REF!")):
        cell = book["题库"].cell(row, COLUMN["解析"])
        cell.value = error
        cell.data_type = "e"
    report = run(db, clock, editor, book_bytes(book))
    assert report.refused and bank_size(db) == (0, 0)
    assert [(p.place.sheet, p.place.row, p.place.column) for p in report.errors] == [("题库", 2, "H"), ("题库", 3, "H")]
    assert "#N/A" in reasons(report)[0] and "#REF!" in reasons(report)[1]


def test_c27_a_format_that_cannot_be_applied_exactly_is_refused_not_guessed(db, clock, editor):
    book = questions_book([numbered(2)])
    cell = book["题库"].cell(2, COLUMN["选项A"])
    cell.value = 150
    cell.number_format = '[>100]"多";"少"'
    report = run(db, clock, editor, book_bytes(book))
    assert report.refused
    assert "column C (选项A)" in reasons(report)[0] and "文本 (Text)" in reasons(report)[0]


def _with_builtin_format(data: bytes, format_id: int) -> bytes:
    """The workbook with its custom number format replaced by the built-in ``format_id``, which a
    Chinese Excel writes by id only (as it does for a date typed 3月1日)."""
    def change(styles: bytes) -> bytes:
        styles = re.sub(rb'numFmtId="16\d"', f'numFmtId="{format_id}"'.encode(), styles)
        return re.sub(rb"<numFmts.*?</numFmts>", b"", styles, flags=re.S)

    return rewrite_part(data, "xl/styles.xml", change)


def test_c27_a_date_in_a_chinese_builtin_format_reads_as_shown(db, clock, editor):
    book = questions_book([numbered(2)])
    cell = book["题库"].cell(2, COLUMN["知识点"])
    cell.value = 46082  # 2026-03-01 as Excel stores it
    cell.number_format = "0.000"
    report = run(db, clock, editor, _with_builtin_format(book_bytes(book), 58))
    assert report.errors == [] and stored(db)[0].tags == ["3月1日"]


def test_a_formula_cell_without_a_saved_value_is_refused_never_evaluated(db, clock, editor):
    book = questions_book([numbered(2)])
    book["题库"].cell(2, COLUMN["选项B"]).value = '="罚"&"款"'
    report = run(db, clock, editor, book_bytes(book))
    assert report.refused and "formula" in reasons(report)[0] and "column D (选项B)" in reasons(report)[0]


# --- common layouts -------------------------------------------------------------------------------

def test_title_and_note_rows_above_a_header_with_other_spellings_are_read(db, clock, editor):
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["2026年度领导干部学法用法考试题库"])
    sheet.append(["填写说明：每行一题，答案填字母"])
    sheet.append([])
    sheet.append(["题目类型", "题目", "A选项", "选项Ｂ", "C", "D选项", "正确答案", "答案解析", "分类"])
    sheet.append(["单选", "行政处罚的种类不包括（ ）", "A.警告", "B、罚款", "（C）记过", "D．行政拘留", "C", "", "行政处罚法"])
    report = run(db, clock, editor, book_bytes(book))
    assert report.errors == [] and report.imported == 1
    [version] = stored(db)
    assert version.options == ["警告", "罚款", "记过", "行政拘留"] and version.key == ["C"]
    assert any("rows 1、2 above the header row" in n for n in notices(report))


def test_reference_answer_headed_key_column_is_the_key(db, clock, editor):
    header = ("题型", "题干", "选项A", "选项B", "参考答案", "分类")
    rows = [["单选", "行政处罚由谁实施？", "行政机关", "人民法院", "A", "行政处罚法"]]
    report = run(db, clock, editor, book_bytes(questions_book(rows, header=header)))
    assert report.errors == [] and stored(db)[0].key == ["A"]


#: The other options of ROW each with its own label, in three styles.
LABELLED_BCD = ["B、罚款", "（C）记过", "D．行政拘留"]


@pytest.mark.parametrize("text", ["A.B两项都对", "B罚款", "B. A类企业", "A. B.另一字母"])
def test_a_text_that_only_looks_labelled_is_kept_when_no_option_carries_a_label(db, clock, editor, text):
    # A plain "A." before a Latin letter is an abbreviation, a letter not set off is the author's.
    row = ROW[:]
    row[COLUMN["选项A"] - 1] = text
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.errors == [] and stored(db)[0].options[0] == text
    assert not any("option labels" in n for n in map(str, report.notes))


@pytest.mark.parametrize("text, kept", [
    ("(A) 警告", "警告"),
    ("A：警告", "警告"),
    ("A.B两项都对", "B两项都对"),  # among labelled options "A." is a label, whatever follows it
    ("A. A.双重标签", "A.双重标签"),  # exactly one label is taken off each option
    ("A.A.双重标签", "A.双重标签"),
    ("（A）A、双重标签", "A、双重标签"),
    ("A. B.另一字母", "B.另一字母"),
])
def test_labels_are_taken_off_every_option_when_every_option_carries_its_own_in_order(db, clock, editor, text,
                                                                                      kept):
    row = ROW[:]
    row[COLUMN["选项A"] - 1:COLUMN["选项D"]] = [text, *LABELLED_BCD]
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.errors == [] and stored(db)[0].options == [kept, "罚款", "记过", "行政拘留"]
    [note] = [str(n) for n in report.notes if "option labels" in str(n)]
    assert "row 2" in note and "选项A、选项B、选项C、选项D" in note


@pytest.mark.parametrize("options, kept", [
    (["A.甲", "B.乙", "C.A和B", "D.A、B均不对"], ["甲", "乙", "A和B", "A、B均不对"]),
    (["A. B两项", "B. 乙", "C. 丙", "D. 丁"], ["B两项", "乙", "丙", "丁"]),
])
def test_an_option_whose_label_is_followed_by_a_latin_letter_loses_it_with_the_others_never_half(
        db, clock, editor, options, kept):
    for name in ("q.xlsx", "q.csv"):
        row = ROW[:]
        row[1] = f"{name}：{ROW[1]}"
        row[COLUMN["选项A"] - 1:COLUMN["选项D"]] = options
        data = (book_bytes(questions_book([row])) if name == "q.xlsx"
                else "\r\n".join(",".join(r) for r in [QUESTION_HEADER, row]).encode())
        report = run(db, clock, editor, data, name=name)
        assert report.errors == [] and stored(db)[-1].options == kept, name


@pytest.mark.parametrize("options, refused", [
    (["(A) 警告", "罚款", "记过", "行政拘留"], "BCD"),  # only one option labelled
    (["A.警告", "B.罚款", "记过", "D.行政拘留"], "C"),  # one left out
    (["B罚款", *LABELLED_BCD], "A"),  # a letter not set off is no label
])
def test_labels_on_only_some_options_refuse_the_row_naming_each_unlabelled_option(db, clock, editor, options,
                                                                                  refused):
    row = ROW[:]
    row[COLUMN["选项A"] - 1:COLUMN["选项D"]] = options
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.refused and bank_size(db) == (0, 0)
    assert [p.place.header for p in report.errors] == [f"选项{letter}" for letter in refused]
    assert all("has no label" in str(p) for p in report.errors)


@pytest.mark.parametrize("options, letter, other", [
    (["A.甲", "B.乙", "D.A和B", "C.丁"], "C", "D"),
    (["B. A类企业", *LABELLED_BCD], "A", "B"),
])
def test_labels_out_of_order_refuse_the_row_naming_the_option_and_both_letters(db, clock, editor, options, letter,
                                                                             other):
    row = ROW[:]
    row[COLUMN["选项A"] - 1:COLUMN["选项D"]] = options
    report = run(db, clock, editor, book_bytes(questions_book([row])))
    assert report.refused and bank_size(db) == (0, 0)
    problem = report.errors[0]
    assert problem.place.header == f"选项{letter}"
    assert f"option {letter} begins with" in str(problem) and f"the label of option {other}" in str(problem)


#: Labels of another option, in the styles the import takes off an option's own label: each contradicts
#: the column it is in (issue 5, F2).
#: (the text before 警告, the label the message shows, its letter).
OTHER_LABELS = [("C、", "C、", "C"), ("（C）", "（C）", "C"), ("C.", "C.", "C"), ("C．", "C．", "C"), ("Ｃ．", "Ｃ．", "C"),
                ("c. ", "c.", "C"), ("(C) ", "(C)", "C"), ("C：", "C：", "C"), ("C)", "C)", "C"),
                ("（D）、", "（D）、", "D"), ("H.", "H.", "H"), ("A、", "A、", "A"), ("C. C.", "C.", "C")]


@pytest.mark.parametrize("label, shown, letter", OTHER_LABELS)
@pytest.mark.parametrize("name", ["q.xlsx", "q.csv"])
def test_an_option_beginning_with_another_options_label_is_refused_naming_both_letters(
        db, clock, editor, label, shown, letter, name):
    row = ROW[:]
    row[COLUMN["选项B"] - 1] = label + "警告"
    if name == "q.xlsx":
        data = book_bytes(questions_book([ROW, row]))
    else:
        data = "\r\n".join(",".join(r) for r in [QUESTION_HEADER, ROW, row]).encode()
    report = run(db, clock, editor, data, name=name)
    [problem] = report.errors
    sheet = "sheet 题库, " if name == "q.xlsx" else ""
    assert str(problem.place) == f"{name}, {sheet}row 3, column D (选项B)"
    assert f"option B begins with {shown}, the label of option {letter}" in str(problem)
    assert report.refused and bank_size(db) == (0, 0)


def test_an_option_beginning_with_its_own_label_is_still_read_without_it_beside_one_with_another(db, clock, editor):
    own, other = ROW[:], ROW[:]
    own[COLUMN["选项A"] - 1:COLUMN["选项D"]] = ["A.警告", "（B）罚款", "C、记过", "D．行政拘留"]
    other[COLUMN["选项C"] - 1] = "B、记过"
    report = run(db, clock, editor, book_bytes(questions_book([own, other])), mode=VALID_ONLY)
    assert [p.place.row for p in report.errors] == [3] and "option C begins with B、" in str(report.errors[0])
    assert stored(db)[0].options == ["警告", "罚款", "记过", "行政拘留"]


CSV_TEXT = "题型,题干,选项A,选项B,答案,分类\r\n单选,行政处罚由谁实施？,行政机关,人民法院,A,行政处罚法\r\n"


@pytest.mark.parametrize("name, data", [
    ("comma UTF-8", CSV_TEXT.encode("utf-8")),
    ("BOM", b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8")),
    ("semicolon GBK", CSV_TEXT.replace(",", ";").encode("gbk")),
    ("tab GB18030", CSV_TEXT.replace(",", "\t").encode("gb18030")),
    ("UTF-16 Unicode text", CSV_TEXT.replace(",", "\t").encode("utf-16")),
])
def test_csv_in_every_separator_and_encoding_excel_writes_imports_the_same(db, clock, editor, name, data):
    report = run(db, clock, editor, data, name="q.csv")
    assert report.errors == [], name
    [version] = stored(db)
    assert (version.stem, version.options, version.key) == ("行政处罚由谁实施？", ["行政机关", "人民法院"], ["A"])


#: A CSV whose row 3 (line 3) opens a quote in its stem that is never closed; its rows 4 and 5 would be
#: read into that one cell. Each entry: (what follows from line 6 on, the line of a quote that closes
#: nothing, or None).
UNCLOSED = {
    "to the end of the file": ("单选,第三题,甲,乙,A,法\r\n单选,第四题,甲,乙,A,法\r\n", None),
    "to a quoted cell below": ('单选,第三题,甲,乙,A,法\r\n单选,"第四题",甲,乙,A,法\r\n', 7),
    "to a quote inside a cell below": ('单选,第三题,甲,乙,A,法\r\n单选,他说"好",甲,乙,A,法\r\n', 7),
    "with no line end at the end": ("单选,第三题,甲,乙,A,法", None),
}


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("case", UNCLOSED)
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_quote_never_closed_in_a_csv_refuses_the_file_naming_the_row_and_line_it_opened(
        db, clock, editor, case, delimiter, line_end):
    rest, stray = UNCLOSED[case]
    text = (CSV_TEXT + '单选,"行政处罚的种类\r\n不包括,警告,罚款,A,行政处罚法\r\n' + rest)
    # A quoted cell over two lines above it is well closed and moves the line count on by one.
    text = text.replace("单选,行政处罚由谁实施？", '单选,"行政处罚由谁\r\n实施？"')
    data = text.replace(",", delimiter).replace("\r\n", line_end).encode("gb18030")
    report = run(db, clock, editor, data, name="q.csv", mode=VALID_ONLY)
    assert report.refused and bank_size(db) == (0, 0)
    [problem] = report.errors
    assert (problem.place.row, problem.place.line) == (3, 4)
    message = str(problem)
    assert "opened in row 3 (line 4 of the file)" in message
    assert ("is never closed" in message) == (stray is None)
    if stray is not None:
        assert f"a quote on line {stray} neither closes it nor is doubled" in message


@pytest.mark.parametrize("cell", ['"他说""好"""', '"多行\r\n""引号""\r\n文本"', '他说"好"', '""'])
def test_quotes_that_are_closed_or_inside_a_cell_are_read_as_before(db, clock, editor, cell):
    text = CSV_TEXT + f"单选,{cell},甲,乙,A,法\r\n"
    report = run(db, clock, editor, text.encode(), name="q.csv", mode=VALID_ONLY)
    stems = [v.stem for v in stored(db)]
    if cell == '""':
        assert [p.place.row for p in report.errors] == [3] and stems == ["行政处罚由谁实施？"]
    else:
        assert report.errors == [] and stems[1] == {'"他说""好"""': '他说"好"', '他说"好"': '他说"好"'}.get(
            cell, '多行\n"引号"\n文本')


def test_text_named_as_a_workbook_is_told_it_is_not_one(db, clock, editor):
    report = run(db, clock, editor, "这是一份会议纪要\r\n没有表格\r\n".encode(), name="题库.xlsx")
    assert report.refused and "not one" in reasons(report)[0] and "header row" not in reasons(report)[0].split("::")[0]
    assert "No header row" not in reasons(report)[0]


def test_a_text_file_without_separated_cells_is_not_a_csv_table(db, clock, editor):
    report = run(db, clock, editor, "会议纪要\r\n第一项\r\n".encode(), name="题库.csv")
    assert report.refused and "not a CSV table" in reasons(report)[0]


# --- options that make no question ----------------------------------------------------------------

@pytest.mark.parametrize("options, key, reason", [
    (["警告", "罚款", "警告", "拘留"], "A", "options A and C are the same"),
    (["A.警告", "B.罚款", "C．警告", "D.拘留"], "A", "options A and C are the same"),
    (["警告", "罚款", "", ""], "C", "the key names option C, which the question does not have"),
    (["警告", "", "记过", ""], "A", "option B is empty but a later option is filled in"),
])
def test_identical_options_and_a_key_on_an_empty_option_are_refused_with_the_row(db, clock, editor, options, key,
                                                                                   reason):
    row = ROW[:]
    row[COLUMN["选项A"] - 1:COLUMN["选项D"]] = options
    row[COLUMN["答案"] - 1] = key
    report = run(db, clock, editor, book_bytes(questions_book([numbered(2), row])), mode=VALID_ONLY)
    assert report.imported == 1
    assert [p.place.row for p in report.errors] == [3] and reason in reasons(report)[0]


# --- a real bank layout: ExamStack's template (../shared/datasets/exam-import-templates) -------------

EXAMSTACK_FILE = SHARED / "datasets" / "exam-import-templates" / "examstack" / "question.xlsx"


def examstack_with(*rows: list) -> bytes:
    book = load_workbook(EXAMSTACK_FILE)
    for row in rows:
        book["Sheet1"].append(row)
    return book_bytes(book)


def test_the_examstack_template_is_read_as_its_authors_meant_and_its_unknown_columns_named(db, clock, editor):
    # 题目, 类型, 答案, 解析, 选项A–F, 分值, 难度, 所属知识点, 知识类, 出处, 知识点, 知识关键点, 试题解析
    single = ["行政处罚由谁实施？", "单选题", "A", "行政处罚法第十七条", "行政机关", "人民法院", "人民检察院", "", "", "",
              "2", "", "实施机关", "行政处罚法", "", "实施机关", "", "行政处罚法第十七条"]
    differing = ["下列属于行政处罚的是（ ）", "多选题", "AB", "见第九条", "警告", "罚款", "记过", "", "", "", "2", "",
                 "种类", "行政处罚法", "", "种类", "", "另一种解析"]
    report = run(db, clock, editor, examstack_with(single, differing), name="question.xlsx", mode=VALID_ONLY)
    assert report.imported == 1
    [version] = stored(db)
    assert (version.stem, version.options, version.key, version.explanation) == (
        "行政处罚由谁实施？", ["行政机关", "人民法院", "人民检察院"], ["A"], "行政处罚法第十七条")
    assert version.tags == ["实施机关"]
    problems = {(p.place.row, p.place.header): str(p).split(": ", 1)[1] for p in report.errors}
    # The template's own 填空题 example marks no blank; the 解析 twins of row 4 disagree.
    assert "marks no blank" in problems[(2, "题目")]
    assert problems[(4, "试题解析")].startswith("the columns 解析 and 试题解析 both give the same field and differ")
    assert {n.place.header for n in report.notices} == {"出处", "知识关键点"}


def test_c27_a_formula_whose_saved_value_is_an_error_is_refused_and_never_run(db, clock, editor):
    book = questions_book([numbered(2)])
    book["题库"].cell(2, COLUMN["解析"]).value = '=VLOOKUP(A2,说明!A:B,2,FALSE)'

    def saved_error(sheet: bytes) -> bytes:
        # What Excel saves for a lookup that finds nothing: the formula and its cached #N/A.
        return re.sub(rb'<c r="H2"([^>]*)><f>(.*?)</f><v\s*/></c>',
                      rb'<c r="H2"\1 t="e"><f>\2</f><v>#N/A</v></c>', sheet)

    data = rewrite_part(book_bytes(book), "xl/worksheets/sheet1.xml", saved_error)
    report = run(db, clock, editor, data)
    assert report.refused and bank_size(db) == (0, 0)
    [problem] = report.errors
    assert (problem.place.row, problem.place.column) == (2, "H") and "#N/A" in str(problem)


# --- a file of another kind than its name, a CSV's places, very hidden sheets -----------------------

def _csv(rows) -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode("utf-8")


def test_csv_text_named_as_a_workbook_is_read_and_the_person_told_what_it_is(db, clock, editor):
    report = run(db, clock, editor, _csv([QUESTION_HEADER, numbered(2)]), name="题库.xlsx")
    assert report.imported == 1
    assert [str(n) for n in report.notes] == [
        "题库.xlsx: This file is named as an Excel workbook (.xlsx) but holds CSV text (utf-8); it was read as CSV. "
        "Check that this is the file you meant to upload."]


def test_a_workbook_named_as_csv_is_read_and_the_person_told_what_it_is(db, clock, editor):
    report = run(db, clock, editor, book_bytes(questions_book([numbered(2)])), name="题库.csv")
    assert report.imported == 1 and "题库.csv: This file is named as a text file (.csv) but is an Excel workbook" in \
        str(report.notes[0])


@pytest.mark.parametrize("data", [bytes(range(128, 256)) * 4, b"\x09@W\xf7:,\t\xe4\x8f9n\xfd\x9c*ZO\xfd\xc6\xbd\x82" * 20])
def test_bytes_that_are_no_text_named_as_a_workbook_are_said_to_be_no_workbook(db, clock, editor, data):
    report = run(db, clock, editor, data, name="题库.xlsx")
    assert report.refused and [str(p) for p in report.errors] == [
        "题库.xlsx: This file is named as an Excel workbook but is not one (nor a text file). Open it in Excel, save "
        "it as an Excel workbook (.xlsx) and upload that."]


def test_a_csv_header_lacking_a_column_is_placed_on_the_file_and_row_without_a_sheet(db, clock, editor):
    rows = [["题型", "题干", "选项A", "选项B", "答案"], ["单选", "测试无分类", "甲", "乙", "A"]]
    report = run(db, clock, editor, _csv(rows), name="nocat.csv")
    assert report.refused and [str(p) for p in report.errors] == [
        "nocat.csv, row 1: The header row has no column 分类 / category; the file was not read."]


def test_a_very_hidden_sheet_is_said_to_need_the_vba_editor_not_the_unhide_menu(db, clock, editor):
    book = questions_book([numbered(2)], title="新题")
    secret = book.create_sheet("密")
    secret.append(list(QUESTION_HEADER))
    secret.append(numbered(3))
    secret.sheet_state = "veryHidden"
    hint = [n for n in notices(run(db, clock, editor, book_bytes(book))) if "密" in n]
    assert len(hint) == 1 and "very hidden" in hint[0] and "VBA editor" in hint[0] and "unhide it in Excel" not in hint[0]
    book.remove(book["新题"])
    book.create_sheet("说明").append(["请在题库表中填写"])
    report = run(db, clock, editor, book_bytes(book), name="q2.xlsx")
    assert report.refused and "very hidden" in str(report.errors[0]) and "Unhide it in Excel" not in str(report.errors[0])


# --- OOXML escapes in strings ------------------------------------------------------------------------

def test_ooxml_escapes_in_shared_and_inline_strings_are_read_as_excel_shows_them(db, clock, editor):
    # XlsxWriter, pandas and POI store CR, LF and tab as _x000D_, _x000A_, _x0009_ (ECMA-376 Part 1,
    # §22.9.2.19); _x005F_ escapes an underscore, so _x005F_x000D_ shows the seven characters "_x000D_".
    row = numbered(2)
    row[1] = "第一行_x000D__x000A_第二行"
    row[COLUMN["解析"] - 1] = "甲_x0009_乙"
    row[COLUMN["选项D"] - 1] = "行政拘留_x000a_（十日以下）"
    book = questions_book([row])
    book["题库"].cell(2, COLUMN["选项C"]).value = "placeholder"

    def inline(sheet: bytes) -> bytes:
        # Option C as an inline string, as XlsxWriter's and POI's streaming writers store text.
        cell = f'<c r="E2" t="inlineStr"><is><t>记过_x005F_x000D_字面</t></is></c>'.encode()
        return re.sub(rb'<c r="E2"[^>]*>.*?</c>', cell, sheet)

    data = rewrite_part(book_bytes(book), "xl/worksheets/sheet1.xml", inline)
    report = run(db, clock, editor, data)
    assert not report.errors, [str(p) for p in report.errors]
    [version] = stored(db)
    assert version.stem.splitlines() == ["第一行", "第二行"] and "_x000" not in version.stem
    assert version.explanation == "甲\t乙"
    assert version.options[2:] == ["记过_x000D_字面", "行政拘留\n（十日以下）"]
