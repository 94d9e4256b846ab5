"""Several devices of one candidate in the browser tests: each a phone-sized browser context of
its own (its own cookies and storage), opening the same exam."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Locator, Page

from tests.e2e.conftest import PHONE
from tests.e2e.starting import open_from_list

#: Generous: the CI machine is a busy 2-core box, and a page's retries back off.
WAIT_MS = 45_000

#: Two devices' browsers, as the proctor should see them told apart.
PHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
PC_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


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
