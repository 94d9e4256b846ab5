"""The exam page's deadline after a sync with the server (issue 9, "deadlines show the date
whenever it is not today"): the text comes from the server's deadline, with the date when the
deadline does not fall on the server's today in Beijing. The device's own clock (here months away
from the server's test clock) decides nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt, Role
from tests.conftest import at
from tests.e2e.admin_writes import lengthen_deadline
from tests.e2e.starting import TIMEOUT_MS, start_from_list

pytestmark = pytest.mark.browser


def _sync(page: Page) -> None:
    """What the page does when the tab becomes visible again: ask the server for the state."""
    with page.expect_response(re.compile(r".*/state\?"), timeout=TIMEOUT_MS):
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_after_a_sync_the_deadline_is_the_servers_with_the_date_once_it_passes_midnight(
        phone: Page, sign_in, make, clock, db):
    clock.set(at("23:20:00"))
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper(), roster=[cadre], shuffle=False, minutes=30)
    db.commit()
    sign_in(phone, cadre.username)
    start_from_list(phone, sitting.id)
    deadline = phone.locator("#deadline")
    expect(deadline).to_have_text("23:50:00")  # today, on the server's clock: the time alone
    _sync(phone)
    expect(deadline).to_have_text("23:50:00")
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    db.rollback()
    # Extra time carries the paper past midnight in Beijing: after the next sync the page says which day.
    lengthen_deadline(db, attempt.id, dt.timedelta(minutes=35))
    _sync(phone)
    expect(deadline).to_have_text("2026-05-12 00:25:00")
    expect(phone.locator("#timer")).to_have_text(re.compile(r"^1:0[45]:\d\d$"))
    # Past midnight on the server the deadline is today again: the time alone.
    clock.set(at("00:05:00", dt.date(2026, 5, 12)))
    _sync(phone)
    expect(deadline).to_have_text("00:25:00")


def test_at_zero_the_page_hands_in_at_the_servers_deadline_never_before_and_every_record_says_so(
        phone: Page, sign_in, make, clock, db, client_factory):
    """Issue-9 trial, defect 2: the page handed in about a second early, as a plain "submitted"."""
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper(), roster=[cadre], shuffle=False, minutes=30)
    db.commit()
    sign_in(phone, cadre.username)
    start_from_list(phone, sitting.id)
    phone.locator("#q1 .option").nth(1).click()
    expect(phone.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved", timeout=TIMEOUT_MS)
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    deadline = attempt.deadline
    db.rollback()

    # Half a second before the deadline by the server's clock: the page counts that as a second to go,
    # and at its own zero it asks the server, which says the time is not up. It keeps the paper open.
    clock.set(deadline - dt.timedelta(milliseconds=500))
    _sync(phone)
    phone.wait_for_function("() => document.getElementById('timer').textContent === '0:00'", timeout=TIMEOUT_MS)
    for _ in range(2):
        with phone.expect_response(re.compile(r".*/state\?"), timeout=TIMEOUT_MS):
            pass
    db.rollback()
    assert db.get(Attempt, attempt.id).is_open
    expect(phone.locator("#exam")).to_be_visible()

    # The deadline comes (a request in flight is still within grace): the page hands in, and the
    # server records that the time ran out, at the deadline.
    clock.set(deadline + dt.timedelta(milliseconds=200))
    expect(phone.locator("#attempt-state")).to_have_text("到时自动交卷", timeout=TIMEOUT_MS)
    assert deadline == at("10:30:00")  # started at 10:00 (the clock fixture's time) with 30 minutes
    expect(phone.locator("#finished-at")).to_contain_text("10:30:00")
    db.rollback()
    ended = db.get(Attempt, attempt.id)
    assert (str(ended.state), ended.finished_at) == ("auto_submitted", deadline)

    # The proctor's score record says the same, in words.
    make.user(Role.EXAM_ADMIN, username="proctor")
    db.commit()
    proctor = client_factory()
    proctor.login("proctor")
    record = proctor.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True).split('id="score-record"')[1]
    reasons = re.findall(r'<td class="reason">([^<]*)</td>', record)
    assert reasons == ["到时自动交卷"]
