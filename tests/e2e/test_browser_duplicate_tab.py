"""A second tab of the same attempt in the same browser (issue-9 trial): a duplicated tab shares
the session cookie and copies the tab's sessionStorage, so the server took it for a reload of the
first and gave it the attempt without asking, while the first page went on as if it held it. Now
the copy finds the first page live (BroadcastChannel) and asks "continue here?"; continuing there
turns the first tab read-only at once, with the takeover message other devices get. A reload of
the tab is still never asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.devices import WAIT_MS, answered, attempt_id_of, device, open_exam, stored

pytestmark = pytest.mark.browser


def _duplicate(page: Page) -> Page:
    """The tab opened again from itself, as the browser's "Duplicate tab" does: same cookies, and
    a copy of its sessionStorage (Chromium copies it into a window its page opens)."""
    with page.context.expect_page(timeout=WAIT_MS) as opened:
        page.evaluate("window.open(location.href)")
    copy = opened.value
    copy.wait_for_load_state("domcontentloaded", timeout=WAIT_MS)
    key = f"examsvc-page-{page.locator('#exam').get_attribute('data-attempt')}"
    copied = copy.evaluate(f"sessionStorage.getItem('{key}')")
    assert copied is not None and page.evaluate("document.getElementById('exam').dataset.writer") in copied
    return copy


def test_a_duplicated_tab_asks_to_continue_and_the_first_tab_turns_read_only_at_once(browser: Browser, sign_in,
                                                                                      exam, db):
    first = device(browser).new_page()
    open_exam(first, sign_in, exam.cadre.username, exam.sitting.id)
    answered(first, 1, "A")

    second = _duplicate(first)
    expect(second.locator("#takeover-dialog")).to_be_visible(timeout=WAIT_MS)
    expect(second.locator("#q2 input").first).to_be_disabled()
    # Until the candidate chooses, the first tab keeps the exam.
    answered(first, 2, "B")

    second.click("#takeover-confirm")
    expect(second.locator("#q3 input").first).to_be_enabled(timeout=WAIT_MS)
    # The first tab is told without waiting for its next poll or save.
    expect(first.locator("#held-elsewhere")).to_be_visible(timeout=WAIT_MS)
    expect(first.locator("#held-elsewhere-text")).to_contain_text("另一台设备", timeout=WAIT_MS)
    expect(first.locator("#q3 input").first).to_be_disabled()
    expect(first.locator("#submit-open")).to_be_disabled()

    answered(second, 3, "C")
    assert stored(db, attempt_id_of(db, exam)) == {1: ["A"], 2: ["B"], 3: ["C"]}


def test_reloading_the_tab_holding_the_exam_is_not_asked(browser: Browser, sign_in, exam):
    page = device(browser).new_page()
    open_exam(page, sign_in, exam.cadre.username, exam.sitting.id)
    answered(page, 1, "A")
    page.reload()
    expect(page.locator("#q2 input").first).to_be_enabled(timeout=WAIT_MS)
    expect(page.locator("#takeover-dialog")).to_be_hidden()
    expect(page.locator("#held-elsewhere")).to_be_hidden()
