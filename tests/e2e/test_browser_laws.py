"""Reading the law and picking articles in headless Chromium on a 375 px phone: the contents fold
away and open on a tap, an entry leads to its text, jumping and searching work, nothing sticks out
past the screen; on the question form the picker inserts a citation that the check then finds."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from question_bank.models import LawVersion, Role
from tests.e2e.conftest import PHONE
from tests.e2e.test_browser_accounts import overflowing

pytestmark = pytest.mark.browser


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []


def test_a_cadre_reads_a_law_on_a_phone(phone: Page, live_server, sign_in, make, db):
    make.laws("刑法/刑法.md", "行政法/行政处罚法(2021-01-22).md")
    cadre = make.cadre()
    page = phone
    sign_in(page, cadre.username)
    page.goto(f"{live_server}/laws/")
    fits(page)
    page.get_by_role("link", name="中华人民共和国行政处罚法").click()
    toc = page.locator("#toc")
    expect(toc).not_to_have_attribute("open", "")      # folded on a phone
    expect(page.locator("#a36")).to_be_attached()
    fits(page)
    toc.locator("summary").click()
    expect(toc.locator("a", has_text="第五章 行政处罚的决定")).to_be_visible()
    toc.locator("a", has_text="第五章 行政处罚的决定").click()
    expect(toc).not_to_have_attribute("open", "")      # a tap on an entry folds it again
    assert "#h" in page.url

    page.fill("#to", "第三十六条")
    page.locator(".jump-form button").click()
    expect(page.locator("main h1")).to_contain_text("第三十六条")
    fits(page)

    criminal = db.scalar(select(LawVersion).where(LawVersion.article_count == 505))
    page.goto(f"{live_server}/laws/versions/{criminal.id}")
    page.fill("#q", "醉酒")
    page.locator(".search-form button").click()
    expect(page.locator("mark", has_text="醉酒").first).to_be_visible()
    fits(page)
    page.locator(".hits a", has_text="第一百三十三条之一").click()
    expect(page.locator("main h1")).to_contain_text("第一百三十三条之一")
    fits(page)


def test_an_editor_picks_articles_from_the_catalogue_on_a_phone(phone: Page, live_server, sign_in, make, db):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    editor = make.user(Role.BANK_EDITOR)
    page = phone
    sign_in(page, editor.username)
    page.goto(f"{live_server}/bank/questions/new")
    page.fill("#legal_basis", "《物权法》第十条")
    expect(page.locator("#basis-check")).to_contain_text("⚠", timeout=15_000)
    page.locator("#law-picker summary").click()
    page.fill("#picker-law", "处罚")
    page.locator("#picker-laws button", has_text="中华人民共和国行政处罚法").click()
    page.fill("#picker-filter", "36")
    page.locator("#picker-articles input[value='第三十六条']").check()
    page.locator("#picker-insert").click()
    assert page.input_value("#legal_basis") == "《物权法》第十条；《中华人民共和国行政处罚法》第三十六条"
    expect(page.locator("#basis-check li.ok a", has_text="第三十六条")).to_be_visible(timeout=15_000)
    expect(page.locator("#basis-check li.warn")).to_have_count(1)
    fits(page)
