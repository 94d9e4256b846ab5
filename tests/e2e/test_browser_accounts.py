"""The sysadmin's account pages in headless Chromium on a 375 px wide phone screen: nothing sticks
out past the screen's edge (the account table scrolls inside its own box), and a refusal is shown
beside its field with the form kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sqlalchemy import select

from question_bank.models import Role, UnitLevel, User
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

    # The pages this branch added fit the phone too: one account, the units, the bulk creation, the password.
    someone = db.scalar(select(User.id).where(User.username == "someone.with.a.long.name0"))
    db.rollback()  # on SQLite every transaction holds the write lock: let the pages have it
    for path in (f"/users/{someone}", "/units", "/users/import", "/password"):
        page.goto(f"{live_server}{path}")
        expect(page.locator("main h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert overflowing(page) == [], path


def test_a_reset_password_is_shown_once_and_its_owner_must_replace_it_before_anything_else(phone: Page, browser,
                                                                                            live_server, make, db):
    admin = make.user(Role.SYSADMIN, username="root", unit=make.root())
    cadre = make.cadre(username="zhangsan", display_name="张三")
    db.commit()
    admin_name, cadre_id = admin.username, cadre.id
    db.rollback()  # reading them began a transaction, which on SQLite holds the write lock the pages need
    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", admin_name)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/users/{cadre_id}")
    page.click("form[action$='/reset-password'] button")
    temporary = page.locator("code.temporary-password").inner_text(timeout=30_000)
    assert len(temporary) == 12

    second_device = browser.new_context(viewport=PHONE)
    other = second_device.new_page()
    other.set_default_timeout(30_000)
    other.goto(f"{live_server}/login")
    other.fill("input[name=username]", "zhangsan")
    other.fill("input[name=password]", temporary)
    other.click("main button[type=submit]")
    expect(other).to_have_url(f"{live_server}/password", timeout=30_000)
    other.goto(f"{live_server}/me/")
    expect(other).to_have_url(f"{live_server}/password", timeout=30_000)
    other.fill("input[name=current]", temporary)
    other.fill("input[name=new]", "Zhang-san-own-7")
    other.fill("input[name=confirm]", "Zhang-san-own-7")
    other.click("main form button[type=submit]")
    expect(other).to_have_url(f"{live_server}/me/", timeout=30_000)
    second_device.close()
