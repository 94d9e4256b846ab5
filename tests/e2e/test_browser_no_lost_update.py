"""Case C-18 and one active device in two browsers (two devices) on one attempt.

A change page B made before page A saved "C", sent late, never replaces "C"; page B shows "C" and
says the answer was changed on another device, and once it has seen "C" its next change is taken.
The same for a change kept in the browser by a closed page and resent when the exam is opened
again. A second device is asked "continue here?"; taking over makes the first page read-only and
it says why."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from question_bank.models import Attempt, DeviceEvent, DeviceEventKind
from question_bank.services.attempt_history import slot_history
from tests.e2e.conftest import PHONE
from tests.e2e.devices import (PC_AGENT, PHONE_AGENT, SAVES, WAIT_MS, answered, attempt_id_of, continue_here,
                               device, expect_changed_elsewhere_notice, open_exam, option, phone_with_an_unsent_change,
                               stored, takeover)

pytestmark = pytest.mark.browser


def _poll(page: Page) -> None:
    """Make the page ask the server for the attempt's state now (as coming back to the foreground does)."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_opening_on_a_second_device_asks_and_taking_over_makes_the_first_read_only(browser: Browser, sign_in, exam, db):
    page_a = device(browser).new_page()
    page_b = device(browser, PC_AGENT).new_page()
    open_exam(page_a, sign_in, exam.cadre.username, exam.sitting.id)
    answered(page_a, 1, "A")

    open_exam(page_b, sign_in, exam.cadre.username, exam.sitting.id)
    expect(page_b.locator("#takeover-dialog")).to_contain_text("在此继续作答", timeout=WAIT_MS)
    expect(page_b.locator("#q2 input").first).to_be_disabled()
    continue_here(page_b)

    # Page A learns at its next poll, or its next save, that the exam continued elsewhere.
    _poll(page_a)
    expect(page_a.locator("#held-elsewhere")).to_be_visible(timeout=WAIT_MS)
    expect(page_a.locator("#held-elsewhere-text")).to_contain_text("另一台设备", timeout=WAIT_MS)
    expect(page_a.locator("#q2 input").first).to_be_disabled()
    expect(page_a.locator("#submit-open")).to_be_disabled()
    answered(page_b, 2, "C")
    attempt_id = attempt_id_of(db, exam)
    assert stored(db, attempt_id).get(2) == ["C"]

    # Both devices are logged for the proctor, each with its address and browser.
    db.rollback()
    took = db.query(DeviceEvent).filter_by(attempt_id=attempt_id, kind=DeviceEventKind.TOOK_OVER).one()
    assert (took.ip, took.user_agent, took.other_ip, took.other_user_agent) == ("127.0.0.1", PC_AGENT, "127.0.0.1",
                                                                                 PHONE_AGENT)


def test_a_late_change_from_page_b_never_replaces_page_as_answer(browser: Browser, sign_in, exam, db):
    # Page B's network is down: its change to "A" waits in the page (and in its storage).
    page_b, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db, saved=None, unsent=(1, "A"))

    # Page A opens on another device, continues there and saves "C".
    page_a = takeover(browser, sign_in, exam)
    answered(page_a, 1, "C")
    assert stored(db, attempt_id).get(1) == ["C"]

    # Page B's network comes back: it is told the exam continued elsewhere, and continues here again.
    page_b.unroute(SAVES)
    expect(page_b.locator("#held-elsewhere")).to_be_visible(timeout=WAIT_MS)
    assert stored(db, attempt_id).get(1) == ["C"]
    page_b.click("#take-back")
    # Its late "A" is refused: it shows "C" and says why.
    expect(page_b.locator("#q1 .slot-state")).to_have_attribute("data-state", "elsewhere", timeout=WAIT_MS)
    expect(option(page_b, 1, "C")).to_be_checked(timeout=WAIT_MS)
    expect(option(page_b, 1, "A")).not_to_be_checked()
    expect(page_b.locator("#q1 .slot-state")).to_have_text("已在其他设备上修改")
    # Questions nobody answered are not said to have changed elsewhere.
    expect(page_b.locator("#q2 .slot-state")).to_have_attribute("data-state", "")
    expect_changed_elsewhere_notice(page_b, 1)
    expect(page_b.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert stored(db, attempt_id).get(1) == ["C"]
    assert page_b.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if os.environ.get("EXAMSVC_SCREENSHOTS"):
        page_b.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "exam-changed-elsewhere-phone.png"))
        page_a.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "exam-taken-over-phone.png"))

    # Having seen "C", page B's next change is taken.
    answered(page_b, 1, "B")
    assert stored(db, attempt_id).get(1) == ["B"]


def test_a_change_kept_by_a_closed_page_is_dropped_with_a_notice_when_another_device_saved_since(
        browser: Browser, sign_in, exam, db):
    phone = device(browser)
    page_b, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db, saved=None, unsent=(2, "A"),
                                                     context=phone)
    kept = page_b.evaluate("Object.keys(localStorage).filter(k => k.startsWith('examsvc-pending-')).length")
    assert kept == 1

    page_a = takeover(browser, sign_in, exam)
    answered(page_a, 2, "C")
    # The phone's tab is closed. What it sends while closing is refused (the exam continues on the
    # other device), so its "A" stays kept in the phone's browser.
    page_b.close(run_before_unload=False)

    # The phone opens the exam again: its kept "A" is resent, refused, and dropped with a notice.
    again = phone.new_page()
    again.goto(page_a.url)
    continue_here(again)
    expect_changed_elsewhere_notice(again, 2)
    expect(option(again, 2, "C")).to_be_checked(timeout=WAIT_MS)
    expect(again.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert again.evaluate("Object.values(localStorage).filter(v => v.includes('\"seq\"')).length") == 0
    assert stored(db, attempt_id).get(2) == ["C"]


def test_a_change_made_on_a_page_taken_over_says_it_was_not_saved_because_the_exam_continues_elsewhere(
        browser: Browser, sign_in, exam, db):
    page_a = device(browser).new_page()
    open_exam(page_a, sign_in, exam.cadre.username, exam.sitting.id)
    # Page A hears nothing from its polls (a weak signal): only its next save can tell it.
    page_a.route(re.compile(r".*/state\?.*"), lambda route: route.abort())
    takeover(browser, sign_in, exam, PC_AGENT)
    attempt_id = attempt_id_of(db, exam)

    # Page A still lets the candidate choose, and its save is refused.
    with page_a.expect_response(SAVES, timeout=WAIT_MS):
        option(page_a, 3, "B").check()
    badge = page_a.locator("#q3 .slot-state")
    expect(badge).to_have_attribute("data-state", "away", timeout=WAIT_MS)
    expect(badge).to_have_text("未保存：考试已在另一台设备上继续")
    expect(page_a.locator("#save-state")).to_have_text("未保存：考试已在另一台设备上继续")
    expect(page_a.locator("#held-elsewhere")).to_be_visible()
    assert 3 not in stored(db, attempt_id)

    # The proctor's answer history lists the refused save with its reason.
    db.rollback()
    refused = slot_history(db, db.get(Attempt, attempt_id))[3]
    assert [(e.outcome, e.answer) for e in refused] == [("taken_over", ["B"])]
