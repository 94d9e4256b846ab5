"""The sysadmin's account pages through the web: refusals shown beside their fields (a username
taken in another letter case or holding a character other than ASCII letters, digits and . _ - @,
an ID number that fails GB 11643-1999 or belongs to someone else), sign-in that ignores the case
of the username, and units and roles shown as people read them."""

from __future__ import annotations

import html
import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from question_bank import id_vault
from question_bank.models import Role, UnitLevel, User
from tests.webclient import PASSWORD

#: A valid number (check character X); see tests/question_bank/test_idnumbers.py.
SAMPLE = "11010519491231002X"


@pytest.fixture
def world(make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    return {
        "city": city,
        "dept": make.unit("司法局", parent=city),
        "other_dept": make.unit("司法局", parent=make.unit("乙市", level=UnitLevel.CITY)),
        "admin": make.user(Role.SYSADMIN, username="root", unit=province),
        "cadre": make.cadre(username="cadre1", display_name="张三", unit=city, id_number=SAMPLE),
    }


@pytest.fixture
def admin(client, world):
    client.login("root")
    client.form_post("/lang/en")
    return client


def account(unit, **changes) -> dict:
    return {"username": "lisi", "display_name": "李四", "password": "Tiger-lily-42", "unit": unit.id, "roles": "cadre",
            **changes}


def field_errors(page: str) -> dict[str, list[str]]:
    """Each field's error texts, by the field's label."""
    found = {}
    for block in re.findall(r'<div class="field\s*has-error">(.*?)</div>', page, re.S):
        label = re.search(r"<label[^>]*>(.*?)</label>", block, re.S).group(1)
        found[html.unescape(label.strip())] = [html.unescape(e) for e in re.findall(r'<small class="error">(.*?)</small>', block)]
    return found


def users(db) -> int:
    return db.scalar(select(func.count(User.id)))


def test_a_username_taken_in_another_case_is_refused_beside_the_field(admin, world, db):
    before = users(db)
    response = admin.form_post("/users/new", account(world["dept"], username="CADRE1"))
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"Username": ["the username CADRE1 is taken"]}
    assert users(db) == before


@pytest.mark.parametrize("username, message", [
    ("ｃａｄｒｅ１", "the username cadre1 is taken"),
    ("cadre 1", "the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
                "character 6 is none of these"),
    ("cadre\u200b1", "the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
                     "character 6 is none of these"),
    ("\u0441adre1", "the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
                    "character 1 is none of these"),  # a Cyrillic с, drawn like the c of cadre1
    ("李四", "the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
            "character 1 is none of these"),
])
def test_a_username_that_folds_onto_a_taken_one_or_holds_a_character_not_allowed_is_refused_beside_the_field(
        admin, world, db, username, message):
    before = users(db)
    response = admin.form_post("/users/new", account(world["dept"], username=username))
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"Username": [message]}
    assert users(db) == before


def test_a_full_width_username_is_stored_folded_and_signs_in_typed_either_way(admin, client_factory, world, db):
    assert admin.form_post("/users/new", account(world["dept"], username="ｌｉｓｉ２")).status_code == 302
    assert db.scalar(select(User.username).where(User.display_name == "李四")) == "lisi2"
    for typed in ("lisi2", "ＬＩＳＩ２"):
        client = client_factory()
        client.login(typed, "Tiger-lily-42")  # refused sign-ins answer 200 with the form again
        # Signed in: the administrator's initial password must be replaced first.
        assert client.get("/").headers["Location"].endswith("/password")


@pytest.mark.parametrize("number, message", [
    (SAMPLE[:17] + "1", "the last character of the ID number does not match the others; check it for a typing error"),
    ("1101051949123100", "the ID number must be 18 characters: 17 digits and a digit or X"),
    (SAMPLE.lower(), "another account already has this ID number"),
    ("110105209901010012", "the birth date in the ID number (characters 7 to 14) is in the future"),
    ("000000180001010018",
     "the first two digits of the ID number are not the code of a province, autonomous region or municipality"),
])
def test_a_bad_or_taken_id_number_is_refused_beside_the_field_and_the_form_kept(admin, world, db, number, message):
    before = users(db)
    response = admin.form_post("/users/new", account(world["dept"], id_number=number))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page) == {"ID number": [message]}
    assert 'value="李四"' in page and "Tiger-lily-42" not in page  # the form is kept, the password is not sent back
    assert users(db) == before


def test_an_account_is_created_with_its_id_number_upper_case_and_its_username_as_spelt(admin, world, db):
    # 32010219800101018X is valid (ISO 7064 MOD 11-2, checked in test_idnumbers); typed with a small x and spaces.
    response = admin.form_post("/users/new", account(world["dept"], username="LiSi", id_number=" 320102 19800101 018x "))
    assert response.status_code == 302
    created = db.scalar(select(User).where(User.username == "LiSi"))
    assert id_vault.reveal(created) == "32010219800101018X" and created.org_unit_id == world["dept"].id
    assert created.roles == {Role.CADRE}


def test_sign_in_ignores_the_case_of_the_username_but_not_of_the_password(client_factory, world):
    client = client_factory()
    client.login("CADRE1")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith(url_of_dashboard(client))

    refused = client_factory()
    token = refused.refresh_csrf("/login")
    wrong = refused.post("/login", data={"username": "CADRE1", "password": PASSWORD.upper(), "csrf_token": token})
    assert wrong.status_code == 200 and refused.get("/").headers["Location"].endswith("/login")


def test_a_look_alike_of_a_username_does_not_sign_in(client_factory, world):
    client = client_factory()
    token = client.refresh_csrf("/login")
    # "сadre1" with a Cyrillic с: drawn like cadre1, but another name.
    refused = client.post("/login", data={"username": "\u0441adre1", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 200 and client.get("/").headers["Location"].endswith("/login")


def test_the_form_says_which_characters_a_username_may_hold(admin, world):
    page = admin.get("/users/new").get_data(as_text=True)
    assert ("Letters A-Z and a-z, digits 0-9 and . _ - @: pinyin, a job number, a phone number or an e-mail address; "
            "not an ID number (cadres sign in with theirs)." in html.unescape(page))


def url_of_dashboard(client) -> str:
    with client.application.test_request_context():
        return url_for("candidate.dashboard")


def test_the_form_names_units_by_their_path_and_roles_by_their_labels(admin, world):
    page = admin.get("/users/new").get_data(as_text=True)
    options = dict((int(v), html.unescape(t)) for v, t in re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', page))
    assert options == {world["admin"].org_unit_id: "某省", world["city"].id: "甲市", world["dept"].id: "甲市 / 司法局",
                       world["other_dept"].parent_id: "乙市", world["other_dept"].id: "乙市 / 司法局"}
    labels = re.findall(r'<label for="roles-\d+">([^<]*)</label>', page)
    assert labels[:3] == ["Cadre (candidate)", "Question-bank editor", "Question-bank reviewer"]
    assert "sysadmin" not in labels and len(labels) == len(Role)


def test_the_account_list_shows_unit_paths_and_role_labels_in_a_scrolling_table(admin, world):
    page = admin.get("/users").get_data(as_text=True)
    assert '<div class="table-wrap">' in page
    row = re.search(r"<tr>\s*<td><a href=\"/users/\d+\">张三</a><br><span class=\"muted\">cadre1</span></td>(.*?)</tr>", page, re.S).group(1)
    assert "<td>甲市</td>" in row and "Cadre (candidate)" in row
