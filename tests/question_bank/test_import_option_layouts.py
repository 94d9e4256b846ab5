"""Common layouts of the options and the sheets read as their authors mean them (issue 5): options
headed 选项1 … 选项4, one 选项 header over four columns (merged or not), every option in one cell,
a two-row header (选项 over A / B / C / D), and sheet names such as "一、单项选择题" or
"判断（20题）" giving the type; problems on several sheets name their sheet."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from question_bank.models import Question
from question_bank.services import importing
from tests.factories import book_bytes


def book(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(title, []):
            sheet.merge_cells(ref)
    return book_bytes(workbook)


def run(db, clock, editor, data, mode=importing.VALID_ONLY):
    report = importing.import_questions(db, clock, editor, "题库.xlsx", data, mode, importing.KEEP_REPEATS)
    db.commit()
    report.batch_session = db
    return report


def drafts(report) -> list[tuple[str, str, list[str], object]]:
    assert report.batch is not None, report.errors
    return [(q.current_version.qtype, q.current_version.stem, q.current_version.options, q.current_version.key)
            for q in report.batch_session.scalars(select(Question).where(Question.import_batch_id == report.batch.id)
                                                  .order_by(Question.id))]


FOUR = ["警告", "罚款", "记过", "行政拘留"]


@pytest.mark.parametrize("header", [
    ["题型", "题干", "选项1", "选项2", "选项3", "选项4", "答案", "分类"],
    ["题型", "题干", "选项", None, None, None, "答案", "分类"],
    ["题型", "题干", "选项１", "选项２", "选项３", "选项４", "答案", "分类"],
    ["题型", "题干", "选项一", "选项二", "选项三", "选项四", "答案", "分类"],
], ids=["numbered", "one-header-over-four", "numbered-full-width", "numbered-in-chinese"])
def test_numbered_option_headers_and_one_header_over_the_options_read_as_a_to_d(db, clock, editor, header):
    data = book({"题库": [header, ["单选", "行政处罚的种类不包括（ ）", *FOUR, "C", "行政处罚法"]]})
    report = run(db, clock, editor, data, importing.ALL_OR_NOTHING)
    assert report.errors == [] and drafts(report) == [("single_choice", "行政处罚的种类不包括（ ）", FOUR, ["C"])]


def test_one_header_merged_over_the_option_columns_reads_them_in_order(db, clock, editor):
    data = book({"题库": [["题型", "题干", "选项", None, None, None, "答案", "分类"],
                          ["多选", "下列属于行政处罚的有（ ）", *FOUR, "ABD", "行政处罚法"]]}, {"题库": ["C1:F1"]})
    report = run(db, clock, editor, data, importing.ALL_OR_NOTHING)
    assert drafts(report) == [("multiple_choice", "下列属于行政处罚的有（ ）", FOUR, ["A", "B", "D"])]


@pytest.mark.parametrize("cell", ["A.警告 B.罚款 C.记过 D.行政拘留", "A.警告\nB.罚款\nC.记过\nD.行政拘留",
                                  "A、警告 B、罚款 C、记过 D、行政拘留", "（A）警告 （B）罚款 （C）记过 （D）行政拘留"])
def test_every_option_in_one_cell_is_split_when_every_label_is_there_in_order(db, clock, editor, cell):
    data = book({"题库": [["题型", "题干", "选项", "答案", "分类"], ["单选", "行政处罚的种类不包括（ ）", cell, "C", "法"]]})
    report = run(db, clock, editor, data, importing.ALL_OR_NOTHING)
    assert drafts(report) == [("single_choice", "行政处罚的种类不包括（ ）", FOUR, ["C"])]


@pytest.mark.parametrize("cell", ["A.警告 C.记过 D.行政拘留", "警告 罚款 记过 行政拘留", "B.罚款 A.警告"])
def test_one_cell_of_options_without_every_label_in_order_is_refused_at_that_cell(db, clock, editor, cell):
    data = book({"题库": [["题型", "题干", "选项", "答案", "分类"], ["单选", "行政处罚的种类不包括（ ）", cell, "A", "法"]]})
    report = run(db, clock, editor, data)
    assert report.batch is None
    [problem] = [p for p in report.errors if p.place.column == "C"]
    assert all(p.place.column in ("C", "D") for p in report.errors)  # the options' cell, or the key's
    assert (problem.place.sheet, problem.place.row, problem.place.column, problem.place.header) == ("题库", 2, "C", "选项")
    assert "in order" in problem.message and "options" in problem.message


def test_a_two_row_header_with_option_letters_is_read_as_the_header(db, clock, editor):
    data = book({"单选题": [["题型", "题干", "选项", None, None, None, "答案", "分类"],
                            [None, None, "A", "B", "C", "D", None, None],
                            ["单选", "行政处罚的种类不包括（ ）", *FOUR, "C", "行政处罚法"]]},
                {"单选题": ["A1:A2", "B1:B2", "C1:F1", "G1:G2", "H1:H2"]})
    report = run(db, clock, editor, data, importing.ALL_OR_NOTHING)
    assert report.errors == [] and drafts(report) == [("single_choice", "行政处罚的种类不包括（ ）", FOUR, ["C"])]
    assert report.rows == 1
    assert any(n.message.startswith("rows %(first)d and %(second)d were read together") and n.params ==
               {"first": 1, "second": 2} for n in report.notices)


@pytest.mark.parametrize("name, qtype", [
    ("一、单项选择题", "single_choice"), ("判断（20题）", "true_false"), ("二、多项选择题（每题2分）", "multiple_choice"),
    ("（三）不定项选择题", "indefinite_choice"), ("4.判断题", "true_false"), ("单选题【必答】", "single_choice"),
])
def test_sheet_names_with_numbering_and_notes_give_the_type(db, clock, editor, name, qtype):
    rows = ([["题干", "答案", "分类"], ["宪法是国家的根本法（ ）", "对", "宪法"]] if qtype == "true_false" else
            [["题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类"], ["下列属于行政处罚的是（ ）", *FOUR, "A" if qtype == "single_choice" else "AB", "法"]])
    report = run(db, clock, editor, book({name: rows}), importing.ALL_OR_NOTHING)
    assert report.errors == [] and [d[0] for d in drafts(report)] == [qtype]


def test_a_type_sheet_with_header_synonyms_is_read_and_never_asked_for_a_type(db, clock, editor):
    data = book({"多选题": [["试题内容", "选项Ａ", "选项Ｂ", "选项Ｃ", "选项Ｄ", "正确选项", "类别"],
                            ["下列属于行政处罚的有（ ）", *FOUR, "AB", "行政法"]]})
    report = run(db, clock, editor, data, importing.ALL_OR_NOTHING)
    assert drafts(report) == [("multiple_choice", "下列属于行政处罚的有（ ）", FOUR, ["A", "B"])]


def test_a_type_sheet_without_a_stem_header_asks_only_for_the_stem(db, clock, editor):
    data = book({"题库": [["题型", "题干", "答案", "分类"], ["判断", "宪法是国家的根本法（ ）", "对", "宪法"]],
                 "多选题": [["题面", "甲", "乙", "答案"], ["下列属于行政处罚的有（ ）", "警告", "罚款", "AB"]]})
    report = run(db, clock, editor, data)
    [notice] = [n for n in report.notices if n.place.sheet == "多选题"]
    assert "题干" in notice.message and "题型" not in notice.message


def test_problems_on_several_sheets_are_grouped_with_their_sheets(db, clock, editor):
    header = ["题干", "选项A", "选项B", "答案", "分类"]
    data = book({"单选题": [header, ["甲乙之中选一（ ）", "甲", "乙", "A", "法"], ["空答案（ ）", "甲", "乙", None, "法"]],
                 "多选题": [header, ["甲乙都选（ ）", "甲", "乙", "AB", "法"], ["空答案（ ）", "甲", "乙", None, "法"]]})
    summary = run(db, clock, editor, data).summary()
    [group] = [g for g in summary.groups if g.example.place.row is not None]
    assert (group.rows, group.first_rows, group.first_sheets, summary.several_sheets) == (
        2, (3, 3), ("单选题", "多选题"), True)
