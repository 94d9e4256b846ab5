"""Browser fixtures: the app served on a free local port, and Debian's Chromium driven by
Playwright (its own browser download does not work here) on a 375 px wide phone screen: one
Chromium for the session, a fresh browser context (cookies, storage) for every test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

from tests.scenarios import single_choice_exam
from tests.webclient import PASSWORD

CHROMIUM = "/usr/bin/chromium"
#: Headless without the background traffic this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}
#: Starting Chromium on a busy 2-core machine (Playwright's default is 30 s).
LAUNCH_TIMEOUT_MS = 120_000

# Every expect() waits generously unless it says otherwise: the CI machine is a busy 2-core box,
# and Playwright's 5 s default failed there under load.
expect.set_options(timeout=30_000)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Requests still running when the test ends are waited for (server_close joins them), so a
    # page's last save cannot write into the tables while they are emptied for the next test.
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


class _SharedChromium:
    """One Chromium for the whole test session (starting one costs more CPU than most browser
    tests), launched when the first browser test asks for it and again should it have died."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        if self._browser is None or not self._browser.is_connected():
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=LAUNCH_TIMEOUT_MS)
        return self._browser

    def stop(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def shared_chromium() -> Iterator[_SharedChromium]:
    shared = _SharedChromium()
    yield shared
    shared.stop()


@pytest.fixture
def browser(shared_chromium: _SharedChromium, live_server) -> Iterator[Browser]:
    """The session's Chromium, for one test. Every test opens its own contexts (``new_context``:
    their own cookies, storage, service workers and caches), and all of them are closed when the
    test ends, before its server stops: nothing one test's pages kept reaches the next test, and
    no page is left running."""
    browser = shared_chromium.get()
    yield browser
    for context in list(browser.contexts):
        context.close()


@pytest.fixture
def phone_context(browser: Browser) -> BrowserContext:
    """A phone: its pages share cookies like the tabs of one browser."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.fixture
def sign_in(live_server) -> Callable[[Page, str], None]:
    def sign_in(page: Page, username: str) -> None:
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")

    return sign_in


@pytest.fixture
def exam(make, db):
    """Three single-choice questions keyed "C" and one candidate on the roster, committed for the
    live server (tests/e2e/devices.py plays the candidate's devices on it)."""
    exam = single_choice_exam(make, count=3, key="C")
    db.commit()
    return exam
