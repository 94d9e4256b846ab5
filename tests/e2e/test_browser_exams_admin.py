"""The exam admin's pages in headless Chromium: the paper form's sections table fits a 1280 px
screen in English with its last column, the bank's count, in sight; on a 375 px phone nothing
sticks out past the screen's edge (tables scroll inside their own box)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from question_bank.models import Role, RosterEntry, UnitLevel
from question_bank.services import attempts
from question_bank.services import papers as paper_service
from question_bank.services import sittings as sitting_service
from question_bank.services.papers import PaperSpec, SectionSpec
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser

CATEGORY = "司法考试/知识型"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def admin_sitting(db, clock, make):
    """A city's exam admin, a two-section paper not yet used, and an open sitting (of a paper like
    it) with one candidate answering."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("甲市自然资源和规划局国土空间用途管制处", parent=city)
    admin = make.user(Role.EXAM_ADMIN, username="admin_a", unit=city)
    cadres = [make.cadre(unit=dept, display_name=f"欧阳干部{i}") for i in range(3)]
    make.questions(30, "single_choice", category=CATEGORY)
    make.questions(10, "multiple_choice", category=CATEGORY)
    sections = [SectionSpec("single_choice", 30, Decimal(2), CATEGORY),
                SectionSpec("multiple_choice", 10, Decimal(4), CATEGORY, title="多项选择题")]
    paper = paper_service.create_paper(db, clock, admin, PaperSpec("任前考试卷", sections))
    unused = paper_service.create_paper(db, clock, admin, PaperSpec("备用卷", sections))
    sitting = sitting_service.create_sitting(db, clock, admin, SittingSpec(
        "甲市任前法律知识考试", "pre_appointment", paper.id, at("09:00:00"), at("17:00:00"), 3600))
    for cadre in cadres:
        sitting.roster.append(RosterEntry(user_id=cadre.id, added_at=clock.now(), current_post="科长",
                                          proposed_post="副局长"))
    db.commit()
    attempt = attempts.start_attempt(db, clock, cadres[0], sitting)
    attempts.save_response(db, clock, cadres[0], attempt.id, 1, ["A"], 1)
    db.commit()
    return unused, sitting


def in_english(page: Page, live_server: str, sign_in) -> None:
    sign_in(page, "admin_a")
    page.goto(f"{live_server}/exams/papers")
    page.click("form[action$='/lang/en'] button")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def overflowing(page: Page) -> list[str]:
    """Elements of the page's main part whose right edge lies past the screen, outside a scrolling table box."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(el => !el.closest('.table-wrap') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(el => el.tagName + (el.id ? '#' + el.id : ''))""")


def test_the_paper_forms_sections_table_fits_a_1280_px_screen_in_english(browser: Browser, live_server, sign_in, admin_sitting):
    paper, _ = admin_sitting
    page = browser.new_context(viewport=DESKTOP).new_page()
    in_english(page, live_server, sign_in)
    page.goto(f"{live_server}/exams/papers/{paper.id}/edit")
    wrap = page.locator("#sections").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    heading = page.locator("#sections thead th").last
    expect(heading).to_have_text("In the bank")
    box, frame = heading.bounding_box(), wrap.bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5
    expect(page.locator("#sections td.available[data-row='1']")).to_have_text("30")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_the_admins_pages_fit_a_phone_screen(phone: Page, live_server, sign_in, admin_sitting):
    paper, sitting = admin_sitting
    sign_in(phone, "admin_a")
    for path in (f"/exams/papers/{paper.id}/edit", f"/exams/papers/{paper.id}", f"/exams/sittings/{sitting.id}"):
        phone.goto(f"{live_server}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert overflowing(phone) == [], path
