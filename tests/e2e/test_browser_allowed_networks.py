"""A save refused because the device is outside the sitting's allowed networks (issue 9): the exam
page says why, with the address the server saw, keeps the answer queued and sends it again; once
the device is admitted the retry is taken and the page says "saved"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.admin_writes import set_allowed_networks
from tests.e2e.starting import TIMEOUT_MS, start_from_list

pytestmark = pytest.mark.browser


def test_a_save_refused_outside_the_allowed_networks_says_why_and_is_retried(phone: Page, sign_in, make, db):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper(), roster=[cadre], shuffle=False, allowed_networks="127.0.0.0/8")
    db.commit()
    sign_in(phone, cadre.username)
    start_from_list(phone, sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=cadre.id).one().id
    db.rollback()
    # The exam room's network is no longer the one this device is on.
    set_allowed_networks(db, sitting.id, "10.20.0.0/16")
    with phone.expect_response(lambda r: r.url.endswith("/responses") and r.status == 403, timeout=TIMEOUT_MS):
        phone.locator("#q1 .option").nth(1).click()
    alert = phone.locator("#exam-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("127.0.0.1")  # the reason, with the address the server saw
    expect(alert).to_contain_text("考场网络")
    expect(phone.locator("#save-state")).to_have_attribute("data-state", "retrying")
    expect(phone.locator("#q1 .slot-state")).to_have_attribute("data-state", "retrying")
    expect(phone.locator("#q1 input").nth(1)).to_be_checked()  # the choice stays on screen
    db.rollback()
    assert 1 not in current_responses(db, attempt_id)
    # Admitted again: the queued answer goes through on its own, and the reason disappears.
    set_allowed_networks(db, sitting.id, "127.0.0.0/8")
    expect(phone.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved", timeout=TIMEOUT_MS)
    expect(phone.locator("#save-state")).to_have_attribute("data-state", "saved")
    expect(alert).to_be_hidden()
    db.rollback()
    assert current_responses(db, attempt_id)[1].answer == ["B"]
