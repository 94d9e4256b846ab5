"""The law review on a 375 px phone in headless Chromium: a bank reviewer follows the nav's count to
the list, opens a held question, reads the old and the new article one above the other with the
changed characters marked and nothing sticking out past the screen, and clears it; the question is
then drawn again and the count is gone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from question_bank.models import LawReviewFlag, ReviewOutcome, Role
from tests.e2e.test_browser_laws import fits
from tests.question_bank.test_amendments import SUPERVISION_2018, SUPERVISION_2024

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def test_a_reviewer_compares_and_clears_a_held_question_on_a_phone(phone: Page, live_server, sign_in, make, db):
    make.laws(SUPERVISION_2018)
    make.question(category="监察法", legal_basis="《中华人民共和国监察法》第十二条", stem="派驻监察机构的题（　）")
    make.laws(SUPERVISION_2024)
    reviewer = make.user(Role.BANK_REVIEWER)
    page = phone
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, reviewer.username)
    page.goto(f"{live_server}/bank/questions")
    expect(page.locator("#nav-law-review-count")).to_have_text("1")
    page.locator("#nav-law-review").click()
    expect(page.locator("#flags .review-item")).to_have_count(1)
    fits(page)
    page.locator("#flags .review-item a.button").click()

    old, new = page.locator("#old-article"), page.locator("#new-article")
    expect(old).to_contain_text("第十二条")
    expect(new).to_contain_text("第十二条")
    expect(page.locator("#old-article del, #new-article ins").first).to_be_visible()
    # One above the other on a phone, each as wide as the screen allows.
    old_box, new_box = old.bounding_box(), new.bounding_box()
    assert new_box["y"] >= old_box["y"] + old_box["height"] - 1
    assert old_box["width"] > 300 and new_box["width"] > 300
    fits(page)

    page.fill("#clear-form textarea[name=note]", "修订仅调整表述，本题仍然适用")
    page.locator("#clear-form button[type=submit]").click()
    expect(page.locator("#nothing-held")).to_be_visible()
    expect(page.locator("#nav-law-review-count")).to_have_count(0)
    fits(page)
    flag = db.scalar(select(LawReviewFlag))
    db.refresh(flag)
    assert flag.outcome == ReviewOutcome.CLEARED and flag.note == "修订仅调整表述，本题仍然适用"
