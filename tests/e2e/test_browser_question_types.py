"""A cadre takes an exam with all six question types in headless Chromium on a 375 px phone:
choices are clicked, blanks and the short answer are typed and saved as typing pauses, a reload
keeps everything, a text typed just before submitting is handed in with the paper, the result
says the paper awaits marking, and the review shows the answers. The question editor shows only
the fields of the chosen type."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt, QuestionVersion, Role
from question_bank.services.marking import awaiting_marking, current_responses
from tests.e2e.conftest import PHONE
from tests.e2e.starting import start_from_list

pytestmark = pytest.mark.browser

FILL_STEM = "公民对行政行为不服的，可以依法申请（ ），也可以依法提起___。"
ESSAY = "行政机关应当依法告知拟作出的处罚内容及事实、理由、依据。"


@pytest.fixture
def six_type_exam(make, db):
    make.question("single_choice", key=["B"])
    make.question("multiple_choice", key=["A", "C"])
    make.question("indefinite_choice", options=["警告", "罚款", "拘留", "以上都是"], key=["D"], pinned_options=[3])
    make.question("true_false", key=True)
    make.question("fill_blank", stem=FILL_STEM, key=[["行政复议"], ["行政诉讼", "诉讼"]])
    make.question("short_answer")
    cadre = make.cadre()
    paper = make.paper([(qtype, 1, points, "行政处罚法") for qtype, points in (
        ("single_choice", 10), ("multiple_choice", 20), ("indefinite_choice", 10), ("true_false", 10),
        ("fill_blank", 20), ("short_answer", 30))])
    sitting = make.sitting(paper, roster=[cadre], shuffle=True, show_answers=True, title="六种题型")
    db.commit()
    return cadre, sitting


def _slot_of(page: Page, qtype: str) -> str:
    return page.locator(f".question[data-type='{qtype}']").get_attribute("data-slot")


def _saved(page: Page, slot: str) -> None:
    expect(page.locator(f"#q{slot} .slot-state")).to_have_attribute("data-state", "saved", timeout=20_000)


def test_a_phone_exam_with_every_type_saves_typed_answers_and_ends_awaiting_marking(phone, sign_in, six_type_exam, db):
    cadre, sitting = six_type_exam
    page = phone
    sign_in(page, cadre.username)
    start_from_list(page, sitting.id)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    slots = {qtype: _slot_of(page, qtype) for qtype in ("single_choice", "multiple_choice", "indefinite_choice",
                                                        "true_false", "fill_blank", "short_answer")}
    # The pinned option stays last whatever the shuffle.
    expect(page.locator(f"#q{slots['indefinite_choice']} .option span").nth(3)).to_have_text("D. 以上都是")

    page.locator(f"#q{slots['single_choice']} .option").nth(0).click()
    page.locator(f"#q{slots['true_false']} .option").nth(0).click()
    fill = page.locator(f"#q{slots['fill_blank']} input[data-blank]")
    expect(fill).to_have_count(2)
    fill.nth(0).fill(" 行政复议 ")
    fill.nth(1).fill("诉讼")
    _saved(page, slots["fill_blank"])  # saved once typing pauses, without leaving the field
    page.locator(f"#q{slots['short_answer']} textarea").fill(ESSAY)
    _saved(page, slots["short_answer"])
    expect(page.locator(f"[data-card='{slots['fill_blank']}']")).to_have_class("answered")
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    db.rollback()
    stored = current_responses(db, attempt.id)
    assert stored[int(slots["fill_blank"])].answer == [" 行政复议 ", "诉讼"]
    assert stored[int(slots["short_answer"])].answer == ESSAY

    page.reload()
    expect(page.locator(f"#q{slots['fill_blank']} input[data-blank]").nth(0)).to_have_value(" 行政复议 ")
    expect(page.locator(f"#q{slots['short_answer']} textarea")).to_have_value(ESSAY)
    if os.environ.get("EXAMSVC_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "exam-six-types.png"), full_page=True)

    # Typed and handed in at once, before the pause that would save it: it goes with the paper.
    page.locator(f"#q{slots['short_answer']} textarea").fill(ESSAY + "并告知听证权利。")
    page.click("#submit-open")
    expect(page.locator("#submit-missing a")).to_have_count(2)  # multiple and indefinite choice
    page.click("#submit-confirm")
    expect(page.locator("#awaiting-marking")).to_be_visible()
    db.rollback()
    attempt = db.get(Attempt, attempt.id)
    assert attempt.state == "submitted" and attempt.score is None
    assert current_responses(db, attempt.id)[int(slots["short_answer"])].answer == ESSAY + "并告知听证权利。"
    assert [item.slot for item in awaiting_marking(db, attempt)] == [int(slots["short_answer"])]

    page.click("text=查看我的答卷")
    expect(page.locator(".awaiting-marking")).to_have_count(1)
    expect(page.locator(f"[data-slot='{slots['short_answer']}'] .written-answer")).to_contain_text("并告知听证权利")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_question_editor_shows_the_fields_of_the_chosen_type(phone, sign_in, make, live_server, db):
    editor = make.user(Role.BANK_EDITOR)
    db.commit()
    page = phone
    sign_in(page, editor.username)
    page.goto(f"{live_server}/bank/questions/new")
    expect(page.locator("#options")).to_be_visible()
    expect(page.locator("#blanks")).to_be_hidden()
    page.select_option("select[name=qtype]", "fill_blank")
    expect(page.locator("#options")).to_be_hidden()
    expect(page.locator("#blanks")).to_be_visible()
    page.fill("textarea[name=stem]", "对行政行为不服的，可以申请（ ）。")
    page.fill("textarea[name=blank_1]", "行政复议\n复议")
    page.fill("textarea[name=explanation]", "行政复议法。")
    page.fill("input[name=category]", "行政复议法")
    page.click("form#question-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    db.rollback()
    version = db.query(QuestionVersion).one()
    assert (version.qtype, version.key) == ("fill_blank", [["行政复议", "复议"]])
    # Something typed for another type stays in view after a change of type, and is refused by name.
    page.goto(f"{live_server}/bank/questions/new")
    page.select_option("select[name=qtype]", "short_answer")
    page.fill("textarea[name=reference_answer]", "参考答案")
    page.select_option("select[name=qtype]", "single_choice")
    expect(page.locator("textarea[name=reference_answer]")).to_be_visible()
