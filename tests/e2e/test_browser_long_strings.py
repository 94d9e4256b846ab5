"""Issue 9: no page scrolls sideways on a 375 px phone whatever a question holds. Every text
field of a question (stem, options, explanation) and the sitting's title are filled with long
unbroken strings a real bank brings (web addresses, long numbers, article lists without spaces),
and the exam, result, review, bank question and import batch pages must each fit the screen:
such text wraps, or scrolls inside its own box."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Role
from question_bank.services import importing
from tests.e2e.starting import start_from_list
from tests.e2e.accessibility import sideways_overflow
from tests.factories import QUESTION_HEADER, questions_xlsx

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
URL = "https://www.npc.gov.cn/npc/c2/c30834/202301/t20230101_" + "4" * 60 + "_" + "abcdefghij" * 8 + ".shtml"
NUMBER = "91110000" + "1234567890" * 9
ARTICLES = "第" + ",".join(str(n) for n in range(1, 90)) + "条"
ENGLISH = "Art." + ";Art.".join(str(n) for n in range(1, 60))


def _long_question(make):
    return make.question(
        "single_choice", key=["B"],
        stem=f"依据{URL}公布的文本，统一社会信用代码{NUMBER}的单位适用{ARTICLES}，以下正确的是（　）",
        options=[URL, NUMBER, ARTICLES, ENGLISH],
        explanation=f"见{URL}{ARTICLES}{NUMBER}{ENGLISH}")


def _assert_fits(page: Page, what: str) -> None:
    expect(page.locator("main")).to_be_visible(timeout=WAIT_MS)
    # Measured once the style sheets are in: before that the browser lays the page out unstyled.
    page.wait_for_load_state("load", timeout=WAIT_MS)
    assert sideways_overflow(page) == 0, f"{what} scrolls sideways at 375 px"


def test_exam_result_and_review_pages_fit_a_phone_whatever_the_question_holds(phone: Page, sign_in, make, db):
    _long_question(make)
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], shuffle=False,
                           show_answers=True, title="2026年第一期任前考试" + NUMBER)
    db.commit()
    sign_in(phone, cadre.username)
    _assert_fits(phone, "the candidate's sittings")
    start_from_list(phone, sitting.id)
    expect(phone.locator("#q1 input").first).to_be_enabled(timeout=WAIT_MS)
    _assert_fits(phone, "the exam page")
    phone.click("#card-link")
    phone.click("#page-mode")
    _assert_fits(phone, "the exam page, one question a page")
    if os.environ.get("EXAMSVC_SCREENSHOTS"):
        phone.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "exam-long-strings.png"), full_page=True)

    phone.locator("#q1 .option").nth(1).click()
    expect(phone.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    phone.locator("#submit-open").click()
    phone.click("#submit-confirm")
    phone.wait_for_url("**/result", timeout=WAIT_MS)
    _assert_fits(phone, "the result page")
    phone.locator("a[href$='/review']").click()
    expect(phone.locator(".stem").first).to_be_visible(timeout=WAIT_MS)
    expect(phone.locator("main")).to_contain_text(ENGLISH[:20])  # the explanation is on the page
    _assert_fits(phone, "the review page")


def test_bank_question_and_import_batch_pages_fit_a_phone_whatever_the_question_holds(phone: Page, sign_in,
                                                                                     make, db, clock):
    question = _long_question(make)
    editor = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    row = ("单选", f"{URL}{ARTICLES}（　）", URL, NUMBER, ARTICLES, ENGLISH, "B", f"{URL}{NUMBER}", "", "", "",
           "行政处罚法", "")
    report = importing.import_questions(db, clock, editor, f"题库{NUMBER}.xlsx", questions_xlsx([row], QUESTION_HEADER),
                                        importing.VALID_ONLY)
    db.commit()
    assert report.batch is not None
    sign_in(phone, editor.username)
    phone.goto(phone.url.split("/", 3)[0] + "//" + phone.url.split("/", 3)[2] + f"/bank/questions/{question.id}")
    expect(phone.locator("main")).to_contain_text(ENGLISH[:20], timeout=WAIT_MS)
    _assert_fits(phone, "the bank question page")
    phone.goto(phone.url.rsplit("/bank/", 1)[0] + f"/bank/batches/{report.batch.id}")
    expect(phone.locator("main")).to_contain_text(ARTICLES[:10], timeout=WAIT_MS)
    _assert_fits(phone, "the import batch page")
    phone.goto(phone.url.rsplit("/bank/", 1)[0] + "/bank/questions")
    _assert_fits(phone, "the bank's question list")
