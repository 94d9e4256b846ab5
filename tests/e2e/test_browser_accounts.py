"""The sysadmin's account pages in headless Chromium on a 375 px wide phone screen: nothing sticks
out past the screen's edge (the account table scrolls inside its own box), and a refusal is shown
beside its field with the form kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from question_bank.models import Role, UnitLevel
from tests.webclient import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def phone(live_server) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def overflowing(page: Page) -> list[str]:
    """Elements of the page's main part whose right edge lies past the screen, outside a scrolling table box."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(el => !el.closest('.table-wrap') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(el => el.tagName + (el.id ? '#' + el.id : ''))""")


def test_the_account_pages_fit_a_phone_screen(phone: Page, live_server, make, db):
    city = make.unit("甲市自然资源和规划局所在的一个名字很长的城市", level=UnitLevel.CITY)
    dept = make.unit("甲市自然资源和规划局国土空间用途管制处", parent=city)
    admin = make.user(Role.SYSADMIN, username="root", unit=make.root())
    for n in range(3):
        make.user(Role.CADRE, Role.BANK_EDITOR, Role.BANK_REVIEWER, username=f"someone.with.a.long.name{n}", unit=dept)
    db.commit()

    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", admin.username.upper())  # sign-in ignores case
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()

    page.goto(f"{live_server}/users")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []
    wrap = page.locator(".table-wrap").bounding_box()
    assert wrap["x"] >= 0 and wrap["x"] + wrap["width"] <= PHONE["width"]

    page.goto(f"{live_server}/users/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []
    page.fill("input[name=username]", "ROOT")
    page.fill("input[name=display_name]", "李四")
    page.fill("input[name=password]", "x" * 12)
    page.select_option("select[name=unit]", str(dept.id))
    page.check("input[name=roles][value=cadre]")
    page.fill("input[name=id_number]", "11010519491231002Y")
    page.click("main form button[type=submit]")
    expect(page.locator(".has-error small.error")).to_have_count(2)
    assert page.input_value("input[name=display_name]") == "李四"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []
