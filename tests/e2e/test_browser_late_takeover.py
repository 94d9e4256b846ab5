"""The issue-9 trial's late takeover in the browser: once the deadline has come, a second device
cannot continue the exam (it is told time is up and the exam is being handed in, and is offered no
"continue here"), and a page opened then shows the exam ending, with no paper to answer."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, expect

from question_bank.models import Attempt
from tests.e2e.devices import WAIT_MS, answered, attempt_id_of, device, open_exam, option, stored

pytestmark = pytest.mark.browser


def test_after_the_deadline_another_device_cannot_take_the_exam_over(browser: Browser, sign_in, exam, db, clock):
    pc = device(browser, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0").new_page()
    open_exam(pc, sign_in, exam.cadre.username, exam.sitting.id)
    attempt_id = attempt_id_of(db, exam)
    answered(pc, 1, "B")

    phone = device(browser).new_page()
    open_exam(phone, sign_in, exam.cadre.username, exam.sitting.id)
    expect(phone.locator("#takeover-dialog")).to_be_visible(timeout=WAIT_MS)

    db.rollback()
    clock.set(db.get(Attempt, attempt_id).deadline + dt.timedelta(seconds=1))
    phone.click("#takeover-confirm")
    banner = phone.locator("#held-elsewhere-text")
    expect(banner).to_have_text(phone.evaluate("fetch('/api/attempts/%d/takeover', {method: 'POST', headers: "
                                               "{'Content-Type': 'application/json', 'X-CSRFToken': "
                                               "document.querySelector('meta[name=csrf-token]').content}, "
                                               "body: JSON.stringify({page: 'probe'})}).then(r => r.json())"
                                               ".then(b => b.message)" % attempt_id), timeout=WAIT_MS)
    expect(phone.locator("#take-back")).to_be_hidden()
    expect(option(phone, 2, "C")).to_be_disabled()
    assert stored(db, attempt_id) == {1: ["B"]}

    late = device(browser).new_page()
    sign_in(late, exam.cadre.username)
    late.goto(phone.url)
    expect(late.locator("#handing-in-note")).to_be_visible(timeout=WAIT_MS)
    assert late.locator("#exam .question").count() == 0
