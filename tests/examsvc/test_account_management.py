"""A sysadmin manages accounts in their own unit subtree: edit, roles, disable and enable, reset;
a person changes their own password under the policy; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank import id_vault
from question_bank.idnumbers import check_character
from question_bank.models import Role, UnitLevel, User
from question_bank.services.passwords import password_problems
from tests.examsvc.sign_in_helpers import events
from tests.examsvc.test_reset_links_sec_t7 import make_link, set_password
from tests.webclient import PASSWORD


@pytest.fixture
def world(make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    other_city = make.unit("乙市", level=UnitLevel.CITY)
    return {
        "city": city, "other_city": other_city,
        "root": make.user(Role.SYSADMIN, username="root", unit=province),
        "city_admin": make.user(Role.SYSADMIN, username="city-admin", unit=city),
        "cadre": make.cadre(username="zhangsan", display_name="张三", unit=city),
        "outsider": make.cadre(username="lisi", display_name="李四", unit=other_city),
    }


def signed_in_as(client, username):
    client.login(username)
    client.form_post("/lang/en")
    return client


def edit(user, unit, **changes):
    return {"display_name": user.display_name, "unit": unit.id, "roles": ["cadre"], "id_number": "",
            "current_post": "", "phone": "", **changes}


def test_a_unit_administrator_edits_name_unit_and_roles_in_their_subtree_and_it_is_audited(client, world, db, make):
    dept = make.unit("司法局", parent=world["city"])
    signed_in_as(client, "city-admin")
    response = client.form_post(f"/users/{world['cadre'].id}",
                                edit(world["cadre"], dept, display_name="张三丰", roles=["cadre", "marker"]))
    assert response.status_code == 302
    db.refresh(world["cadre"])
    assert (world["cadre"].display_name, world["cadre"].org_unit_id) == ("张三丰", dept.id)
    assert world["cadre"].roles == {Role.CADRE, Role.MARKER}
    (event,) = events(db, "user.update")
    assert event.actor_id == world["city_admin"].id
    assert event.before["display_name"] == "张三" and event.after["roles"] == ["cadre", "marker"]


def test_a_unit_administrator_cannot_see_or_move_accounts_outside_their_subtree(client, world, db):
    signed_in_as(client, "city-admin")
    outsider = world["outsider"]
    assert client.get(f"/users/{outsider.id}").status_code == 404
    assert client.get("/users/999999").status_code == 404  # the same answer as for a stranger
    assert client.form_post(f"/users/{outsider.id}/disable").status_code == 404
    assert client.form_post(f"/users/{outsider.id}/reset-password").status_code == 404
    # Moving an own cadre into another city's unit is not offered and not accepted.
    response = client.form_post(f"/users/{world['cadre'].id}", edit(world["cadre"], world["other_city"]))
    assert response.status_code == 422
    db.refresh(world["cadre"])
    assert world["cadre"].org_unit_id == world["city"].id
    assert "lisi" not in client.get("/users").get_data(as_text=True)


def test_an_administrator_cannot_disable_themself_or_drop_their_own_admin_role(client, world, db):
    signed_in_as(client, "root")
    me = world["root"]
    client.form_post(f"/users/{me.id}/disable")
    db.refresh(me)
    assert me.is_active
    response = client.form_post(f"/users/{me.id}", edit(me, world["city"], roles=["auditor"]))
    assert response.status_code == 422
    assert "you cannot change your own roles; another system administrator must" in response.get_data(as_text=True)
    db.refresh(me)
    assert Role.SYSADMIN in me.roles


@pytest.mark.parametrize("added", [["hr", "full_id_export"], ["auditor"], ["exam_admin"], ["full_id_export"]])
def test_sec_p1_an_administrator_cannot_grant_themself_a_role_but_another_administrator_can(client, client_factory,
                                                                                            world, db, added):
    me = world["city_admin"]
    signed_in_as(client, "city-admin")
    response = client.form_post(f"/users/{me.id}", edit(me, world["city"], roles=["sysadmin", *added]))
    if "full_id_export" in added:
        # A city's administrator gives the full-ID grant to nobody (province-wide roles, issue-10 trial).
        assert response.status_code == 403 and "These roles act on the whole province" in response.get_data(as_text=True)
    else:
        assert response.status_code == 422
        assert "you cannot change your own roles; another system administrator must" in response.get_data(as_text=True)
    db.refresh(me)
    assert me.roles == {Role.SYSADMIN} and events(db, "user.update") == []
    # The name and profile of one's own account stay editable while the roles are left as they are.
    assert client.form_post(f"/users/{me.id}", edit(me, world["city"], roles=["sysadmin"],
                                                     display_name="市管理员")).status_code == 302
    other = signed_in_as(client_factory(), "root")
    assert other.form_post(f"/users/{me.id}", edit(me, world["city"], roles=["sysadmin", *added])).status_code == 302
    db.refresh(me)
    assert me.roles == {Role.SYSADMIN, *map(Role, added)}


def test_disable_and_enable_are_audited_with_the_reason_and_enable_lets_the_person_back_in(client, client_factory,
                                                                                           world, db):
    signed_in_as(client, "root")
    cadre = world["cadre"]
    client.form_post(f"/users/{cadre.id}/disable", {"reason": "调离"})
    assert "Disabled" in client.get("/users").get_data(as_text=True)
    client.form_post(f"/users/{cadre.id}/enable")
    (off,), (on,) = events(db, "user.disable"), events(db, "user.enable")
    assert off.detail == "调离" and off.after == {"active": False} and on.after == {"active": True}
    client_factory().login("zhangsan")


@pytest.mark.parametrize("password, message", [
    ("short1", "the password needs at least 8 characters"),
    ("password123", "the password is one of the most common passwords; choose another"),
    ("woaini1314", "the password is one of the most common passwords; choose another"),
    ("zzzzzzzzzz", "the password has too little variety"),
    ("zhangsan-2026", "the password must not contain the username"),
])
def test_a_password_the_policy_refuses_is_refused_with_the_reason_beside_the_field(client, world, db, password,
                                                                                  message):
    signed_in_as(client, "zhangsan")
    before = db.scalar(select(User.password_hash).where(User.id == world["cadre"].id))
    response = client.form_post("/password", {"current": PASSWORD, "new": password, "confirm": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(User.password_hash).where(User.id == world["cadre"].id)) == before
    assert password not in response.get_data(as_text=True)


def test_a_wrong_current_password_or_a_mismatched_repeat_changes_nothing(client, world, db):
    signed_in_as(client, "zhangsan")
    wrong = client.form_post("/password", {"current": "not-it-at-all", "new": "Tiger-lily-42", "confirm": "Tiger-lily-42"})
    assert wrong.status_code == 422 and "the current password is wrong" in wrong.get_data(as_text=True)
    differ = client.form_post("/password", {"current": PASSWORD, "new": "Tiger-lily-42", "confirm": "Tiger-lily-43"})
    assert differ.status_code == 422 and "The two new passwords differ." in differ.get_data(as_text=True)
    assert events(db, "user.password_change") == []


def test_the_common_password_list_is_the_maintained_one_and_a_decent_password_passes():
    assert password_problems("correct-horse-9") == []
    assert password_problems("iloveyou")  # from zxcvbn's list
    assert password_problems("Dragon12")  # case is ignored


def test_an_account_an_administrator_creates_must_choose_its_own_password_first(client, client_factory, world, db):
    signed_in_as(client, "root")
    response = client.form_post("/users/new", {"username": "wangwu", "display_name": "王五", "password": "Tiger-lily-42",
                                               "unit": world["city"].id, "roles": "cadre"})
    assert response.status_code == 302
    person = client_factory()
    person.login("wangwu", "Tiger-lily-42")
    assert person.get("/me/").headers["Location"].endswith("/password")
    assert person.form_post("/password", {"current": "Tiger-lily-42", "new": "Wang-wu-own-1",
                                          "confirm": "Wang-wu-own-1"}).status_code == 302
    assert person.get("/me/").status_code == 200
    (change,) = events(db, "user.password_change")
    assert change.after == {"after_reset": True}


def _id(n: int) -> str:
    body = f"32010219800101{n:03d}"
    return body + check_character(body)


def test_the_edit_page_shows_the_id_number_masked_keeps_it_when_blank_replaces_or_removes_it(client, world, db, make):
    cadre = make.cadre(username="wangwu", unit=world["city"], id_number=_id(1))
    signed_in_as(client, "city-admin")
    page = client.get(f"/users/{cadre.id}").get_data(as_text=True)
    assert "320102********" + _id(1)[-4:] in page and _id(1) not in page
    assert client.form_post(f"/users/{cadre.id}", edit(cadre, world["city"], phone="13800000000")).status_code == 302
    db.refresh(cadre)
    assert id_vault.reveal(cadre) == _id(1) and cadre.phone == "13800000000"
    assert client.form_post(f"/users/{cadre.id}", edit(cadre, world["city"], id_number=_id(2))).status_code == 302
    db.refresh(cadre)
    assert id_vault.reveal(cadre) == _id(2)
    (changed,) = [e for e in events(db, "user.update") if e.before["id_number_hash"] != e.after["id_number_hash"]]
    assert _id(1) not in str(changed.before) and _id(2) not in str(changed.after)
    both = client.form_post(f"/users/{cadre.id}", edit(cadre, world["city"], id_number=_id(3), remove_id_number="y"))
    assert both.status_code == 422 and "either type a new ID number or remove it" in both.get_data(as_text=True)
    db.refresh(cadre)
    assert id_vault.reveal(cadre) == _id(2)
    assert client.form_post(f"/users/{cadre.id}", edit(cadre, world["city"], remove_id_number="y")).status_code == 302
    db.refresh(cadre)
    assert id_vault.reveal(cadre) is None and cadre.id_number_lookup is None


@pytest.mark.parametrize("typed", ["{n}", "{n_lower}", "{tail}", "Pw-{birth}!", "{full_width}"])
def test_sec_t7_a_cadre_cannot_choose_their_id_number_or_its_birth_date_as_password(client, make, db, typed):
    number = "11010519491231002X"
    cadre = make.cadre(username="wangwu", id_number=number)
    new = typed.format(n=number, n_lower=number.lower(), tail=number[6:], birth=number[6:14],
                       full_width="".join(chr(ord(c) + 0xFEE0) for c in number))
    signed_in_as(client, "wangwu")
    before = cadre.password_hash
    response = client.form_post("/password", {"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 422
    assert "the password must not contain your ID number or the birth date in it" in response.get_data(as_text=True)
    db.refresh(cadre)
    assert cadre.password_hash == before
    # Other digits are fine.
    assert client.form_post("/password", {"current": PASSWORD, "new": "Qz7-19500101-lamp",
                                          "confirm": "Qz7-19500101-lamp"}).status_code == 302


@pytest.mark.parametrize("typed, why", [
    ("lamp-31002X", "the last six characters of your ID number"),
    ("lamp-31002x!", "the last six characters of your ID number"),
    ("lamp-３１００２ｘ", "the last six characters of your ID number"),
    ("Pw-1949-12-31", "your birth date"), ("Pw.1949.12.31", "your birth date"), ("Pw 1949/12/31", "your birth date"),
    ("Pw_491231_go", "your birth date"), ("Pw-31.12.1949", "your birth date"), ("Pw-12/31/1949", "your birth date"),
    ("Pw1949年12月31日", "your birth date"), ("Pw-１９４９／１２／３１", "your birth date"),
])
def test_tester_2_the_id_numbers_tail_or_its_birth_date_written_any_way_is_refused_naming_why(
        client, make, db, typed, why):
    cadre = make.cadre(username="wangwu", id_number="11010519491231002X")
    signed_in_as(client, "wangwu")
    before = cadre.password_hash
    response = client.form_post("/password", {"current": PASSWORD, "new": typed, "confirm": typed})
    assert response.status_code == 422 and why in response.get_data(as_text=True)
    db.refresh(cadre)
    assert cadre.password_hash == before


@pytest.mark.parametrize("typed", ["Pw-1980/1/1-go", "lamp-800101", "Pw-1980.01.01"])
def test_tester_2_a_birth_date_written_short_is_refused_also_through_a_reset_link(client, client_factory, make, typed):
    """The short forms the trial named (1980/1/1, 800101), for a number whose month and day have
    leading zeros, on the reset link's form."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.user(Role.SYSADMIN, username="city-admin", unit=city)
    cadre = make.cadre(username="zhaoliu", unit=city, id_number=_id_with_birth("19800101"))
    client.login("city-admin")
    path = make_link(client, cadre)
    person = client_factory()
    person.refresh_csrf(path)  # the language switch is a form post like any other: it needs the token
    person.form_post("/lang/en")
    person.refresh_csrf(path)
    response = set_password(person, path, typed)
    assert response.status_code == 422 and "your birth date" in response.get_data(as_text=True)


def _id_with_birth(birth: str) -> str:
    first17 = f"110105{birth}002"
    return first17 + check_character(first17)


def test_an_id_number_that_does_not_open_does_not_lock_its_person_out_of_a_new_password(client, client_factory, make, db):
    """A sealed value copied from another account's row (or sealed under another key) cannot be
    checked against a new password; the change, the reset and the reset link still go through
    (outside trial: each was an error page, and a cadre with a temporary password was locked out)."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.user(Role.SYSADMIN, username="city-admin", unit=city)
    donor = make.cadre(username="donor", unit=city, id_number="11010519491231002X")
    cadre = make.cadre(username="wangwu", unit=city, id_number="11010519500101001" + check_character("11010519500101001"))
    cadre.id_number_sealed = donor.id_number_sealed
    db.commit()
    signed_in_as(client, "wangwu")
    assert client.form_post("/password", {"current": PASSWORD, "new": "Qz7-harbour-lamp",
                                          "confirm": "Qz7-harbour-lamp"}).status_code == 302
    admin = client_factory()
    admin.login("city-admin")
    assert admin.form_post(f"/users/{cadre.id}/reset-password").status_code == 200
    path = make_link(admin, cadre)
    link = client_factory()
    link.refresh_csrf(path)
    assert set_password(link, path).status_code in (200, 302)
    db.refresh(cadre)
    assert not cadre.must_change_password
