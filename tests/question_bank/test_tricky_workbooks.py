"""SEC-U6: tricky workbooks as editors make them, through the question import: each either imports
as meant or is refused with a report that names file, sheet, row and column, and a refusal leaves
the bank exactly as it was (one transaction). Formulas are never run or trusted as answers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from question_bank.models import ImportBatch, Question, QuestionVersion, Role
from question_bank.services import importing
from question_bank.services.importing import ALL_OR_NOTHING, VALID_ONLY
from tests.factories import QUESTION_HEADER, book_bytes, questions_book

ROW = ["单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2"]
KEY, CATEGORY, LEGAL_BASIS = QUESTION_HEADER.index("答案"), QUESTION_HEADER.index("分类"), QUESTION_HEADER.index("法律依据")


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def bank(db) -> tuple[int, int, int]:
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Question, QuestionVersion, ImportBatch))


def numbered(n: int) -> list:
    return [ROW[0], f"第{n}题：{ROW[1]}"] + ROW[2:]


def test_sec_u6_one_bad_row_of_800_refuses_the_file_naming_only_that_row_and_the_bank_is_unchanged(db, clock, editor, make):
    make.question()
    before = bank(db)
    rows = [numbered(n) for n in range(2, 802)]
    rows[500 - 2][KEY] = "Z"  # sheet row 500
    data = book_bytes(questions_book(rows))
    report = importing.import_questions(db, clock, editor, "八百题.xlsx", data, ALL_OR_NOTHING)
    db.commit()
    assert report.refused and report.rows == 800
    [problem] = report.errors
    assert str(problem.place) == "八百题.xlsx, sheet 题库, row 500, column G (答案)"
    assert bank(db) == before
    kept = importing.import_questions(db, clock, editor, "八百题.xlsx", data, VALID_ONLY)
    db.commit()
    assert kept.imported == 799 and [p.place.row for p in kept.errors] == [500]


def test_sec_u6_cells_as_editors_leave_them_are_read_as_they_show(db, clock, editor):
    """Full-width key letters, stray spaces, a boolean key, a date typed into a text column and a
    hidden sheet before the question sheet (hidden rows are refused: test_import_as_seen)."""
    book = questions_book([])
    hidden = book.create_sheet("旧题", 0)
    hidden.sheet_state = "hidden"
    hidden.append(["作废"])
    sheet = book["题库"]
    sheet.append(["多选", "  下列属于行政处罚的是（ ）  ", "警告", "罚款", "记过", "降级", "Ａ，Ｂ", "", "", "", "", "行政处罚法", ""])
    sheet.append(["判断", "行政处罚由行政机关实施。", "", "", "", "", True, "", "", "", "", "行政处罚法", ""])
    sheet.append(ROW[:LEGAL_BASIS] + [dt.datetime(2021, 1, 22)] + ROW[LEGAL_BASIS + 1:])
    sheet.cell(row=4, column=LEGAL_BASIS + 1).number_format = "yyyy-mm-dd"  # shown as the author saw it (C-27)
    report = importing.import_questions(db, clock, editor, "q.xlsx", book_bytes(book))
    db.commit()
    assert report.errors == [] and report.imported == 3
    versions = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
    assert [v.key for v in versions] == [["A", "B"], True, ["C"]]
    assert versions[0].stem == "下列属于行政处罚的是（ ）"
    assert versions[2].legal_basis == "2021-01-22"


def test_sec_u6_error_cells_merged_cells_and_formulas_are_row_errors_never_values(db, clock, editor):
    book = questions_book([numbered(2), numbered(3), numbered(4), numbered(5)])
    sheet = book["题库"]
    sheet.cell(row=2, column=KEY + 1).value = "#N/A"
    sheet.cell(row=2, column=KEY + 1).data_type = "e"
    # A category merged down three rows: the file holds it in its first cell only, Excel shows it on
    # all three, and each row is read with it (test_import_as_seen).
    sheet.merge_cells(start_row=3, start_column=CATEGORY + 1, end_row=5, end_column=CATEGORY + 1)
    sheet.cell(row=5, column=KEY + 1).value = '=IF(TRUE,"C","A")'
    before = bank(db)
    report = importing.import_questions(db, clock, editor, "q.xlsx", book_bytes(book))
    db.commit()
    assert report.refused and bank(db) == before
    places = [(p.place.row, p.place.column) for p in report.errors]
    assert (2, "G") in places  # #N/A is no key
    assert (4, "L") not in places and (5, "L") not in places  # the merged category is read on every row
    assert (5, "G") in places  # a formula without a saved value is never run
    assert all(p.place.file == "q.xlsx" and p.place.sheet == "题库" for p in report.errors)


def test_sec_u6_the_same_file_imported_twice_is_held_for_review_with_every_question_flagged(db, clock, editor):
    """Importing a file again does not add questions silently: asked to keep the repeats, the second
    batch waits in review with every question flagged as repeating its twin, for the reviewer to
    reject (without being asked, it stops before writing: tests/question_bank/test_import_repeats.py)."""
    data = book_bytes(questions_book([numbered(2), numbered(3)]))
    first = importing.import_questions(db, clock, editor, "q.xlsx", data)
    again = importing.import_questions(db, clock, editor, "q.xlsx", data, repeats=importing.KEEP_REPEATS)
    db.commit()
    twins = {d["question_id"]: d["resembles"] for d in again.duplicates}
    first_ids = {q.id for q in db.scalars(select(Question).where(Question.import_batch_id == first.batch.id))}
    assert len(twins) == 2 and set(twins.values()) == first_ids
    assert {q.status for q in db.scalars(select(Question).where(Question.import_batch_id == again.batch.id))} == {"in_review"}
