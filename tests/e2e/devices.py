"""Several devices of one candidate in the browser tests: each a phone-sized browser context of
its own (its own cookies and storage), opening the same exam."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.conftest import PHONE
from tests.e2e.starting import open_from_list

#: Generous: the CI machine is a busy 2-core box, and a page's retries back off.
WAIT_MS = 45_000

#: Two devices' browsers, as the proctor should see them told apart.
PHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
PC_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"

#: The exam page's autosaves (``page.route(SAVES, ...)`` cuts them off: the page's network is lost).
SAVES = re.compile(r".*/responses$")


def device(browser: Browser, agent: str = PHONE_AGENT) -> BrowserContext:
    """A new device: a 375 px touch screen with its own cookies and storage."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", user_agent=agent)
    context.set_default_timeout(WAIT_MS)
    return context


def open_exam(page: Page, sign_in, username: str, sitting_id: int) -> None:
    """Sign in and open the sitting: "Start the exam", or "Continue the exam" once another device
    has started it."""
    sign_in(page, username)
    open_from_list(page, sitting_id)


def option(page: Page, slot: int, letter: str) -> Locator:
    """The input of option ``letter`` of question ``slot``."""
    return page.locator(f"#q{slot} input[value='{letter}']")


def attempt_id_of(db, exam) -> int:
    """The id of the exam's candidate's (one) attempt, once a page has started it."""
    db.rollback()
    return db.query(Attempt).filter_by(user_id=exam.cadre.id).one().id


def stored(db, attempt_id: int) -> dict[int, object]:
    """What the server stores now: question slot → current answer (slots never answered left out)."""
    db.rollback()
    return {slot: found.answer for slot, found in current_responses(db, attempt_id).items()}


def answered(page: Page, slot: int, letter: str) -> None:
    """Choose ``letter`` for question ``slot`` and wait until the page says it is saved."""
    option(page, slot, letter).check()
    expect(page.locator(f"#q{slot} .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)


def kept_unsent(page: Page, slot: int, letter: str) -> None:
    """The page's network is lost (its saves fail) and ``letter`` is chosen for question ``slot``:
    the change is kept in the page and its storage, retrying."""
    page.route(SAVES, lambda route: route.abort())
    option(page, slot, letter).check()
    expect(page.locator(f"#q{slot} .slot-state")).to_have_attribute("data-state", "retrying", timeout=WAIT_MS)


def phone_with_an_unsent_change(browser: Browser, sign_in, exam, db, *, saved: tuple[int, str] | None = (1, "A"),
                                unsent: tuple[int, str] = (2, "B"),
                                context: BrowserContext | None = None) -> tuple[Page, int]:
    """A phone (``context``, else a new device) on the exam whose answer ``saved`` (slot, letter; None:
    nothing) is stored and whose change ``unsent`` is kept unsent, its network lost:
    (the page, the attempt's id)."""
    phone = (context or device(browser)).new_page()
    open_exam(phone, sign_in, exam.cadre.username, exam.sitting.id)
    if saved is not None:
        answered(phone, *saved)
    attempt_id = attempt_id_of(db, exam)
    kept_unsent(phone, *unsent)
    return phone, attempt_id


def continue_here(page: Page) -> None:
    """Answer "continue here?" with yes, and wait until the page may change answers."""
    expect(page.locator("#takeover-dialog")).to_be_visible(timeout=WAIT_MS)
    page.click("#takeover-confirm")
    expect(page.locator("#held-elsewhere")).to_be_hidden(timeout=WAIT_MS)
    expect(page.locator("#q1 input").first).to_be_enabled(timeout=WAIT_MS)


def takeover(browser: Browser, sign_in, exam, agent: str = PHONE_AGENT) -> Page:
    """The candidate opens the exam, already started elsewhere, on another device and continues
    there: its page, holding the attempt."""
    page = device(browser, agent).new_page()
    open_exam(page, sign_in, exam.cadre.username, exam.sitting.id)
    continue_here(page)
    return page


def expect_changed_elsewhere_notice(page: Page, slot: int) -> None:
    """The notice that the page's change to question ``slot``, made moments ago, was not taken
    because another device changed the answer: the page's own words for it ("just now"), with the
    question's number."""
    just_now = page.get_attribute("#exam", "data-msg-stale-now").replace("%(slot)s", str(slot))
    expect(page.locator("#exam-notices li span")).to_have_text(just_now, timeout=WAIT_MS)
