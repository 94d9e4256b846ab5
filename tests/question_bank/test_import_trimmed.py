"""Space around a text is dropped at import but never silently (issue 5, F1): spaces of any width
(the ordinary space, the full-width U+3000, the no-break U+00A0), tabs and line ends before or after
a stem, an option, a key, a reference answer, a rubric, an explanation or a legal basis are taken
off, and the import report names the row and the columns where that happened."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import QuestionVersion, Role
from question_bank.services import importing
from tests.factories import book_bytes, questions_book

HEADER = ("题型", "题干", "选项A", "选项B", "选项C", "答案", "参考答案", "评分标准", "解析", "法律依据", "分类")
CLEAN = ["单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "C", "", "", "见第九条", "第九条", "行政处罚法"]
#: Space as editors leave it: typed, pasted from Word or a web page, or an Alt+Enter at the end.
SPACES = [" ", "\u3000", "\u00a0", "\t", "\n", " \u3000\u00a0"]


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def data(rows: list[list[str]], name: str) -> bytes:
    if name.endswith(".xlsx"):
        return book_bytes(questions_book(rows, header=HEADER))
    quote = lambda cell: '"' + cell.replace('"', '""') + '"'  # noqa: E731
    return "\r\n".join(",".join(map(quote, r)) for r in [list(HEADER), *rows]).encode("utf-8")


def run(db, clock, editor, rows, name):
    report = importing.import_questions(db, clock, editor, name, data(rows, name), importing.ALL_OR_NOTHING)
    db.commit()
    return report


def trimmed_notes(report) -> list[tuple[int, str]]:
    return [(note.place.row, note.params["columns"]) for note in report.notes if "were removed in" in str(note)]


@pytest.mark.parametrize("name", ["q.xlsx", "q.csv"])
@pytest.mark.parametrize("space", SPACES, ids=["space", "ideographic", "nbsp", "tab", "line-end", "mixed"])
def test_space_around_texts_is_trimmed_and_the_report_names_each_row_and_column(db, clock, editor, space, name):
    padded = CLEAN[:]
    for column in ("题干", "选项B", "答案", "解析"):
        index = HEADER.index(column)
        padded[index] = space + padded[index] + space
    later = CLEAN[:]
    later[1], later[HEADER.index("法律依据")] = "第三题：" + CLEAN[1], "第九条" + space
    short = ["简答", "简述行政处罚的种类。", "", "", "", "", space + "警告、罚款等", "答出种类" + space, "", "", "法"]
    report = run(db, clock, editor, [padded, CLEAN[:1] + ["第二题"] + CLEAN[2:], later, short], name)

    assert report.errors == [] and report.imported == 4
    assert trimmed_notes(report) == [(2, "题干、选项B、答案、解析"), (4, "法律依据"), (5, "参考答案、评分标准")]
    [first, _, third, fourth] = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
    assert (first.stem, first.options, first.key, first.explanation) == (CLEAN[1], ["警告", "罚款", "记过"], ["C"],
                                                                        "见第九条")
    assert third.legal_basis == "第九条" and (fourth.key, fourth.rubric) == ("警告、罚款等", "答出种类")


def test_space_inside_a_text_and_a_cell_of_only_space_are_not_reported(db, clock, editor):
    inside = CLEAN[:]
    inside[1], inside[HEADER.index("解析")] = "行政处罚的种类\u3000不包括（ ）", "\u3000"
    report = run(db, clock, editor, [inside], "q.xlsx")
    assert report.errors == [] and trimmed_notes(report) == []
    [version] = db.scalars(select(QuestionVersion)).all()
    assert version.stem == "行政处罚的种类\u3000不包括（ ）" and version.explanation == ""
