"""Item analysis on a 375 px phone in headless Chromium: an auditor follows the nav to a sitting's
analysis; the three charts are drawn (inline SVG, no script) within the screen's width and nothing
sticks out past it, in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Role
from tests.e2e.test_browser_laws import fits
from tests.scenarios import handed_in

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def test_an_auditor_reads_the_charts_on_a_phone(phone: Page, live_server, sign_in, make, db, clock):
    make.questions(2, category="行政处罚法", key=["B"])
    cadres = [make.cadre(username=f"cadre{i}") for i in range(4)]
    sitting = make.sitting(make.paper(), roster=cadres, shuffle=False, title="任前法律知识考试")
    for i, cadre in enumerate(cadres):
        handed_in(db, clock, cadre, sitting, {1: ["B" if i else "A"]}, seed=1)
    db.commit()
    auditor = make.user(Role.AUDITOR)
    page = phone
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, auditor.username)
    page.goto(live_server + "/")
    page.locator("#nav-item-analysis").click()
    page.get_by_role("link", name="任前法律知识考试").click()
    expect(page.locator("#small-sample")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="成绩分布")).to_be_visible(timeout=TIMEOUT_MS)
    for chart in ("#chart-distribution svg", "#chart-pass-rates svg", "#chart-scatter svg"):
        box = page.locator(chart).bounding_box()
        assert box is not None and 0 < box["width"] <= 375 and box["height"] > 0
    assert page.locator("#chart-distribution .bar rect").count() == 10
    fits(page)
