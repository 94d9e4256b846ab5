"""The exam page's deadline after a sync with the server (issue 9, "deadlines show the date
whenever it is not today"): the text comes from the server's deadline, with the date when the
deadline does not fall on the server's today in Beijing. The device's own clock (here months away
from the server's test clock) decides nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt
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
