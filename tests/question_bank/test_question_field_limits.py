"""One limit per question field, the same on every way in (issue 5): the editor's form, the
template (xlsx, CSV), JSON Lines, Moodle XML and GIFT all accept a question at every limit, and all
refuse one character (one point, one knowledge point) past it, naming the field. So the round trips
an editor makes hold: export → edit → save, and editor → export → import.

The limits live in ``question_bank.field_limits``; these tests read them from there, so a change
of a limit moves every path together, which is the rule under test."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from examsvc.formatting import points
from question_bank import field_limits as limits
from question_bank.drafts import QuestionDraft
from question_bank.formats import gift, moodle_xml, question_jsonl
from question_bank.formats.interchange import ExportedQuestion
from question_bank.formats import spreadsheet as template_cells
from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.models import Question
from question_bank.services import authoring, exporting, import_formats, importing
from question_bank.services.exporting import Selection
from question_bank.types import get_type
from tests.examsvc.test_bank_question_pages import BASED_ON, field_block, signed_in
from tests.factories import questions_xlsx

#: A real bank's legal basis quoted in full (1,505 characters): imported whole, refused by the
#: editor at 1,000 before there was one limit.
LEGAL_BASIS_1505 = ("《中华人民共和国行政处罚法》第四十四条　行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及"
                    "事实、理由、依据，并告知当事人依法享有的陈述、申辩、要求听证等权利。" * 20)[:1505]


def at_the_limits() -> list[QuestionDraft]:
    """A choice question and a short answer with every field as long (or high) as it may be."""
    tags = [f"知识点{n:02d}" + "点" * (limits.MAX_TAG - 5) for n in range(limits.MAX_TAGS)]
    category = "法" * limits.MAX_CATEGORY_NAME
    return [
        QuestionDraft("single_choice", "题" * (limits.MAX_STEM - 3) + "（ ）",
                      [letter * limits.MAX_OPTION for letter in "甲乙丙丁"], ["B"], category,
                      explanation="解" * limits.MAX_EXPLANATION, tags=tags,
                      legal_basis="依" * limits.MAX_LEGAL_BASIS, default_score=limits.MAX_SCORE, difficulty=4),
        QuestionDraft("short_answer", "简述" + "述" * (limits.MAX_STEM - 2), [], "参" * limits.MAX_REFERENCE_CHARS,
                      f"{category}/案例", rubric="评" * limits.MAX_RUBRIC, legal_basis=LEGAL_BASIS_1505,
                      default_score=Decimal("999.99")),
    ]


def content(question: Question) -> dict:
    snapshot = authoring.snapshot(question.current_version)
    snapshot["default_score"] = Decimal(snapshot["default_score"]) if snapshot["default_score"] else None
    return {name: snapshot[name] for name in ("qtype", "stem", "options", "key", "explanation", "tags",
                                              "legal_basis", "category", "default_score", "rubric", "difficulty")}


def browser_form(version, based_on: str) -> dict[str, str]:
    """What the edit page posts when the editor saves without changing anything: the fields as
    ``QuestionForm.fill_from`` fills them."""
    qtype = get_type(version.qtype)
    data = {"qtype": version.qtype, "stem": version.stem, "explanation": version.explanation,
            "difficulty": str(version.difficulty), "tags": "; ".join(version.tags),
            "legal_basis": version.legal_basis, "category": version.category.path, "rubric": version.rubric,
            "score": points(version.default_score) if version.default_score is not None else "",
            "based_on": based_on}
    data.update({f"option_{letter}": text for letter, text in zip("ABCDEFGH", version.options)})
    data["reference_answer" if qtype.answer_form == "text" else "key"] = qtype.format_key(version.key)
    return data


@pytest.mark.parametrize("file_format,filename", [
    ("xlsx", "导出.xlsx"), ("csv", "导出.csv"), ("moodle_xml", "导出.xml"), ("gift", "导出.gift.txt"),
    ("jsonl", "导出.jsonl"),
])
def test_a_question_at_every_limit_goes_editor_export_import_edit_save_unchanged(
        client, db, clock, editor, file_format, filename):
    # Written in the editor …
    signed_in(client, editor)
    written = []
    for draft in at_the_limits():
        version = get_type(draft.qtype)
        data = {"qtype": draft.qtype, "stem": draft.stem, "explanation": draft.explanation,
                "difficulty": str(draft.difficulty), "tags": "; ".join(draft.tags), "legal_basis": draft.legal_basis,
                "category": draft.category_path, "rubric": draft.rubric, "score": str(draft.default_score),
                **{f"option_{letter}": text for letter, text in zip("ABCDEFGH", draft.options)},
                ("reference_answer" if version.answer_form == "text" else "key"): version.format_key(draft.key)}
        response = client.form_post("/bank/questions/new", data)
        assert response.status_code == 302, re.findall(r'class="error[^"]*">([^<]*)<', response.get_data(as_text=True))
        written.append(db.get(Question, int(response.headers["Location"].rsplit("/", 1)[1])))
    db.expire_all()

    # … exported and imported again, whole …
    out = io.BytesIO()
    exporting.export_questions(db, clock, editor, file_format, Selection(), out)
    report = import_formats.import_file(db, clock, editor, filename, out.getvalue(), repeats=importing.KEEP_REPEATS)
    db.commit()
    assert not report.refused, [str(p) for p in report.errors]
    copies = db.scalars(select(Question).where(Question.import_batch_id == report.batch.id)
                        .order_by(Question.id)).all()
    assert [content(q) for q in copies] == [content(q) for q in written]

    # … and opened in the editor and saved as it is: accepted, nothing refused.
    for copy in copies:
        page = client.get(f"/bank/questions/{copy.id}/edit").get_data(as_text=True)
        response = client.form_post(f"/bank/questions/{copy.id}/edit",
                                    browser_form(copy.current_version, BASED_ON.search(page).group(1)),
                                    follow_redirects=True)
        assert response.status_code == 200 and "Nothing was changed" in response.get_data(as_text=True)


#: One past each limit: (what is changed, the template cell, the JSON field, the form field, message).
PAST = [
    ("stem", "题干", "stem", "stem", "the stem is longer than %(n)d characters"),
    ("option", "选项B", "option_B", "option_B", "an option is longer than %(n)d characters"),
    ("explanation", "解析", "explanation", "explanation", "the explanation is longer than %(n)d characters"),
    ("legal_basis", "法律依据", "legal_basis", "legal_basis", "the legal basis is longer than %(n)d characters"),
    ("tag", "知识点", "tags", "tags", "a knowledge point is longer than %(n)d characters"),
    ("tags", "知识点", "tags", "tags", "a question has at most %(n)d knowledge points"),
    ("category", "分类", "category", "category",
     "the category path is too long: at most %(name)d characters a level and %(path)d in all"),
    ("score", "分值", "score", "score", "the mark may be at most %(n)d points"),
]


def past_the_limit(what: str) -> dict:
    """A sound single-choice question's fields with ``what`` one past its limit."""
    fields = {"stem": "下列哪一项属于行政处罚？（ ）", "options": ["记过", "罚款"], "explanation": "第九条。",
              "legal_basis": "《中华人民共和国行政处罚法》第九条", "tags": ["种类"], "category": "行政处罚法",
              "score": "2"}
    if what in ("stem", "explanation", "legal_basis"):
        fields[what] = "长" * (limits.QUESTION_LIMITS[what][0] + 1)
    elif what == "option":
        fields["options"] = ["记过", "罚" * (limits.MAX_OPTION + 1)]
    elif what == "tag":
        fields["tags"] = ["点" * (limits.MAX_TAG + 1)]
    elif what == "tags":
        fields["tags"] = [f"知识点{n}" for n in range(limits.MAX_TAGS + 1)]
    elif what == "category":
        fields["category"] = "行政处罚法/" + "类" * (limits.MAX_CATEGORY_NAME + 1)
    elif what == "score":
        fields["score"] = str(limits.MAX_SCORE + Decimal("0.01"))
    return fields


@pytest.mark.parametrize("what,column,json_field,form_field,message", PAST, ids=[p[0] for p in PAST])
def test_one_past_a_limit_is_refused_alike_by_the_editor_and_every_importer_naming_the_field(
        client, db, clock, editor, what, column, json_field, form_field, message):
    fields = past_the_limit(what)

    cells = {"题型": "单选", "题干": fields["stem"], "选项A": fields["options"][0], "选项B": fields["options"][1],
             "答案": "B", "解析": fields["explanation"], "知识点": "；".join(fields["tags"]),
             "法律依据": fields["legal_basis"], "分类": fields["category"], "分值": fields["score"]}
    sheet = questions_xlsx([tuple(cells.get(h, "") for h in TEMPLATE_HEADERS)], TEMPLATE_HEADERS)
    template = importing.import_questions(db, clock, editor, "题库.xlsx", sheet)
    assert [(p.place.row, p.place.header, p.message) for p in template.errors] == [(2, column, message)]

    line = {"schema": "examsvc.question/1", "type": "single_choice", "stem": fields["stem"],
            "options": fields["options"], "key": ["B"], "explanation": fields["explanation"], "tags": fields["tags"],
            "legal_basis": fields["legal_basis"], "category": fields["category"], "default_score": fields["score"]}
    jsonl = import_formats.import_file(db, clock, editor, "题库.jsonl", json.dumps(line, ensure_ascii=False).encode())
    assert [(p.place.header, p.message) for p in jsonl.errors] == [(json_field, message)]

    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", {
        "qtype": "single_choice", "stem": fields["stem"], "option_A": fields["options"][0],
        "option_B": fields["options"][1], "key": "B", "explanation": fields["explanation"],
        "tags": "; ".join(fields["tags"]), "legal_basis": fields["legal_basis"], "category": fields["category"],
        "score": fields["score"], "difficulty": "3"})
    assert response.status_code == 422
    db.rollback()
    assert db.scalar(select(Question.id).limit(1)) is None
    expected = message % {"n": LIMIT_OF[what], "name": limits.MAX_CATEGORY_NAME, "path": limits.MAX_CATEGORY_PATH}
    assert expected in field_block(response.get_data(as_text=True), form_field)


#: The limit each case of :data:`PAST` passes.
LIMIT_OF = {"stem": limits.MAX_STEM, "option": limits.MAX_OPTION, "explanation": limits.MAX_EXPLANATION,
            "legal_basis": limits.MAX_LEGAL_BASIS, "tag": limits.MAX_TAG, "tags": limits.MAX_TAGS,
            "category": 0, "score": int(limits.MAX_SCORE)}


#: Far past each text field's limit, past the template's 10,000 characters a cell as well:
#: (what, the template cell, the cells of a sound question changed to get there, the message).
FAR_PAST = [
    ("stem", "题干", {"题干": "长" * (template_cells.MAX_CELL_CHARS + 2000)}, "the stem is longer than %(n)d characters"),
    ("option", "选项B", {"选项B": "罚" * (template_cells.MAX_CELL_CHARS + 1)}, "an option is longer than %(n)d characters"),
    ("explanation", "解析", {"解析": "解" * (template_cells.MAX_CELL_CHARS + 1)},
     "the explanation is longer than %(n)d characters"),
    ("legal_basis", "法律依据", {"法律依据": "依" * (template_cells.MAX_CELL_CHARS + 1)},
     "the legal basis is longer than %(n)d characters"),
    ("tag", "知识点", {"知识点": "点" * (template_cells.MAX_CELL_CHARS + 1)},
     "a knowledge point is longer than %(n)d characters"),
    ("tags", "知识点", {"知识点": "；".join(f"知识点{n:05d}" for n in range(template_cells.MAX_CELL_CHARS // 8))},
     "a question has at most %(n)d knowledge points"),
    ("category", "分类", {"分类": "行政处罚法/" + "类" * (template_cells.MAX_CELL_CHARS + 1)},
     "the category path is too long: at most %(name)d characters a level and %(path)d in all"),
    ("reference_answer", "答案", {"题型": "简答", "选项A": "", "选项B": "", "答案": "参" * (template_cells.MAX_CELL_CHARS + 1)},
     "the reference answer is longer than %(n)d characters"),
    ("rubric", "评分标准", {"题型": "简答", "选项A": "", "选项B": "", "答案": "参考答案。",
                        "评分标准": "评" * (template_cells.MAX_CELL_CHARS + 1)},
     "the rubric is longer than %(n)d characters"),
]


#: A sound single-choice question, by template header.
SOUND_ROW = {"题型": "单选", "题干": "下列哪一项属于行政处罚？（ ）", "选项A": "记过", "选项B": "罚款", "答案": "B",
             "分类": "行政处罚法"}


def import_one_row(db, clock, editor, cells: dict[str, str]) -> importing.ImportReport:
    """The report of importing a template workbook of one row, ``cells`` by header."""
    sheet = questions_xlsx([tuple(cells.get(h, "") for h in TEMPLATE_HEADERS)], TEMPLATE_HEADERS)
    return importing.import_questions(db, clock, editor, "题库.xlsx", sheet)


@pytest.mark.parametrize("what,column,changed,message", FAR_PAST, ids=[p[0] for p in FAR_PAST])
def test_a_text_far_past_its_limit_is_refused_with_its_own_limit_not_the_cells(
        db, clock, editor, what, column, changed, message):
    # The trial: a 12,000-character stem was refused as "longer than 10000 characters"; cut to
    # 9,000 it was refused again, now as "longer than 5000". The first message names the stem's.
    report = import_one_row(db, clock, editor, {**SOUND_ROW, **changed})
    assert [(p.place.row, p.place.header, p.message) for p in report.errors] == [(2, column, message)]
    assert db.scalar(select(Question.id).limit(1)) is None


@pytest.mark.parametrize("column,value", [("题型", "单选" * 6000), ("难度", "3" * 10001), ("分值", "2" * 10001),
                                          ("固定选项", "A" * 10001), ("答案", "B" * 10001)])
def test_a_code_cell_past_the_cell_limit_is_refused_once_without_echoing_it(db, clock, editor, column, value):
    report = import_one_row(db, clock, editor, {**SOUND_ROW, column: value})
    assert [(p.place.header, p.message, p.params) for p in report.errors] == [
        (column, "the cell is longer than %(n)d characters", {"n": template_cells.MAX_CELL_CHARS})]


def test_a_row_of_unknown_type_still_says_its_stems_limit(db, clock, editor):
    report = import_one_row(db, clock, editor, {**SOUND_ROW, "题型": "论述", "题干": "长" * (limits.MAX_STEM + 1)})
    assert [(p.place.header, p.message) for p in report.errors] == [
        ("题型", "unknown question type %(value)s; use %(names)s"), ("题干", "the stem is longer than %(n)d characters")]


#: A question's texts far past the template's 10,000 characters a cell, written by each format's
#: own writer (the CSV as the template's columns): (file name, writer or None for the CSV, where
#: each problem is placed: the template column or the interchange field).
FAR_PAST_FORMATS = [("题库.csv", None, ("题干", "选项B", "解析")),
                    ("题库.jsonl", question_jsonl.write, ("stem", "option_B", "explanation")),
                    ("题库.gift.txt", gift.write, ("stem", "option_B", "explanation")),
                    ("题库.xml", moodle_xml.write, ("stem", "option_B", "explanation"))]


@pytest.mark.parametrize("filename,writer,places", FAR_PAST_FORMATS, ids=[f[0] for f in FAR_PAST_FORMATS])
def test_in_every_format_a_text_far_past_its_limit_is_refused_once_with_its_fields_limit(
        db, clock, editor, filename, writer, places):
    # The trial: a 12,000-character stem was refused twice in one report, as a cell over 10,000
    # characters and as a stem over 5,000. Each field: one problem, its own limit.
    far = template_cells.MAX_CELL_CHARS + 2000
    draft = QuestionDraft("single_choice", "题" * far, ["记过", "罚" * far], ["A"], "行政处罚法", explanation="解" * far)
    if writer is None:
        cells = {"题型": "单选", "题干": draft.stem, "选项A": draft.options[0], "选项B": draft.options[1], "答案": "A",
                 "解析": draft.explanation, "分类": draft.category_path}
        data = "\r\n".join(",".join(row) for row in [TEMPLATE_HEADERS, [cells.get(h, "") for h in TEMPLATE_HEADERS]])
        data = data.encode("utf-8")
    else:
        out = io.BytesIO()
        writer([ExportedQuestion(draft, name="Q1")], out)
        data = out.getvalue()
    report = import_formats.import_file(db, clock, editor, filename, data, importing.VALID_ONLY)
    assert [(p.place.header, p.message, p.params) for p in report.errors] == [
        (places[0], "the stem is longer than %(n)d characters", {"n": limits.MAX_STEM}),
        (places[1], "an option is longer than %(n)d characters", {"n": limits.MAX_OPTION}),
        (places[2], "the explanation is longer than %(n)d characters", {"n": limits.MAX_EXPLANATION})]
    assert report.imported == 0
