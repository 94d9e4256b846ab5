"""The sysadmin's account pages in headless Chromium on a 375 px wide phone screen: nothing sticks
out past the screen's edge (the account table scrolls inside its own box), and a refusal is shown
beside its field with the form kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Role, UnitLevel
from tests.e2e.conftest import PHONE
from tests.webclient import PASSWORD

pytestmark = pytest.mark.browser


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
    page.fill("input[name=password]", "Tiger-lily-42")
    page.select_option("select[name=unit]", str(dept.id))
    page.check("input[name=roles][value=cadre]")
    page.fill("input[name=id_number]", "11010519491231002Y")
    page.click("main form button[type=submit]")
    expect(page.locator(".has-error small.error")).to_have_count(2)
    assert page.input_value("input[name=display_name]") == "李四"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflowing(page) == []
