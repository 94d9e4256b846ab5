"""Case C-18 in two browsers (two devices) on one attempt: a change page B made before page A saved
"C", sent late, never replaces "C"; page B shows "C" and says the answer was changed on another
device, and once it has seen "C" its next change is taken. The same for a change kept in the
browser by a closed page and resent when the exam is opened again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.conftest import PHONE
from tests.scenarios import single_choice_exam

pytestmark = pytest.mark.browser

#: Generous: the CI machine is a busy 2-core box, and page B's retries back off.
WAIT_MS = 45_000
SAVES = re.compile(r".*/responses$")


def _device(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    return context


def _open_exam(page: Page, sign_in, username: str, sitting_id: int) -> None:
    sign_in(page, username)
    # "Start the exam", or "Continue the exam" once another device has started it.
    page.locator(f"[data-sitting='{sitting_id}'] .primary").click()
    expect(page.locator("#exam")).to_be_visible(timeout=WAIT_MS)


def _option(page: Page, slot: int, letter: str):
    return page.locator(f"#q{slot} input[value='{letter}']")


def _stored(db, attempt_id: int, slot: int):
    db.rollback()
    found = current_responses(db, attempt_id).get(slot)
    return found.answer if found else None


@pytest.fixture
def exam(make, db):
    exam = single_choice_exam(make, count=3, key="C")
    db.commit()
    return exam


def test_a_late_change_from_page_b_never_replaces_page_as_answer(browser: Browser, sign_in, exam, db):
    page_a = _device(browser).new_page()
    page_b = _device(browser).new_page()
    _open_exam(page_a, sign_in, exam.cadre.username, exam.sitting.id)
    _open_exam(page_b, sign_in, exam.cadre.username, exam.sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=exam.cadre.id).one().id

    # Page B's network is down: its change to "A" waits in the page (and in its storage).
    page_b.route(SAVES, lambda route: route.abort())
    _option(page_b, 1, "A").check()
    expect(page_b.locator("#q1 .slot-state")).to_have_attribute("data-state", "retrying", timeout=WAIT_MS)

    # Page A saves "C".
    _option(page_a, 1, "C").check()
    expect(page_a.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert _stored(db, attempt_id, 1) == ["C"]

    # Page B's network comes back: its late "A" is refused; it shows "C" and says why.
    page_b.unroute(SAVES)
    expect(page_b.locator("#q1 .slot-state")).to_have_attribute("data-state", "elsewhere", timeout=WAIT_MS)
    expect(_option(page_b, 1, "C")).to_be_checked(timeout=WAIT_MS)
    expect(_option(page_b, 1, "A")).not_to_be_checked()
    expect(page_b.locator("#q1 .slot-state")).to_have_text("已在其他设备上修改")
    expect(page_b.locator("#exam-notices li")).to_contain_text("另一台设备", timeout=WAIT_MS)
    expect(page_b.locator("#exam-notices li")).to_contain_text("第 1 题")
    expect(page_b.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert _stored(db, attempt_id, 1) == ["C"]

    # Having seen "C", page B's next change is taken.
    _option(page_b, 1, "B").check()
    expect(page_b.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert _stored(db, attempt_id, 1) == ["B"]


def test_a_change_kept_by_a_closed_page_is_dropped_with_a_notice_when_another_device_saved_since(
        browser: Browser, sign_in, exam, db):
    phone = _device(browser)
    page_b = phone.new_page()
    _open_exam(page_b, sign_in, exam.cadre.username, exam.sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=exam.cadre.id).one().id
    page_b.route(SAVES, lambda route: route.abort())
    _option(page_b, 2, "A").check()
    expect(page_b.locator("#q2 .slot-state")).to_have_attribute("data-state", "retrying", timeout=WAIT_MS)
    kept = page_b.evaluate("Object.keys(localStorage).filter(k => k.startsWith('examsvc-pending-')).length")
    assert kept == 1
    page_b.close(run_before_unload=False)

    page_a = _device(browser).new_page()
    _open_exam(page_a, sign_in, exam.cadre.username, exam.sitting.id)
    _option(page_a, 2, "C").check()
    expect(page_a.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)

    # The phone opens the exam again: its kept "A" is resent, refused, and dropped with a notice.
    again = phone.new_page()
    again.goto(page_a.url)
    expect(again.locator("#exam-notices li")).to_contain_text("另一台设备", timeout=WAIT_MS)
    expect(_option(again, 2, "C")).to_be_checked(timeout=WAIT_MS)
    expect(again.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert again.evaluate("Object.values(localStorage).filter(v => v.includes('\"seq\"')).length") == 0
    assert _stored(db, attempt_id, 2) == ["C"]
