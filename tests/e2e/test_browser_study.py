"""The cadre's study page in headless Chromium on a 375 px phone: the home page shows the list
first, the study page lists its items, an item shows its text and links to the reader, "mark as
studied" records the time the server measured, and nothing sticks out past the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from question_bank.models import Role, StudyProgress
from question_bank.services import study_list_files, study_lists
from tests.e2e.conftest import PHONE
from tests.e2e.test_browser_accounts import overflowing
from tests.shared_data import SHARED

pytestmark = pytest.mark.browser
WAIT = 30_000


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []


def test_a_cadre_studies_a_list_item_on_a_phone(phone: Page, live_server, sign_in, make, db, clock):
    make.laws("宪法", "民法典", "宪法相关法", "行政法", "诉讼与非诉讼程序法")
    keeper = make.user(Role.STUDY_ADMIN)
    data = (SHARED / "datasets" / "study-lists" / "enforcement-2026.xlsx").read_bytes()
    found = study_list_files.import_list(db, clock, keeper, "enforcement-2026.xlsx", data)
    study_lists.publish(db, clock, keeper, found)
    db.commit()
    cadre = make.cadre(rank="正科")
    page = phone
    sign_in(page, cadre.username)
    expect(page.locator("#my-study")).to_contain_text(found.title, timeout=WAIT)
    fits(page)
    page.locator("#my-study a.button").click()
    items = page.locator(f"#list-{found.id} .study-items li")
    expect(items).to_have_count(8, timeout=WAIT)
    fits(page)
    items.nth(2).locator("a.open").click()
    expect(page.locator("#a31")).to_contain_text("第三十一条", timeout=WAIT)
    expect(page.locator(".scope-parts a").first).to_have_attribute("href", f"/laws/versions/{found.items[2].law_version_id}/articles/31")
    fits(page)
    clock.advance(minutes=12)
    page.locator("#mark-studied").click()
    expect(page.locator(f"#list-{found.id} li[data-item='{found.items[2].id}'] .studied")).to_be_visible(timeout=WAIT)
    expect(page.locator(f"#list-{found.id} .progress-text")).to_contain_text("1", timeout=WAIT)
    fits(page)
    db.expire_all()
    row = db.scalar(select(StudyProgress).where(StudyProgress.user_id == cadre.id))
    assert row.seconds_spent == 12 * 60
