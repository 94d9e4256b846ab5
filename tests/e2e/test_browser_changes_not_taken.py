"""A page still holding unsent changes when its attempt closes says which were not taken, and why
(issue-9 trial, findings 1 and 2).

A phone offline with a changed answer, whose paper is then handed in on another device, used to
clear its kept change and jump to the result without a word; a phone offline past its deadline was
told its answer "had been changed on another device", which no other device had done."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from question_bank.models import Attempt, Role
from question_bank.services import proctoring
from tests.e2e.devices import SAVES, WAIT_MS, option, phone_with_an_unsent_change, stored, takeover

pytestmark = pytest.mark.browser


def _told_not_taken(page: Page, slot: int, words: str, badge: str) -> None:
    """The page names question ``slot`` as not taken, with ``words`` saying why, never "changed on
    another device", and badges the question so."""
    notice = page.locator("#exam-notices li")
    expect(notice).to_contain_text(words, timeout=WAIT_MS)
    expect(notice).to_contain_text(str(slot))
    expect(notice).not_to_contain_text("另一台设备")
    expect(page.locator(f"#q{slot} .slot-state")).to_have_attribute("data-state", badge)


def test_a_change_kept_on_a_phone_when_the_paper_was_handed_in_elsewhere_is_named_as_not_taken(
        browser: Browser, sign_in, exam, db):
    phone, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db)

    # On the computer the candidate continues and hands the paper in.
    computer = takeover(browser, sign_in, exam)
    computer.locator("#submit-open").click()
    computer.locator("#submit-confirm").click()
    computer.wait_for_url(re.compile(r".*/result$"), timeout=WAIT_MS)

    # The phone's network comes back: it is told, on the exam page, that its change to question 2
    # was not taken because the paper had been handed in, and shows what was scored.
    phone.unroute(SAVES)
    _told_not_taken(phone, 2, "已交卷", "closed")
    expect(option(phone, 2, "B")).not_to_be_checked()
    # Question 1's answer was stored: nothing to say about it.
    expect(phone.locator("#q1 .slot-state")).not_to_have_attribute("data-state", "closed")
    assert phone.url.endswith(f"/me/attempts/{attempt_id}")
    expect(phone.locator("#exam-notices li a")).to_have_attribute("href", f"/me/attempts/{attempt_id}/result")
    assert stored(db, attempt_id) == {1: ["A"]}


def test_a_change_that_reaches_the_server_after_the_deadline_is_named_as_too_late_not_as_changed_elsewhere(
        browser: Browser, sign_in, exam, db, clock):
    phone, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db, saved=None, unsent=(3, "A"))
    deadline = db.get(Attempt, attempt_id).deadline
    db.rollback()
    # The deadline and its grace pass while the phone is offline; then its network comes back.
    clock.set(deadline + dt.timedelta(minutes=2))
    phone.unroute(SAVES)

    _told_not_taken(phone, 3, "时间已到", "late")
    expect(phone.locator("#q3 .slot-state")).not_to_have_text("已在其他设备上修改")
    assert stored(db, attempt_id) == {}


def test_a_change_kept_on_a_page_whose_exam_was_voided_is_named_as_not_taken_with_who_when_and_why(
        browser: Browser, sign_in, exam, db, clock, make):
    """Issue-9 trial F7: the page says the exam was voided, by whom, when and why, and badges the
    change "not taken: the exam was voided"; never "saved", never "already handed in"."""
    proctor = make.user(Role.EXAM_ADMIN, display_name="王监考")
    phone, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db)
    proctoring.void_attempt(db, clock, proctor, attempt_id, "替考")
    db.commit()

    phone.unroute(SAVES)
    _told_not_taken(phone, 2, "王监考", "voided")
    notice = phone.locator("#exam-notices li")
    expect(notice).to_contain_text("替考")
    expect(notice).to_contain_text(clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M"))
    expect(notice).not_to_contain_text("已交卷")
    expect(phone.locator("#save-state")).to_have_attribute("data-state", "retrying")
    expect(option(phone, 2, "B")).not_to_be_checked()
    assert stored(db, attempt_id) == {1: ["A"]}


def test_a_hand_in_at_time_up_whose_reply_was_lost_is_told_once_that_time_was_up(browser: Browser, sign_in, exam, db,
                                                                                 clock):
    """Issue-9 trial: a phone that handed in at zero on a flaky network, its hand-in reaching the
    server but the reply lost, sent it again and was told both "time was up" and "the paper had
    already been handed in", its changes badged "already handed in", though the candidate never
    handed in. One notice, one reason: the deadline."""
    phone, attempt_id = phone_with_an_unsent_change(browser, sign_in, exam, db)
    deadline = db.get(Attempt, attempt_id).deadline
    db.rollback()
    submits = re.compile(r".*/submit$")
    reached = []

    def reply_lost(route):
        clock.set(deadline + dt.timedelta(minutes=2))  # past the grace when it arrives
        reached.append(route.fetch().status)  # the server takes the hand-in …
        route.abort()  # … and its reply never reaches the phone

    phone.route(submits, reply_lost)
    # The server's time reaches the deadline: the phone's next look at the server's clock brings
    # its countdown to zero, and it hands in.
    clock.set(deadline + dt.timedelta(seconds=1))
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    # Once the reply is lost (not before: unrouting would hand the hand-in on), the page says it
    # has not handed in yet.
    expect(phone.locator("#exam-alert")).to_contain_text("试卷尚未交出", timeout=WAIT_MS)
    assert reached == [200]
    expect(phone.locator("#exam-notices li")).to_have_count(0)
    phone.unroute(submits)
    phone.unroute(SAVES)
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    _told_not_taken(phone, 2, "时间已到", "late")
    expect(phone.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    assert phone.locator("#exam-notices li").count() == 1
    assert stored(db, attempt_id) == {1: ["A"]}
