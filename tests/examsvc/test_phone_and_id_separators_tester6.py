"""Issue-10 trial, item 6: a phone number typed with full-width digits is stored as the account
import stores it (one normalisation, NFKC), and the form says it is the same number; an ID number
written with hyphens or dashes signs in, as one written with spaces does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank import id_vault
from question_bank.models import Role, UnitLevel, User
from tests.examsvc.test_account_import_and_units import HEADER, upload
from tests.examsvc.test_sec_t7_usernames_like_id_numbers import full_width
from tests.factories import workbook_bytes
from tests.question_bank.test_idnumbers import bodies, complete
from tests.webclient import PASSWORD

HELD, FORM_ID, IMPORTED_ID = (complete(body) for body in bodies(3))
#: A phone number as a full-width input method types it, and with a full-width plus and hyphens.
PHONES = [full_width("13800138000"), "＋８６ １３８－００１３－８０００"]
SAID = "it is the same number, nothing is lost"


@pytest.fixture
def admin(client, make):
    make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.user(Role.SYSADMIN, username="city-admin", unit=city)
    client.login("city-admin")
    client.form_post("/lang/en")
    client.city = city
    return client


def stored_phone(db, **where) -> str:
    db.expire_all()
    return db.scalar(select(User.phone).filter_by(**where))


@pytest.mark.parametrize("typed", PHONES)
def test_tester_6_a_full_width_phone_is_stored_as_the_import_stores_it_and_the_form_says_it_is_the_same(
        admin, db, typed):
    created = admin.form_post("/users/new", {"username": "formcadre", "display_name": "表单", "password": "Tz9!quarry-lamp",
                                             "unit": admin.city.id, "roles": ["cadre"], "phone": typed,
                                             "id_number": FORM_ID}, follow_redirects=True)
    assert created.status_code == 200 and SAID in created.get_data(as_text=True)
    data = workbook_bytes("名单", HEADER, [("导入", IMPORTED_ID, "", "importcadre", "", typed)])
    assert upload(admin, data, admin.city).status_code == 200
    from_form, from_import = stored_phone(db, username="formcadre"), stored_phone(db, username="importcadre")
    assert from_form == from_import and from_form.isascii() and from_form.strip() == from_form
    user = db.scalar(select(User).where(User.username == "formcadre"))
    edited = admin.form_post(f"/users/{user.id}", {"display_name": "表单", "unit": admin.city.id, "roles": ["cadre"],
                                                   "id_number": "", "current_post": "", "phone": typed},
                             follow_redirects=True)
    assert edited.status_code == 200 and SAID in edited.get_data(as_text=True)
    assert stored_phone(db, username="formcadre") == from_import
    # An ordinary number is stored as typed, and nothing is said about it.
    plain = admin.form_post(f"/users/{user.id}", {"display_name": "表单", "unit": admin.city.id, "roles": ["cadre"],
                                                  "id_number": "", "current_post": "", "phone": "138-0013-8000"},
                            follow_redirects=True)
    assert SAID not in plain.get_data(as_text=True) and stored_phone(db, username="formcadre") == "138-0013-8000"


def written(number: str) -> list[str]:
    """The number with the separators people type between its groups (6, 8 and 4 characters)."""
    groups = number[:6], number[6:14], number[14:]
    return [sep.join(groups) for sep in ("-", " ", "\u2013", "\u2014", "－", "\u3000", " - ", "\u200b")] + [
        full_width(number[:6]) + "－" + number[6:]]


@pytest.mark.parametrize("typed", written(HELD))
def test_tester_6_an_id_number_with_hyphens_or_dashes_signs_in_as_a_spaced_one_does(client_factory, make, typed):
    make.cadre(username="holder", id_number=HELD)
    person = client_factory()
    person.refresh_csrf("/login")
    signed_in = person.post("/login", data={"username": typed, "password": PASSWORD, "csrf_token": person.csrf})
    assert signed_in.status_code == 302, typed


def test_tester_6_the_account_form_takes_a_hyphenated_id_number_as_the_same_number(admin, db):
    typed = "-".join((FORM_ID[:6], FORM_ID[6:14], FORM_ID[14:]))
    assert admin.form_post("/users/new", {"username": "hyphen", "display_name": "连字符", "password": "Tz9!quarry-lamp",
                                          "unit": admin.city.id, "roles": ["cadre"],
                                          "id_number": typed}).status_code == 302
    db.expire_all()
    assert id_vault.reveal(db.scalar(select(User).where(User.username == "hyphen"))) == FORM_ID
