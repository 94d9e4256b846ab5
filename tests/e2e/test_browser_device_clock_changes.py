"""A phone whose clock is changed mid-exam (set by hand, or corrected by the network) neither
misorders the changes it keeps nor misstates their age (SEC-F2 as filed with issue 9): the exam page
orders its kept changes by a counter of the device's changes and reckons their age in the server's
time plus performance.now(), never by Date.now().

The device clock is moved by an init script that adds a shift, kept in the device's localStorage,
to Date.now() in every page of the device."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.devices import WAIT_MS, device, open_exam, option
from tests.scenarios import single_choice_exam

pytestmark = pytest.mark.browser

SAVES = re.compile(r".*/responses$")
HOUR_MS = 3_600_000
SHIFTABLE_CLOCK = """
(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + Number(localStorage.getItem("test-clock-shift") || 0);
})();
"""


@pytest.fixture
def exam(make, db):
    exam = single_choice_exam(make, count=3, key="C")
    db.commit()
    return exam


def _phone(browser: Browser) -> BrowserContext:
    context = device(browser)
    context.add_init_script(SHIFTABLE_CLOCK)
    return context


def _stored(db, attempt_id: int) -> dict[int, object]:
    db.rollback()
    return {slot: found.answer for slot, found in current_responses(db, attempt_id).items()}


def _continue_here(page) -> None:
    expect(page.locator("#takeover-dialog")).to_be_visible(timeout=WAIT_MS)
    page.click("#takeover-confirm")
    expect(page.locator("#q1 input").first).to_be_enabled(timeout=WAIT_MS)


def test_the_age_of_a_change_not_taken_is_not_moved_by_the_phone_clock_jumping_forward(browser: Browser, sign_in,
                                                                                         exam, db):
    phone = _phone(browser)
    page_b = phone.new_page()
    open_exam(page_b, sign_in, exam.cadre.username, exam.sitting.id)
    page_b.route(SAVES, lambda route: route.abort())
    option(page_b, 2, "A").check()
    expect(page_b.locator("#q2 .slot-state")).to_have_attribute("data-state", "retrying", timeout=WAIT_MS)

    computer = device(browser).new_page()
    open_exam(computer, sign_in, exam.cadre.username, exam.sitting.id)
    _continue_here(computer)
    option(computer, 2, "C").check()
    expect(computer.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    page_b.close(run_before_unload=False)

    # The phone's clock is put forward three hours (the network corrects it), then the exam is
    # opened there again: its kept "A" is refused, and the notice says how old it really is.
    page_b2 = phone.new_page()
    page_b2.goto(computer.url)
    page_b2.evaluate(f"localStorage.setItem('test-clock-shift', '{3 * HOUR_MS}')")
    _continue_here(page_b2)
    notice = page_b2.locator("#exam-notices li")
    expect(notice).to_contain_text("另一台设备", timeout=WAIT_MS)
    minutes = int(re.search(r"约 (\d+) 分钟前", notice.inner_text()).group(1))
    assert minutes < 60  # made a few minutes ago at most, not three hours (the device clock's jump)
    attempt_id = db.query(Attempt).filter_by(user_id=exam.cadre.id).one().id
    assert _stored(db, attempt_id) == {2: ["C"]}


def test_of_two_kept_changes_the_one_made_last_wins_after_the_phone_clock_was_set_back(browser: Browser, sign_in,
                                                                                       exam, db):
    """Two tabs of the phone closed with a change of question 1 each, unsent; between them the
    phone's clock was set back an hour, so the later change has the earlier device time. Reopened,
    the page sends the change made last."""
    phone = _phone(browser)
    page = phone.new_page()
    open_exam(page, sign_in, exam.cadre.username, exam.sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=exam.cadre.id).one().id
    device_now = page.evaluate("Date.now()")
    kept = {
        f"examsvc-pending-{attempt_id}-closedtab1": {"1": {"answer": ["A"], "seq": 1, "writer": "closedtab1", "base": 0,
                                                           "at": device_now, "order": 1}},
        f"examsvc-pending-{attempt_id}-closedtab2": {"1": {"answer": ["B"], "seq": 1, "writer": "closedtab2", "base": 0,
                                                           "at": device_now - HOUR_MS, "order": 2}},
        f"examsvc-order-{attempt_id}": 2,
    }
    page.evaluate("kept => Object.entries(kept).forEach(([k, v]) => localStorage.setItem(k, JSON.stringify(v)))",
                  kept)
    page.reload()
    expect(option(page, 1, "B")).to_be_checked(timeout=WAIT_MS)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert _stored(db, attempt_id) == {1: ["B"]}
    assert json.loads(page.evaluate(f"localStorage.getItem('examsvc-order-{attempt_id}')")) == 2
