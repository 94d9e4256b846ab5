"""The downloadable template's example questions (issue-5 trial): an editor who types their
questions below the examples and uploads the file gets their questions, not the examples too.
The examples carry the template's marker (【示例】 at the start of the stem); the import leaves
out a row that is one of them as shipped and names it ("示例行，未导入"), on every way the filled
template comes back (xlsx, CSV). An example the editor changed (any of its texts) is their
question: imported, the marker taken off its stem, and said with the columns changed."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.formats.template import EXAMPLE_MARK, TEMPLATE_HEADERS
from question_bank.formats.template_file import QUESTION_SHEET, example_rows, write_template
from question_bank.models import Question, QuestionVersion
from question_bank.services import importing
from tests.examsvc.test_bank_question_pages import signed_in
from tests.forms import upload

#: Two questions of the editor's own, by template header.
OWN = [{"题型": "单选", "题干": "行政处罚决定书应当载明的事项不包括（ ）", "选项A": "当事人的姓名", "选项B": "违法事实",
        "选项C": "执法人员的籍贯", "答案": "C", "分类": "行政处罚法/决定"},
       {"题型": "判断", "题干": "当事人有权进行陈述和申辩。", "答案": "对", "分类": "行政处罚法/决定"}]


def filled_template(own: list[dict[str, str]], keep_examples: bool = True) -> bytes:
    """The downloaded template with ``own`` typed in the rows below its examples (or, without
    ``keep_examples``, over them: the example rows deleted first)."""
    book = load_workbook(io.BytesIO(write_template()))
    sheet = book[QUESTION_SHEET]
    if not keep_examples:
        sheet.delete_rows(2, sheet.max_row - 1)
    for row in own:
        sheet.append([row.get(h, "") for h in TEMPLATE_HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(workbook: bytes) -> bytes:
    """The question sheet saved as CSV (UTF-8 with BOM, as Excel's "CSV UTF-8" writes it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in load_workbook(io.BytesIO(workbook))[QUESTION_SHEET].iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def stems_in_bank(db) -> list[str]:
    return db.scalars(select(QuestionVersion.stem).order_by(QuestionVersion.id)).all()


@pytest.mark.parametrize("filename", ["题库.xlsx", "题库.csv"])
def test_examples_left_in_the_filled_template_are_not_imported_and_are_named(db, clock, editor, filename):
    data = filled_template(OWN)
    report = importing.import_questions(db, clock, editor, filename, as_csv(data) if filename.endswith(".csv") else data)
    db.commit()
    assert not report.refused and report.imported == len(OWN)
    assert stems_in_bank(db) == [row["题干"] for row in OWN]
    examples = len(example_rows())
    (notice,) = [n for n in report.notices if EXAMPLE_MARK in str(n.params.get("mark", ""))]
    assert notice.message.startswith("Example rows, not imported: ")
    assert notice.params["n"] == examples
    assert notice.params["rows"].startswith("2、3、4、5、6")
    assert (notice.place.file, notice.place.sheet) == (filename, QUESTION_SHEET if filename.endswith(".xlsx") else "")


def test_a_template_holding_only_its_examples_is_refused_saying_so(db, clock, editor):
    report = importing.import_questions(db, clock, editor, "题库.xlsx", write_template())
    assert report.refused
    (problem,) = report.errors
    assert problem.message.startswith("The file holds only the template's %(n)d example questions")
    assert problem.params == {"n": len(example_rows()), "mark": EXAMPLE_MARK}
    assert db.scalar(select(func.count(Question.id))) == 0


def test_an_example_with_its_marker_taken_off_is_imported_as_the_editors_question(db, clock, editor):
    book = load_workbook(io.BytesIO(filled_template(OWN)))
    stem = book[QUESTION_SHEET]["B2"]
    stem.value = stem.value.removeprefix(EXAMPLE_MARK)
    out = io.BytesIO()
    book.save(out)
    report = importing.import_questions(db, clock, editor, "题库.xlsx", out.getvalue())
    db.commit()
    assert report.imported == len(OWN) + 1
    assert stems_in_bank(db)[0] == stem.value
    (notice,) = [n for n in report.notices if n.params.get("mark") == EXAMPLE_MARK]
    assert notice.params["n"] == len(example_rows()) - 1 and notice.params["rows"].startswith("3、")


def test_questions_written_over_the_examples_import_without_a_notice(db, clock, editor):
    report = importing.import_questions(db, clock, editor, "题库.xlsx", filled_template(OWN, keep_examples=False))
    assert report.imported == len(OWN)
    assert not [n for n in report.notices if n.params.get("mark") == EXAMPLE_MARK]


def test_the_batch_page_tells_the_editor_which_example_rows_were_left_out(client, db, editor):
    signed_in(client, editor)
    response = upload(client, "题库.xlsx", filled_template(OWN))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    notices = page.split('class="card import-notices"')[1].split("</section>")[0]
    assert f"{len(example_rows())} rows (2、3、4、5、6…) are the template&#39;s example questions" in notices
    assert EXAMPLE_MARK in notices


def with_example_row_changed(changes: dict[str, str], row: int = 2) -> bytes:
    """The filled template (:data:`OWN` below the examples) with cells of example ``row`` set, by header."""
    book = load_workbook(io.BytesIO(filled_template(OWN)))
    sheet = book[QUESTION_SHEET]
    for name, value in changes.items():
        sheet.cell(row, TEMPLATE_HEADERS.index(name) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: Changes an editor makes to an example, keeping its marker: each makes it their question.
CHANGED = {
    "stem": {"题干": EXAMPLE_MARK + "根据《中华人民共和国行政处罚法》，下列哪一项不属于行政处罚的种类？"},
    "key": {"答案": "B"},
    "explanation": {"解析": "记过属于政务处分。"},
    "category": {"分类": "行政处罚法/种类"},
    "option and difficulty": {"选项C": "记大过", "难度": "中"},
}


@pytest.mark.parametrize("filename", ["题库.xlsx", "题库.csv"])
@pytest.mark.parametrize("what", CHANGED)
def test_an_example_changed_but_still_marked_is_imported_as_the_editors_question_and_said(
        db, clock, editor, what, filename):
    data = with_example_row_changed(CHANGED[what])
    report = importing.import_questions(db, clock, editor, filename, as_csv(data) if filename.endswith(".csv") else data)
    db.commit()
    assert not report.refused and report.imported == len(OWN) + 1
    shipped = dict(zip(TEMPLATE_HEADERS, example_rows()[0]))
    stem = CHANGED[what].get("题干", shipped["题干"])
    assert stems_in_bank(db)[0] == stem.removeprefix(EXAMPLE_MARK)  # the template's marker, not the editor's text
    (note,) = [n for n in report.notes if n.params.get("mark") == EXAMPLE_MARK]
    assert (note.place.row, note.place.header) == (2, "题干")
    assert note.params["columns"] == "、".join(h for h in TEMPLATE_HEADERS if h in CHANGED[what])
    (notice,) = [n for n in report.notices if n.params.get("mark") == EXAMPLE_MARK]
    assert notice.params["n"] == len(example_rows()) - 1 and notice.params["rows"].startswith("3、")


def test_an_example_is_recognised_whatever_space_and_line_ends_a_save_put_around_its_cells(db, clock, editor):
    shipped = dict(zip(TEMPLATE_HEADERS, example_rows()[0]))
    data = with_example_row_changed({"题干": "  " + shipped["题干"] + "\r\n", "解析": shipped["解析"] + " "})
    report = importing.import_questions(db, clock, editor, "题库.xlsx", data)
    db.commit()
    assert report.imported == len(OWN) and stems_in_bank(db) == [row["题干"] for row in OWN]
    assert not [n for n in report.notes if n.params.get("mark") == EXAMPLE_MARK]
