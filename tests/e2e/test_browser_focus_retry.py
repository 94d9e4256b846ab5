"""Leaving the exam page is told to the server even when the network fails (issue 9): the page
queues each focus message and sends it again like an unsent answer, in order, and the server
stores a resent message once. Network failures are played with Playwright's route interception:
the request never reaching the server, and the server's reply lost after it committed."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from question_bank.models import Attempt, FocusEvent
from tests.e2e.starting import TIMEOUT_MS, scripts_ready, start_from_list

pytestmark = pytest.mark.browser
FOCUS = re.compile(r".*/api/attempts/\d+/focus$")


@pytest.fixture
def started(phone: Page, sign_in, make, db) -> int:
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper(), roster=[cadre], shuffle=False)
    db.commit()
    sign_in(phone, cadre.username)
    start_from_list(phone, sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=cadre.id).one().id
    db.rollback()
    return attempt_id


def _events(db, attempt_id: int) -> list[tuple[str, str | None, int | None]]:
    db.rollback()
    return [(str(e.change), e.page, e.number) for e in
            db.query(FocusEvent).filter_by(attempt_id=attempt_id).order_by(FocusEvent.id)]


def _all_acknowledged(page: Page) -> None:
    """Wait (at most 30 s) until the page holds no unacknowledged focus message: its queue, kept in
    localStorage, is empty. Waiting in the page lets Playwright serve the route handlers meanwhile."""
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('examsvc-focus-'))",
                           timeout=TIMEOUT_MS)


def _leave_and_come_back(page: Page) -> None:
    """The window loses focus, then has it again (another app in front, then the exam)."""
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    page.evaluate("window.dispatchEvent(new Event('focus'))")


def test_focus_messages_the_network_lost_are_sent_again_in_order_and_stored_once(phone: Page, started, db):
    writer = phone.locator("#exam").get_attribute("data-writer")
    sent: list[tuple[str, int, str]] = []

    def flaky(route: Route) -> None:
        message = json.loads(route.request.post_data or "{}")
        attempts_of_it = sum(1 for change, number, _ in sent if number == message["number"])
        if message["number"] == 1 and attempts_of_it < 2:
            sent.append((message["change"], message["number"], "dropped before the server"))
            route.abort()
        elif message["number"] == 1 and attempts_of_it == 2:
            route.fetch()  # the server gets it and commits; its reply never reaches the page
            sent.append((message["change"], message["number"], "reply lost"))
            route.abort()
        else:
            sent.append((message["change"], message["number"], "delivered"))
            route.continue_()

    phone.route(FOCUS, flaky)
    _leave_and_come_back(phone)
    # The "back" follows the "left" once that is acknowledged; both are stored once.
    _all_acknowledged(phone)
    assert _events(db, started) == [("left", writer, 1), ("back", writer, 2)]
    # The "left" went four times (twice lost, once unanswered), and the "back" never overtook it.
    assert [(c, n) for c, n, _ in sent] == [("left", 1)] * 4 + [("back", 2)]
    assert [fate for *_, fate in sent][:4] == ["dropped before the server"] * 2 + ["reply lost", "delivered"]


def test_a_focus_message_unsent_at_a_reload_is_sent_by_the_next_load_which_is_the_return(phone: Page, started, db):
    old_writer = phone.locator("#exam").get_attribute("data-writer")
    # Offline until the reload: the old load's own retries must not get through in between (one
    # that did would be stored before the new load, which then has nothing unsent to come back from).
    reloading: list[bool] = []
    phone.on("request", lambda request: request.is_navigation_request() and reloading.append(True))
    phone.route(FOCUS, lambda route: route.continue_() if reloading else route.abort())
    with phone.expect_request(FOCUS, timeout=TIMEOUT_MS):
        phone.evaluate("window.dispatchEvent(new Event('blur'))")
    assert _events(db, started) == []
    with phone.expect_response(re.compile(r".*/presence$"), timeout=TIMEOUT_MS):
        phone.reload()  # back online as the candidate reloads the exam page
    scripts_ready(phone)
    new_writer = phone.locator("#exam").get_attribute("data-writer")
    assert new_writer != old_writer
    # The earlier load's "left" under its own name, then this load's return.
    _all_acknowledged(phone)
    assert _events(db, started) == [("left", old_writer, 1), ("back", new_writer, 1)]
    expect(phone.locator("#exam .question input").first).to_be_enabled()
