"""A phone whose clock is changed mid-exam (set by hand, or corrected by the network) neither
misorders the changes it keeps nor misstates their age (SEC-F2 as filed with issue 9): the exam page
orders its kept changes by a counter of the device's changes and reckons their age in the server's
time plus performance.now(), never by Date.now().

The device clock is moved by an init script that adds a shift, kept in the device's localStorage,
to Date.now() in every page of the device."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.devices import (WAIT_MS, answered, attempt_id_of, continue_here, device, expect_changed_elsewhere_notice,
                               open_exam, option, phone_with_an_unsent_change, stored, takeover)

pytestmark = pytest.mark.browser

HOUR_MS = 3_600_000
SHIFTABLE_CLOCK = """
(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + Number(localStorage.getItem("test-clock-shift") || 0);
})();
"""


def _phone(browser: Browser) -> BrowserContext:
    context = device(browser)
    context.add_init_script(SHIFTABLE_CLOCK)
    return context


def test_the_age_of_a_change_not_taken_is_not_moved_by_the_phone_clock_jumping_forward(browser: Browser, sign_in,
                                                                                         exam, db):
    phone = _phone(browser)
    page_b, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db, saved=None, unsent=(2, "A"),
                                                     context=phone)

    computer = takeover(browser, sign_in, exam)
    answered(computer, 2, "C")
    page_b.close(run_before_unload=False)

    # The phone's clock is put forward three hours (the network corrects it), then the exam is
    # opened there again: its kept "A" is refused, and the notice says how old it really is.
    page_b2 = phone.new_page()
    page_b2.goto(computer.url)
    page_b2.evaluate(f"localStorage.setItem('test-clock-shift', '{3 * HOUR_MS}')")
    continue_here(page_b2)
    # Made seconds ago: said as "just now", not three hours (the device clock's jump) nor "1 minute".
    expect_changed_elsewhere_notice(page_b2, 2)
    assert stored(db, attempt_id) == {2: ["C"]}


def test_of_two_kept_changes_the_one_made_last_wins_after_the_phone_clock_was_set_back(browser: Browser, sign_in,
                                                                                       exam, db):
    """Two tabs of the phone closed with a change of question 1 each, unsent; between them the
    phone's clock was set back an hour, so the later change has the earlier device time. Reopened,
    the page sends the change made last."""
    phone = _phone(browser)
    page = phone.new_page()
    open_exam(page, sign_in, exam.cadre.username, exam.sitting.id)
    attempt_id = attempt_id_of(db, exam)
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
    assert stored(db, attempt_id) == {1: ["B"]}
    assert json.loads(page.evaluate(f"localStorage.getItem('examsvc-order-{attempt_id}')")) == 2


def test_the_age_of_a_change_not_taken_is_just_now_under_a_minute_and_whole_minutes_rounded_after(browser: Browser,
                                                                                                   sign_in, exam):
    """Issue-9 trial: a change 5 s old was said to be "about 1 min" old."""
    page = device(browser).new_page()
    open_exam(page, sign_in, exam.cadre.username, exam.sitting.id)
    said = page.evaluate("""() => [5e3, 59e3, 60e3, 89e3, 90e3, 185e3].map(
        age => window.ExamNotices.agoText(1e9, 1e9 + age, "now", "about %(minutes)s min ago"))""")
    assert said == ["now", "now", "about 1 min ago", "about 1 min ago", "about 2 min ago", "about 3 min ago"]
