"""The question editor refuses the characters every import refuses (issue-5 trial): a control
character (C0 but tab and line ends in a text that may run over lines, DEL, C1), a bidirectional
override or isolate, or a zero-width character in any text of a question, whatever its type, is
refused beside its field naming the character (code point and name), one problem a field, and
nothing is saved. The rule is the imports' own (``question_bank.formats.question_control_chars``),
so a text the editor accepts, an import accepts, and the other way round."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select

from question_bank.models import Question, QuestionStatus
from question_bank.services import import_formats, importing
from tests.examsvc.test_bank_question_pages import edit_form, field_block, question_form, signed_in

#: Each kind: C0 (bell, escape, a unit separator that str.strip would take off at an end), DEL, C1
#: (next line), a bidirectional override and isolate, zero-width characters.
REFUSED = {"\x07": "U+0007 (BELL)", "\x1b": "U+001B (ESCAPE)", "\x1f": "U+001F", "\x7f": "U+007F (DELETE)",
           "\x85": "U+0085 (NEXT LINE)", "\u202e": "U+202E (RIGHT-TO-LEFT OVERRIDE)", "\u2066": "U+2066",
           "\u200b": "U+200B (ZERO WIDTH SPACE)", "\u200d": "U+200D", "\ufeff": "U+FEFF"}
#: (type, the field holding the character, the fields of a sound question of that type).
FIELDS = [
    ("single_choice", "stem", {}), ("single_choice", "option_B", {}), ("single_choice", "explanation", {}),
    ("single_choice", "legal_basis", {}), ("single_choice", "tags", {}), ("single_choice", "category", {}),
    ("single_choice", "key", {}),
    ("short_answer", "reference_answer", {"reference_answer": "应当告知拟作出的处罚内容及事实、理由、依据。"}),
    ("short_answer", "rubric", {"reference_answer": "应当告知。", "rubric": "答出告知内容得3分。"}),
    ("fill_blank", "blank_1", {"stem": "违法行为在（ ）年内未被发现的，不再给予行政处罚。", "blank_1": "二\n2"}),
]


def form_of(qtype: str, extra: dict[str, str]) -> dict[str, str]:
    """A sound question of ``qtype`` as the form posts it."""
    if qtype == "single_choice":
        return question_form(**extra)
    return question_form(qtype=qtype, stem=extra.pop("stem", "简述行政处罚决定前应当告知的事项。"), key="",
                         option_A="", option_B="", option_C="", option_D="", **extra)


def with_char(value: str, char: str, at_end: bool) -> str:
    """``value`` with ``char`` inside it (after its first character) or at its end."""
    return value + char if at_end else value[:1] + char + value[1:]


@pytest.mark.parametrize("char", REFUSED)
@pytest.mark.parametrize("qtype,name,extra", FIELDS, ids=[f[1] for f in FIELDS])
def test_a_refused_character_in_any_text_of_the_editor_is_shown_beside_its_field_naming_it(
        client, db, editor, char, qtype, name, extra):
    signed_in(client, editor)
    data = form_of(qtype, dict(extra))
    # At the end of a stem, where taking the space around a text off would drop it unseen.
    data[name] = with_char(data[name], char, at_end=name == "stem")
    response = client.form_post("/bank/questions/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    block = field_block(page, name)
    assert REFUSED[char] in block and block.count('class="error"') == 1
    assert page.count(REFUSED[char]) == 1  # said once, at its field, and nowhere else
    db.rollback()
    assert db.scalar(select(Question.id).limit(1)) is None


def test_an_edit_adding_a_refused_character_changes_nothing(client, db, make, editor):
    question = make.question(status=QuestionStatus.DRAFT)
    stem = question.current_version.stem
    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                edit_form(client, question, stem=question_form()["stem"] + "\u200b", option_B="规\x07章"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "U+200B (ZERO WIDTH SPACE)" in field_block(page, "stem")
    assert "U+0007 (BELL)" in field_block(page, "option_B")
    db.expire_all()
    assert db.get(Question, question.id).current_version.stem == stem


def test_tabs_and_line_ends_in_a_stem_are_text_and_saved(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(stem="行政处罚的种类\t由哪一级\r\n规范设定？（　）"))
    assert response.status_code == 302
    assert db.scalar(select(Question)).current_version.stem == "行政处罚的种类\t由哪一级\n规范设定？（　）"


@pytest.mark.parametrize("char", ["\x1b", "\u200b", "\u202e"])
def test_the_editor_and_the_import_refuse_the_same_text_with_the_same_words(client, db, clock, editor, char):
    stem = f"行政处罚的{char}种类由哪一级规范设定？（　）"
    signed_in(client, editor)
    page = client.form_post("/bank/questions/new", question_form(stem=stem)).get_data(as_text=True)
    line = {"type": "single_choice", "stem": stem, "options": ["法律", "规章"], "key": ["A"], "category": "法"}
    report = import_formats.import_file(db, clock, editor, "q.jsonl", json.dumps(line).encode(), importing.VALID_ONLY)
    (problem,) = report.errors
    assert problem.place.header == "stem"
    assert html.escape(problem.message % problem.params) in field_block(page, "stem")
