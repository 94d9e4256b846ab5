"""The start confirmation on a 375 px phone (case C-24): a late starter sees the window's real end
time and the exam rules, cannot start without ticking the integrity pledge, and then starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt
from tests.conftest import at
from tests.e2e.accessibility import axe_violations
from tests.e2e.conftest import PHONE
from tests.e2e.starting import TIMEOUT_MS
from tests.scenarios import single_choice_exam

pytestmark = pytest.mark.browser


def test_c24_a_late_starter_confirms_the_real_end_time_on_a_phone(phone: Page, sign_in, make, clock, db):
    exam = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"),
                              rules_text="独立作答。\n不得拍照或传播试题：" + "https://example.org/" + "x" * 120)
    db.commit()
    clock.set(at("11:57:00"))
    page = phone
    sign_in(page, exam.cadre.username)

    card = page.locator(f"[data-sitting='{exam.sitting.id}']")
    expect(card.locator(".start-ends")).to_contain_text("2026-05-11 12:00", timeout=TIMEOUT_MS)
    card.locator("a.button.primary").click()

    confirmation = page.locator("#start-confirmation")
    expect(confirmation.locator(".cut-short")).to_contain_text("2026-05-11 12:00", timeout=TIMEOUT_MS)
    expect(confirmation.locator(".cut-short")).to_contain_text("3 分钟", timeout=TIMEOUT_MS)
    expect(page.locator("#exam-rules")).to_contain_text("独立作答。", timeout=TIMEOUT_MS)
    expect(page.locator("#pledge-text")).to_contain_text("诚实独立作答", timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("#pledge").bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20

    # Unticked, the browser keeps the form: nobody starts by a stray tap.
    page.locator("#start-button").click()
    expect(page.locator("#start-confirmation")).to_be_visible(timeout=TIMEOUT_MS)
    assert db.query(Attempt).filter_by(user_id=exam.cadre.id).count() == 0
    db.rollback()

    page.locator("#pledge").check()
    page.locator("#start-button").click()
    expect(page.locator("#exam")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#deadline")).to_contain_text("12:00", timeout=TIMEOUT_MS)
    db.rollback()
    attempt = db.query(Attempt).filter_by(user_id=exam.cadre.id).one()
    assert attempt.deadline == at("12:00:00") and attempt.pledge_accepted_at == at("11:57:00")



@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_warnings_that_time_is_cut_short_or_starting_closed_are_readable(browser, live_server, sign_in, make,
                                                                             clock, db, width):
    """Issue-9 trial, finding 5: the late-start warnings (and every text in the warning colour) were
    #b26a00 on #fff4e0, 3.9:1, under WCAG's 4.5:1; axe called them serious."""
    cut_short = single_choice_exam(make, minutes=60, opens_at=at("08:00:00"), closes_at=at("12:00:00"))
    closed = make.sitting(cut_short.sitting.paper, roster=[cut_short.cadre], minutes=30, opens_at=at("08:00:00"),
                          closes_at=at("12:00:00"), late_start_cutoff_s=600)
    db.commit()
    clock.set(at("11:57:00"))
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, cut_short.cadre.username)
    expect(page.locator(f"[data-sitting='{cut_short.sitting.id}'] .cut-short")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(f"[data-sitting='{closed.id}'] .late-start-closed")).to_be_visible(timeout=TIMEOUT_MS)
    assert axe_violations(page) == []
    page.goto(f"{live_server}/me/sittings/{cut_short.sitting.id}/start")
    expect(page.locator("#start-confirmation .cut-short")).to_be_visible(timeout=TIMEOUT_MS)
    assert axe_violations(page) == []
    context.close()
