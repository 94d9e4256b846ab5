"""Control characters in imported questions are refused, never stored or dropped (issue 5, F6): a C0
control (but tab, line feed and carriage return in a text that may run over lines), DEL, a C1
control and the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
and the zero-width characters (U+200B–U+200D, U+2060, a byte-order mark U+FEFF inside a text),
in any field of a template row (xlsx, CSV: named by sheet, row and column) or of a Moodle XML, GIFT
or JSON Lines question (named by question number, line and field)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from question_bank.models import ImportBatch, Question, QuestionVersion, Role
from question_bank.services import import_formats, importing
from tests.factories import QUESTION_HEADER, book_bytes, questions_book

ROW = ["单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2"]
COLUMN = {name: QUESTION_HEADER.index(name) for name in QUESTION_HEADER}
#: Each kind: C0 (bell, escape, vertical tab, form feed, unit separator), DEL, C1 (next line, CSI),
#: bidirectional controls (an embedding, the right-to-left override, an isolate and its end), and
#: zero-width characters (space, joiner, a byte-order mark inside a text).
REFUSED = {"\x07": "U+0007", "\x1b": "U+001B", "\x0b": "U+000B", "\x0c": "U+000C", "\x1f": "U+001F",
           "\x7f": "U+007F", "\x85": "U+0085", "\x9b": "U+009B", "\u202a": "U+202A", "\u202e": "U+202E",
           "\u2066": "U+2066", "\u2069": "U+2069", "\u200b": "U+200B", "\u200d": "U+200D", "\ufeff": "U+FEFF"}
#: Template columns and where in the cell the character is put.
FIELDS = ["题干", "选项B", "答案", "解析", "法律依据", "知识点", "分类", "题型", "难度"]


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def xlsx(rows) -> bytes:
    # openpyxl writes no C0 control into XML; Excel writes them as _xHHHH_ escapes, which the reader decodes.
    escaped = [[c if not isinstance(c, str) else "".join(f"_x{ord(ch):04X}_" if ord(ch) < 0x20 and ch not in "\t\n\r"
                                                         else ch for ch in c) for c in row] for row in rows]
    return book_bytes(questions_book(escaped))


def csv(rows) -> bytes:
    quote = lambda cell: '"' + cell.replace('"', '""') + '"'  # noqa: E731
    return "\r\n".join(",".join(map(quote, r)) for r in [list(QUESTION_HEADER), *rows]).encode("utf-8")


def template_import(db, clock, editor, name, rows, mode=importing.VALID_ONLY):
    report = importing.import_questions(db, clock, editor, name, (xlsx if name.endswith("xlsx") else csv)(rows), mode)
    db.commit()
    return report


@pytest.mark.parametrize("name", ["q.xlsx", "q.csv"])
@pytest.mark.parametrize("char", REFUSED)
def test_a_control_character_in_any_template_field_refuses_the_row_naming_the_cell(db, clock, editor, name, char):
    rows = []
    for number, column in enumerate(FIELDS):
        row = ROW[:]
        row[1] = f"第{number}题：{ROW[1]}"
        text = row[COLUMN[column]]
        row[COLUMN[column]] = text[:1] + char + text[1:]  # inside the text, where no trimming reaches
        rows.append(row)
    report = template_import(db, clock, editor, name, [ROW] + rows)
    assert report.imported == 1 and db.scalar(select(func.count()).select_from(Question)) == 1
    sheet = "sheet 题库, " if name == "q.xlsx" else ""
    expected = [f"{name}, {sheet}row {row}, column {chr(ord('A') + COLUMN[column])} ({column})"
                for row, column in enumerate(FIELDS, start=3)]
    assert [str(p.place) for p in report.errors] == expected
    assert all(f"control {REFUSED[char]}" in str(p) or f"character {REFUSED[char]}" in str(p) for p in report.errors)


@pytest.mark.parametrize("char", ["\t", "\n"])
def test_tabs_and_line_ends_are_text_in_a_stem_or_an_explanation_but_not_in_a_category(db, clock, editor, char):
    row, category = ROW[:], ROW[:]
    row[1], row[COLUMN["解析"]] = f"行政处罚的种类{char}不包括（ ）", f"见{char}第九条"
    category[1], category[COLUMN["分类"]] = "第二题", f"行政处罚法{char}总则"
    report = template_import(db, clock, editor, "q.xlsx", [row, category])
    assert [(p.place.row, p.place.header) for p in report.errors] == [(3, "分类")]
    assert "U+00" in str(report.errors[0])
    [version] = db.scalars(select(QuestionVersion)).all()
    assert (version.stem, version.explanation) == (row[1], row[COLUMN["解析"]])


def interchange_import(db, clock, editor, filename, text):
    report = import_formats.import_file(db, clock, editor, filename, text.encode("utf-8"), importing.VALID_ONLY,
                                        "auto", importing.KEEP_REPEATS)
    db.commit()
    return report


@pytest.mark.parametrize("char", REFUSED)
def test_a_control_character_in_a_json_lines_question_is_refused_naming_question_line_and_field(
        db, clock, editor, char):
    good = {"type": "single_choice", "stem": "行政处罚的种类不包括（ ）", "options": ["警告", "罚款", "记过"],
            "key": ["C"], "category": "行政处罚法", "explanation": "见第九条", "tags": ["种类"]}
    bad = [{**good, "stem": f"第{n}题{char}"} if field == "stem" else
           {**good, "stem": f"第{n}题", field: good[field][:1] + [f"{char}罚款"] + good[field][2:]}
           if field == "options" else {**good, "stem": f"第{n}题", "tags": [f"种{char}类"]} if field == "tags"
           else {**good, "stem": f"第{n}题", field: f"见{char}第九条"}
           for n, field in enumerate(["stem", "options", "explanation", "tags", "category"])]
    text = "\n".join(json.dumps(q, ensure_ascii=True) for q in [good, *bad])
    report = interchange_import(db, clock, editor, "q.jsonl", text)
    assert report.imported == 1
    assert [(p.place.item, p.place.line, p.place.header) for p in report.errors] == [
        (2, 2, "stem"), (3, 3, "option_B"), (4, 4, "explanation"), (5, 5, "tags"), (6, 6, "category")]
    assert all(REFUSED[char] in str(p) for p in report.errors)


@pytest.mark.parametrize("char", ["\x07", "\x85", "\u202e", "\u2066"])
def test_a_control_character_in_a_gift_question_is_refused_naming_it(db, clock, editor, char):
    text = (f"::甲::宪法是国家的根本法。{{TRUE}}\n\n::乙::行政处罚{char}的种类不包括{{=记过 ~警告 ~罚款}}\n\n"
            f"::丙::行政处罚由谁实施？{{=行政机关 ~人民{char}法院####见{char}第九条}}\n")
    report = interchange_import(db, clock, editor, "q.gift.txt", text)
    assert report.imported == 1 and db.scalar(select(func.count()).select_from(ImportBatch)) == 1
    assert [(p.place.item, p.place.header) for p in report.errors] == [(2, "stem"), (3, "option_B"), (3, "explanation")]
    assert all(REFUSED[char] in str(p) for p in report.errors)


@pytest.mark.parametrize("char", ["\x85", "\u202e", "\u2069"])
def test_a_control_character_in_a_moodle_xml_question_is_refused_naming_it(db, clock, editor, char):
    def question(name: str, text: str, answer: str) -> str:
        return (f'<question type="truefalse"><name><text>{name}</text></name><questiontext format="plain_text">'
                f'<text>{text}</text></questiontext><answer fraction="100"><text>true</text></answer>'
                f'<answer fraction="0"><text>false</text></answer><generalfeedback><text>{answer}</text>'
                f'</generalfeedback></question>')
    xml = ('<?xml version="1.0" encoding="UTF-8"?><quiz>' + question("甲", "宪法是国家的根本法。", "") +
           question("乙", f"宪法{char}是根本法。", "") + question("丙", "宪法是大法。", f"见{char}序言") + "</quiz>")
    report = interchange_import(db, clock, editor, "q.xml", xml)
    assert report.imported == 1
    assert [(p.place.item, p.place.header) for p in report.errors] == [(2, "stem"), (3, "explanation")]
    assert all(REFUSED[char] in str(p) for p in report.errors)
