"""Browser fixtures: the app served on a free local port, and Debian's Chromium driven by
Playwright (its own browser download does not work here) on a 375 px wide phone screen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.webclient import PASSWORD

CHROMIUM = "/usr/bin/chromium"
#: Headless without the background traffic this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}

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


@pytest.fixture
def browser(live_server) -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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
