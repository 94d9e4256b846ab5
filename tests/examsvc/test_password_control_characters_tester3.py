"""Issue-10 trial, item 3: a NUL or another control character typed or pasted into a password field
(sign-in, changing one's password, a reset link, an administrator's initial password, the full-ID
export's password) gets the form back with its normal error beside the field, never a bare error
page; nothing is changed and the password is never sent back."""

from __future__ import annotations

import re

import pytest

from question_bank.models import Role, UnitLevel
from tests.examsvc.sign_in_helpers import events, try_sign_in
from tests.examsvc.test_reset_links_sec_t7 import make_link, set_password
from tests.webclient import PASSWORD

#: The kinds of control character the trial tried: NUL, another C0 control, escape, DEL, a C1 control.
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]
GOOD = "Spring-river-2026"
SAID_CONTROL = "an invisible or control character"


def with_control(text: str, control: str) -> str:
    return text[:6] + control + text[6:]


def is_the_form(response, field: str) -> bool:
    """The form's own page (not an error page), with the field ``field`` on it."""
    page = response.get_data(as_text=True)
    return f'name="{field}"' in page and not re.search(r"<title>\d{3} ", page)


@pytest.mark.parametrize("control", CONTROLS)
def test_tester_3_sign_in_with_a_control_character_in_the_password_is_a_wrong_password(client, make, db, control):
    make.cadre(username="wangwu")
    client.refresh_csrf()
    client.form_post("/lang/en")
    response = try_sign_in(client, "wangwu", with_control(PASSWORD, control))
    assert response.status_code == 200 and is_the_form(response, "password")
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert len(events(db, "auth.sign_in_failed")) == 1 and not events(db, "auth.sign_in")


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("field, said", [("current", "the current password is wrong"), ("new", SAID_CONTROL),
                                         ("confirm", "The two new passwords differ.")])
def test_tester_3_changing_the_password_with_a_control_character_in_any_field_gives_the_forms_error(
        client, make, db, control, field, said):
    cadre = make.cadre(username="wangwu")
    before = cadre.password_hash
    client.login("wangwu")
    client.form_post("/lang/en")
    typed = {"current": PASSWORD, "new": GOOD, "confirm": GOOD}
    typed[field] = with_control(typed[field], control)
    if field == "new":
        typed["confirm"] = typed["new"]
    response = client.form_post("/password", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and is_the_form(response, field) and said in page
    assert GOOD not in page and PASSWORD not in page
    db.refresh(cadre)
    assert cadre.password_hash == before


@pytest.mark.parametrize("control", CONTROLS)
def test_tester_3_a_reset_link_with_a_control_character_in_the_new_password_gives_the_forms_error(
        client, client_factory, make, control):
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.user(Role.SYSADMIN, username="city-admin", unit=city)
    cadre = make.cadre(username="zhaoliu", unit=city)
    client.login("city-admin")
    path = make_link(client, cadre)
    person = client_factory()
    person.refresh_csrf()
    person.form_post("/lang/en")
    person.refresh_csrf(path)
    refused = set_password(person, path, with_control(GOOD, control))
    assert refused.status_code == 422 and is_the_form(refused, "new") and SAID_CONTROL in refused.get_data(as_text=True)
    differs = set_password(person, path, GOOD, with_control(GOOD, control))
    assert differs.status_code == 422 and "The two new passwords differ." in differs.get_data(as_text=True)
    assert set_password(person, path, GOOD).status_code == 302  # the link was not used up


@pytest.mark.parametrize("control", ["\x00", "\x1b"])
def test_tester_3_an_initial_password_with_a_control_character_gives_the_account_forms_error(
        client, make, db, control):
    make.root()
    admin = make.user(Role.SYSADMIN, username="root-admin")
    client.login("root-admin")
    client.form_post("/lang/en")
    response = client.form_post("/users/new", {"username": "newcomer", "display_name": "新人",
                                               "password": with_control(GOOD, control),
                                               "unit": admin.org_unit_id, "roles": ["cadre"]})
    assert response.status_code == 422 and is_the_form(response, "password")
    assert SAID_CONTROL in response.get_data(as_text=True)
