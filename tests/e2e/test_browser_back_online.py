"""Back online, the exam page sends what it holds at once, without waiting out its back-off
(issue-9 trial, finding 4: a queued answer went 10.6 s after the network came back, and a back-off
of up to 15 s can outlast the grace after the deadline, so the last answers were not taken).

The page's timers are Playwright's fake clock, paused: a retry that waits for its timer never
goes, so only the network coming back can send the change or the hand-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from question_bank.models import Attempt, AttemptState
from question_bank.services.marking import current_responses
from tests.e2e.conftest import PHONE
from tests.e2e.starting import open_from_list

pytestmark = pytest.mark.browser

WAIT_MS = 45_000


def _phone_with_paused_timers(browser: Browser, sign_in, exam) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.clock.install()
    sign_in(page, exam.cadre.username)
    open_from_list(page, exam.sitting.id)
    expect(page.locator("#q1 input").first).to_be_enabled(timeout=WAIT_MS)
    page.clock.pause_at(page.evaluate("Date.now()") + 1_000)
    return context, page


def test_a_change_made_offline_is_saved_as_soon_as_the_network_is_back(browser: Browser, sign_in, exam, db):
    context, page = _phone_with_paused_timers(browser, sign_in, exam)
    context.set_offline(True)
    page.locator("#q2 input[value='B']").check()
    expect(page.locator("#q2 .slot-state")).to_have_attribute("data-state", "retrying", timeout=WAIT_MS)

    context.set_offline(False)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    attempt = db.query(Attempt).filter_by(user_id=exam.cadre.id).one()
    assert current_responses(db, attempt.id)[2].answer == ["B"]


def test_a_hand_in_made_offline_goes_as_soon_as_the_network_is_back(browser: Browser, sign_in, exam, db):
    context, page = _phone_with_paused_timers(browser, sign_in, exam)
    context.set_offline(True)
    page.locator("#q1 input[value='C']").check()
    page.locator("#submit-open").click()
    page.locator("#submit-confirm").click()
    expect(page.locator("#exam-alert")).to_contain_text("网络", timeout=WAIT_MS)

    context.set_offline(False)
    page.wait_for_url(re.compile(r".*/result$"), timeout=WAIT_MS)
    db.rollback()
    attempt = db.query(Attempt).filter_by(user_id=exam.cadre.id).one()
    assert attempt.state == AttemptState.SUBMITTED
    assert current_responses(db, attempt.id)[1].answer == ["C"]
