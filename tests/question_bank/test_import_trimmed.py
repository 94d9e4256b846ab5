"""Space around a text is dropped at import but never silently (issue 5, F1): spaces of any width
(the ordinary space, the full-width U+3000, the no-break U+00A0), tabs and line ends before or after
a stem, an option, a key, a reference answer, a rubric, an explanation or a legal basis are taken
off, and the import report names the row and the columns where that happened. A Moodle XML or GIFT
question says it in the same words, naming the question and its fields (issue-5 trial): any space
inside a plain ``<text>`` is the author's; in HTML and in GIFT, the ASCII space, tabs and line ends
that lay the file out are the format's own and taken off without a word, any other space is the
author's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import QuestionVersion, Role
from question_bank.formats.template import trimmed_note
from question_bank.errors import Place
from question_bank.services import import_formats, importing
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


#: The words of the template's note (F1), which every format's note must use.
TRIMMED = trimmed_note(Place(), []).message


def trimmed_notes(report) -> list[tuple[int, str]]:
    """(row, or question number, the columns or fields named) of each note that space was removed."""
    return [(note.place.row if note.place.row is not None else note.place.item, note.params["columns"])
            for note in report.notes if note.message == TRIMMED]


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


def run_interchange(db, clock, editor, name: str, text: str):
    report = import_formats.import_file(db, clock, editor, name, text.encode("utf-8"), importing.ALL_OR_NOTHING)
    db.commit()
    return report


def moodle_question(stem: str, options: list[str], explanation: str = "", fmt: str = "plain_text") -> str:
    answers = "".join(f'<answer fraction="{100 if i == 0 else 0}" format="{fmt}"><text>{o}</text></answer>'
                      for i, o in enumerate(options))
    return (f'<question type="multichoice"><name><text>q</text></name><questiontext format="{fmt}"><text>{stem}'
            f'</text></questiontext><generalfeedback format="{fmt}"><text>{explanation}</text></generalfeedback>'
            f'<single>true</single>{answers}</question>')


def moodle_essay(stem: str, reference: str) -> str:
    return (f'<question type="essay"><name><text>e</text></name><questiontext format="plain_text"><text>{stem}'
            f'</text></questiontext><graderinfo format="plain_text"><text>{reference}</text></graderinfo></question>')


def moodle_file(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>' + "".join(questions) + "</quiz>"


@pytest.mark.parametrize("space", SPACES, ids=["space", "ideographic", "nbsp", "tab", "line-end", "mixed"])
def test_space_around_a_moodle_xml_plain_text_is_trimmed_and_said_naming_question_and_fields(
        db, clock, editor, space):
    report = run_interchange(db, clock, editor, "q.xml", moodle_file(
        moodle_question(space + "行政处罚的种类不包括（ ）" + space, ["记过", space + "警告", "罚款"], "见第九条" + space),
        moodle_question("第二题：行政处罚的种类不包括（ ）", ["记过", "警告"], "见第九条"),
        moodle_essay("简述行政处罚的种类。", "警告、罚款等" + space)))
    assert report.errors == [] and report.imported == 3
    assert trimmed_notes(report) == [(1, "stem、option_B、explanation"), (3, "key")]
    first, _, essay = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
    assert (first.stem, first.options, first.explanation) == ("行政处罚的种类不包括（ ）", ["记过", "警告", "罚款"],
                                                              "见第九条")
    assert essay.key == "警告、罚款等"


@pytest.mark.parametrize("space", ["\u3000", "\u00a0", "\u3000 \u00a0"], ids=["ideographic", "nbsp", "mixed"])
def test_the_authors_space_around_a_gift_text_is_trimmed_and_said_but_not_gifts_own_layout(db, clock, editor, space):
    text = (f"::甲:: {space}行政处罚的种类不包括（ ）{space} {{\n  =记过\n  ~警告{space}\n  ~罚款\n  ####见第九条{space}\n}}\n\n"
            "::乙::\n  第二题：行政处罚的种类不包括（ ）\n{ =记过 ~警告 ####见第九条 }\n\n"
            f"::丙::[plain]{space}宪法是国家的根本法。{{TRUE}}\n")
    report = run_interchange(db, clock, editor, "q.gift", text)
    assert report.errors == [] and report.imported == 3
    assert trimmed_notes(report) == [(1, "stem、option_B、explanation"), (3, "stem")]
    first, second, third = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
    assert (first.stem, first.options, first.explanation) == ("行政处罚的种类不包括（ ）", ["记过", "警告", "罚款"],
                                                              "见第九条")
    assert second.stem == "第二题：行政处罚的种类不包括（ ）" and third.stem == "宪法是国家的根本法。"


def test_in_moodle_html_a_no_break_or_ideographic_space_is_said_but_not_the_markup_layout(db, clock, editor):
    report = run_interchange(db, clock, editor, "q.xml", moodle_file(
        moodle_question("&lt;p&gt;&amp;nbsp;行政处罚的种类不包括（ ）&amp;nbsp;&lt;/p&gt;", ["记过", "警告\u3000"], fmt="html"),
        moodle_question("\n  &lt;p&gt;\n  第二题：行政处罚的种类不包括（ ）\n  &lt;/p&gt;\n", ["记过", " 警告 "], fmt="html")))
    assert report.errors == [] and report.imported == 2
    assert trimmed_notes(report) == [(1, "stem、option_B")]
