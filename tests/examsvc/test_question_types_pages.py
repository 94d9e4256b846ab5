"""The question editor for fill-in and short-answer questions and pinned options: no template
syntax needed, every problem beside its field, nothing typed dropped; the question and batch
pages show blanks, reference answers, rubrics and pinned options (domain.md §3; C-09, C-23)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.models import Question, QuestionVersion, Role
from tests.examsvc.test_bank_question_pages import BASED_ON, count, field_block, question_form, signed_in
from tests.factories import questions_xlsx
from tests.forms import upload

FILL_STEM = "公民对行政行为不服的，可以依法申请（ ），也可以依法提起___。"


def fill_form(**overrides: str) -> dict[str, str]:
    data = question_form(qtype="fill_blank", stem=FILL_STEM, option_A="", option_B="", option_C="", option_D="",
                         key="", blank_1="行政复议", blank_2="行政诉讼\r\n 诉讼 \r\n\r\n")
    data.update(overrides)
    return data


def short_form(**overrides: str) -> dict[str, str]:
    data = question_form(qtype="short_answer", stem="简述行政复议的受理条件。", option_A="", option_B="", option_C="",
                         option_D="", key="", reference_answer="有明确的申请人和被申请人……", rubric="每答出一项得1分。")
    data.update(overrides)
    return data


def only_version(db) -> QuestionVersion:
    return db.scalars(select(QuestionVersion)).one()


def test_a_fill_in_question_is_written_one_field_per_blank_one_answer_per_line(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", fill_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    version = only_version(db)
    assert (version.qtype, version.options) == ("fill_blank", [])
    assert version.key == [["行政复议"], ["行政诉讼", " 诉讼 "]]  # as typed; marking ignores the spaces

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ('<ol class="blank-key"><li><span class="alternatives"><span class="alternative">行政复议</span></span></li>'
            '<li><span class="alternatives"><span class="alternative">行政诉讼</span> <span class="or">or</span> '
            '<span class="alternative"> 诉讼 </span></span></li></ol>') in page
    edit = client.get(f"/bank/questions/{version.question_id}/edit").get_data(as_text=True)
    assert "\n行政复议</textarea>" in field_block(edit, "blank_1")
    assert "行政诉讼\n 诉讼 </textarea>" in field_block(edit, "blank_2")


def test_saving_an_unchanged_fill_in_question_changes_nothing(client, db, editor, make):
    question = make.question("fill_blank", stem=FILL_STEM, key=[["行政复议 "], ["行政诉讼", "诉讼"]])
    signed_in(client, editor)
    page = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    form = fill_form(blank_1="行政复议 ", blank_2="行政诉讼\n诉讼", category="行政处罚法",
                     explanation="依据法条作答。", legal_basis="《中华人民共和国行政处罚法》第九条", difficulty="3",
                     tags="", based_on=BASED_ON.search(page).group(1))
    response = client.form_post(f"/bank/questions/{question.id}/edit", form, follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert count(db, QuestionVersion) == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"blank_2": ""}, "blank_1", "the stem has 2 blanks but the key gives answers for 1"),
    ({"blank_1": "", "blank_2": "诉讼"}, "blank_1", "blank 1 is empty but a later blank is filled in"),
    ({"blank_1": "", "blank_2": ""}, "blank_1", "the key is missing"),
    ({"stem": "没有空的题干"}, "stem", "the stem marks no blank"),
    ({"option_A": "行政复议"}, "option_A", "a fill-in question has no options"),
    ({"key": "A"}, "key", "the key field is for choice and true/false questions"),
])
def test_a_fill_in_question_with_a_problem_is_refused_beside_the_field_and_nothing_is_saved(
        client, db, editor, overrides, field, message):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", fill_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and count(db, Question) == 0
    assert "Nothing was saved. Please correct the problems marked below." in page
    if field == "blank_1":  # problems of the blanks as a whole stand above blank 1
        blanks = page.split('id="blanks"')[1].split("</fieldset>")[0]
        assert message in blanks.split('<div class="field')[0]
    elif field == "option_A":
        assert message in page.split('id="options"')[1].split("</fieldset>")[0]
    else:
        assert message in field_block(page, field)


def test_a_short_answer_keeps_its_reference_answer_and_rubric(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", short_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    version = only_version(db)
    assert (version.qtype, version.key, version.rubric) == ("short_answer", "有明确的申请人和被申请人……", "每答出一项得1分。")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reference answer" in page and '<dd class="rubric">每答出一项得1分。</dd>' in page
    edit = client.get(f"/bank/questions/{version.question_id}/edit").get_data(as_text=True)
    assert "有明确的申请人和被申请人……</textarea>" in field_block(edit, "reference_answer")
    assert "每答出一项得1分。</textarea>" in field_block(edit, "rubric")


@pytest.mark.parametrize("form, field, message", [
    (question_form(rubric="答对得分"), "rubric", "only questions marked by a person have a rubric"),
    (question_form(reference_answer="参考"), "reference_answer", "the reference answer is for short-answer questions"),
    (short_form(blank_1="甲"), "blank_1", "the blanks are for fill-in questions"),
])
def test_a_field_of_another_type_is_refused_by_name(client, db, editor, form, field, message):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and count(db, Question) == 0
    where = page.split('id="blanks"')[1].split('<div class="field')[0] if field == "blank_1" else field_block(page, field)
    assert message in where


def test_an_option_is_pinned_with_a_tick_and_shown_as_kept_in_place(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(option_D="以上都是", key="D", pin_D="y"))
    assert response.status_code == 302
    assert only_version(db).pinned_options == [3]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<li>以上都是 <span class=\"badge pinned\">kept in place</span></li>" in page
    edit = client.get(f"/bank/questions/{only_version(db).question_id}/edit").get_data(as_text=True)
    assert re.search(r"<input aria-label=\"[^\"]+\" checked id=\"pin_D\"", edit)
    assert re.search(r"<input aria-label=\"[^\"]+\" id=\"pin_C\"", edit)


def test_a_pin_on_an_empty_option_is_refused_not_dropped(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(pin_F="y"))
    assert response.status_code == 422 and count(db, Question) == 0
    assert "option F is pinned but the question has no such option" in response.get_data(as_text=True)


def test_two_identical_options_are_refused_on_the_second(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(option_C="规 章"))
    assert response.status_code == 422 and count(db, Question) == 0
    assert "options B and C are the same" in field_block(response.get_data(as_text=True), "option_C")


def test_the_reviewer_sees_a_change_of_pins_alone_compared(client, make, editor):
    question = make.question("single_choice", options=["警告", "罚款", "拘留", "以上都是"], key=["D"])
    make.revision(question, pinned_options=[3])
    signed_in(client, make.user(Role.BANK_REVIEWER))
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    row = page.split('data-field="pinned_options"')[1].split("</tr>")[0]
    assert 'class="changed"' in row and "<td>—</td>" in row and "<td>D</td>" in row


# --- import: template, help, report --------------------------------------------------------------

def test_the_downloadable_template_and_the_import_page_explain_the_new_columns(client, editor):
    signed_in(client, editor)
    book = load_workbook(io.BytesIO(client.get("/bank/import/template.xlsx").data))
    rows = list(book["题库"].iter_rows(values_only=True))
    assert rows[0] == TEMPLATE_HEADERS and {"固定选项", "评分标准"} <= set(rows[0])
    assert {row[0] for row in rows[1:]} >= {"填空", "简答"}
    page = client.get("/bank/import").get_data(as_text=True)
    for text in ("固定选项", "评分标准", "行政复议|行政诉讼/诉讼", "以上都是"):
        assert text in page


def test_the_batch_page_lists_the_options_pinned_at_import(client, db, editor, make):
    signed_in(client, editor)
    header = ("题型", "题干", "选项A", "选项B", "选项C", "答案", "分类")
    response = upload(client, "题库.xlsx", questions_xlsx([("单选", "种类（ ）", "警告", "罚款", "以上都是", "C", "行政处罚法")],
                                                         header), "valid_only")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "were pinned so that shuffling leaves them in place" in page
    listing = page.split('id="pinned-proposals"')[1].split("</section>")[0]
    assert 'data-row="2"' in listing and "C. 以上都是" in listing


@pytest.mark.parametrize("typed, sep", [("二/2", "/"), ("二／2", "／"), ("行政复议|行政诉讼", "|"), ("甲｜乙", "｜")])
def test_a_separator_of_the_template_left_bare_in_a_blank_is_refused_not_saved_as_one_answer(
        client, db, editor, typed, sep):
    """The import reads 二/2 as two answers; the editor does not guess: it refuses, saying both ways."""
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", fill_form(blank_1=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and count(db, QuestionVersion) == 0
    assert f"blank 1: the answer {typed} holds {sep}, which the import template reads as a separator" in page
    assert f"write each accepted answer on its own line, or write \\{sep} to keep {sep} in the answer" in page
    assert typed in field_block(page, "blank_1")  # what was typed stays


def test_a_slash_in_an_answer_is_written_as_the_template_writes_it_and_shown_apart_from_the_alternatives(
        client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", fill_form(blank_1="二\n2", blank_2="1\\/2\n半"))
    assert response.status_code == 302, response.get_data(as_text=True)
    version = only_version(db)
    assert version.key == [["二", "2"], ["1/2", "半"]]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ('<span class="alternative">1/2</span> <span class="or">or</span> <span class="alternative">半</span>'
            in page)
    # The editor shows the answer as it reads it back: saving unchanged changes nothing.
    edit = client.get(f"/bank/questions/{version.question_id}/edit").get_data(as_text=True)
    assert "1\\/2\n半</textarea>" in field_block(edit, "blank_2")


def test_the_editor_and_the_import_read_the_same_answers_alike(client, db, editor):
    """二/2 in the template's 答案 column is two answers; in the editor, two lines; 1\\/2 is one in both."""
    from question_bank.models import ImportBatch
    signed_in(client, editor)
    assert client.form_post("/bank/questions/new", fill_form(
        stem="（ ）和___", blank_1="二\n2", blank_2="1\\/2")).status_code == 302
    row = ("填空", "（ ）与___", "", "", "", "", "二/2|1\\/2", "", "", "", "", "行政处罚法", "")
    assert upload(client, "f.xlsx", questions_xlsx([row]), repeats="keep").status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    imported = db.scalars(select(Question).where(Question.import_batch_id == batch.id)).one()
    typed = db.scalars(select(Question).where(Question.import_batch_id.is_(None))).one()
    assert imported.current_version.key == typed.current_version.key == [["二", "2"], ["1/2"]]
