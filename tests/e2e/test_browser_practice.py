"""A cadre practises on a 375 px phone in headless Chromium: from the home page to practice, a law
chosen, a question answered wrong, the feedback with the key, the explanation and the cited
article (a link to the law reader), the next question, and the wrong-answer book holding the one
got wrong; nothing sticks out past the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE
from tests.e2e.test_browser_accounts import overflowing

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []


def test_a_cadre_practises_a_law_and_finds_the_wrong_answer_in_the_book(phone: Page, live_server, sign_in, make, db):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    make.question("single_choice", key=["C"], options=["警告", "记过", "罚款并没收违法所得，情节严重的吊销许可证件", "降级"],
                  stem="下列哪一项属于行政处罚法规定的行政处罚种类中较重的一种？", category="行政法/处罚",
                  explanation="第九条列举了行政处罚的种类。", legal_basis="《中华人民共和国行政处罚法》第九条")
    make.question("true_false", key=True, stem="行政处罚的种类包括行政拘留。", category="行政法/处罚",
                  explanation="第九条第五项。", legal_basis="《中华人民共和国行政处罚法》第九条")
    cadre = make.cadre()
    db.commit()

    page = phone
    page.set_default_timeout(TIMEOUT)
    sign_in(page, cadre.username)
    page.goto(f"{live_server}/me/")
    page.locator("#practice-link").click()
    expect(page.locator("#by-law")).to_be_visible(timeout=TIMEOUT)
    fits(page)
    page.locator("#by-law button", has_text="中华人民共和国行政处罚法").click()

    question = page.locator("form.practice-question")
    expect(question).to_be_visible(timeout=TIMEOUT)
    fits(page)
    got_wrong = question.locator(".stem").inner_text()
    if question.get_attribute("data-answer-form") == "true_false":
        question.locator(".option", has_text="错误").click()
    else:
        question.locator(".option", has_text="警告").click()
    page.locator("#check").click()

    expect(page.locator("#verdict")).to_have_class("verdict wrong", timeout=TIMEOUT)
    expect(page.locator("#answer-key")).to_be_visible()
    expect(page.locator("#explanation")).to_contain_text("第九条")
    article = page.locator(".cited-article")
    expect(article).to_contain_text("行政处罚的种类")
    fits(page)
    # The cited article is one tap away in the law reader.
    article.locator("h2 a").click()
    expect(page.locator("main h1")).to_contain_text("第九条", timeout=TIMEOUT)
    page.go_back()

    page.locator("#next").click()
    second = page.locator("form.practice-question")
    expect(second).to_be_visible(timeout=TIMEOUT)
    assert second.locator(".stem").inner_text() != got_wrong

    page.goto(f"{live_server}/me/wrong-book")
    expect(page.locator(".book-entries li")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(".book-entries li .stem")).to_have_text(got_wrong)
    fits(page)

    page.goto(f"{live_server}/me/practice/")
    page.locator("#practise-book").click()
    expect(page.locator("form.practice-question .stem")).to_have_text(got_wrong, timeout=TIMEOUT)

