"""SEC-T7 (d), account identity: cadres sign in with their username or their ID number, and a
username is looked up first, so a username laid out like an ID number would take over the sign-in of
whoever holds that number, whatever their unit (an issue-10 trial made a 甲市 administrator's account
named after a 乙市 cadre's number, and that cadre's sign-in by number failed from then on). Every way
a username is made refuses the layout: the account form and the roster file's 用户名 column."""

from __future__ import annotations

import html

import pytest

from question_bank.models import Role, UnitLevel
from tests.examsvc.test_account_import_and_units import HEADER, upload
from tests.factories import workbook_bytes
from tests.question_bank.test_idnumbers import bodies, complete
from tests.webclient import PASSWORD

HELD, OTHER = (complete(body) for body in bodies(2))
REFUSAL = "the username must not be laid out like an ID number"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


#: The layouts: another unit's cadre's number, as typed in its other forms, one nobody has yet (it
#: would take over whoever is given it later), a number whose check character is wrong, 15 digits.
LAYOUTS = [HELD, HELD[:-1] + "x", full_width(HELD), OTHER, HELD[:-1] + ("0" if HELD[-1] != "0" else "1"),
           HELD[:6] + HELD[8:17]]


@pytest.fixture
def world(make):
    make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    other = make.unit("乙市", level=UnitLevel.CITY)
    return {"city": city, "admin": make.user(Role.SYSADMIN, username="city-admin", unit=city),
            "holder": make.cadre(username="far", unit=other, id_number=HELD)}


@pytest.fixture
def admin(client, world):
    client.login("city-admin")
    client.form_post("/lang/en")
    return client


@pytest.mark.parametrize("username", LAYOUTS)
def test_sec_t7_d_the_account_form_refuses_a_username_laid_out_like_an_id_number(admin, world, client_factory,
                                                                                  username):
    response = admin.form_post("/users/new", {"username": username, "display_name": "占位", "password": "Tz9!quarry-lamp",
                                              "unit": world["city"].id, "roles": ["cadre"]})
    assert response.status_code == 422
    assert REFUSAL in html.unescape(response.get_data(as_text=True))
    # The holder still signs in with their number.
    holder = client_factory()
    holder.refresh_csrf("/login")
    signed_in = holder.post("/login", data={"username": HELD, "password": PASSWORD, "csrf_token": holder.csrf})
    assert signed_in.status_code == 302


@pytest.mark.parametrize("username", [HELD, full_width(HELD), HELD[:6] + HELD[8:17]])
def test_sec_t7_d_the_roster_file_refuses_a_username_laid_out_like_an_id_number_naming_its_cell(admin, world,
                                                                                                 username):
    data = workbook_bytes("名单", HEADER, [("王七", OTHER, "", username, "", "")])
    response = upload(admin, data, world["city"])
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "名单.xlsx, sheet 名单, row 2, 用户名" in page and REFUSAL in page


@pytest.mark.parametrize("username", ["13800138000", "1234567890123456", "1234567890123456789", "zhang110105"])
def test_sec_t7_d_other_digit_usernames_such_as_phone_and_job_numbers_are_still_taken(admin, world, username):
    response = admin.form_post("/users/new", {"username": username, "display_name": "张三", "password": "Tz9!quarry-lamp",
                                              "unit": world["city"].id, "roles": ["cadre"]})
    assert response.status_code == 302
