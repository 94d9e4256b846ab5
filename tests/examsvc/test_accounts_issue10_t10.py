"""What the outside tester's issue-10 security trial found in accounts, as kinds, each on both databases:

1. sign-in throttling that locked a whole office out from one address, let a stranger lock a cadre
   out, and had no unlock (SEC-T7 reworked: ``question_bank/services/throttle.py``);
2. a unit's administrator giving roles that act on the whole province;
4. "Password1!" accepted (the common-password check compared the exact password only);
5. a disabled account with its right password told "wrong username or password".
(3, downgrades of a used database: tests/migrations/test_upgrades_keep_data.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.models import Role, SignInFailure, UnitLevel, User
from question_bank.services.passwords import fold_password, is_common, password_problems
from question_bank.services.throttle import ACCOUNT_LIMIT, ACCOUNT_WIDE_LIMIT, ADDRESS_LIMIT
from tests.examsvc.sign_in_helpers import events, instance, try_sign_in
from tests.webclient import PASSWORD

HALL = "203.0.113.80"  # one NAT in front of a hall of candidates
LOCK_MESSAGE = "Too many failed sign-ins. Try again after 2026-05-11 10:15, or ask an administrator to lift the lock."


@pytest.fixture
def world(make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    other_city = make.unit("乙市", level=UnitLevel.CITY)
    return {
        "province": province, "city": city, "other_city": other_city,
        "root": make.user(Role.SYSADMIN, username="sysadmin", unit=province),
        "unitadmin": make.user(Role.SYSADMIN, username="unitadmin", unit=city),
        "hr": make.user(Role.HR, username="hr", unit=province),
        "cadre1": make.cadre(username="cadre1", unit=city),
        "cadre5": make.cadre(username="cadre5", unit=city),
        "outsider": make.cadre(username="outsider", unit=other_city),
    }


@pytest.fixture
def web(db_url, session_clock, db, clock):
    return instance(db_url, session_clock, db)


def signed_in(client, username):
    client.login(username)
    client.form_post("/lang/en")
    return client


# --- 1. throttling ---------------------------------------------------------------------------------

def test_issue10_failures_with_made_up_names_from_one_address_lock_nobody_else_behind_it(world, web, db):
    for n in range(ADDRESS_LIMIT.failures + 5):
        assert try_sign_in(web, f"made-up-{n}", "wrong-password", HALL).status_code == 200
    assert db.scalar(select(func.count(SignInFailure.id)).where(SignInFailure.key == f"address:{HALL}")) \
        == ADDRESS_LIMIT.failures + 5
    for name in ("cadre1", "hr", "sysadmin"):
        response = try_sign_in(web, name, PASSWORD, HALL)
        assert response.status_code == 302, name
        web.post("/logout", data={"csrf_token": web.refresh_csrf()})
    # The stepped-up address still stops a second guess at any name that failed there.
    assert try_sign_in(web, "made-up-0", "another-guess", HALL).status_code == 429


def test_issue10_a_stranger_with_a_cadres_name_locks_out_only_their_own_address(world, web, db):
    for _ in range(ACCOUNT_LIMIT.failures):
        assert try_sign_in(web, "cadre5", "wrong-password", "198.51.100.66").status_code == 200
    refused = try_sign_in(web, "cadre5", PASSWORD, "198.51.100.66")
    assert refused.status_code == 429 and LOCK_MESSAGE in refused.get_data(as_text=True)
    # The cadre, in the exam hall, signs in.
    assert try_sign_in(web, "cadre5", PASSWORD, HALL).status_code == 302


def test_issue10_guessing_from_several_addresses_stops_at_the_account_cap_and_an_administrator_lifts_it(
        world, web, client, db):
    cadre = world["cadre5"]
    addresses = [f"198.51.100.{n}" for n in range(ACCOUNT_WIDE_LIMIT.failures // ACCOUNT_LIMIT.failures)]
    for address in addresses:
        for _ in range(ACCOUNT_LIMIT.failures):
            assert try_sign_in(web, "cadre5", "wrong-password", address).status_code == 200
    refused = try_sign_in(web, "cadre5", PASSWORD, HALL)
    assert refused.status_code == 429 and LOCK_MESSAGE in refused.get_data(as_text=True)
    # The unit's administrator sees the count on the account's page and lifts the lock.
    signed_in(client, "unitadmin")
    page = client.get(f"/users/{cadre.id}").get_data(as_text=True)
    assert f"{ACCOUNT_WIDE_LIMIT.failures} failed sign-ins are still counted against this account." in page
    response = client.form_post(f"/users/{cadre.id}/lift-sign-in-lock")
    assert response.status_code == 302
    assert "The sign-in lock of cadre5 is lifted" in client.get(response.headers["Location"]).get_data(as_text=True)
    (lifted,) = events(db, "user.sign_in_lock_lifted")
    assert (lifted.actor_id, lifted.object_id) == (world["unitadmin"].id, str(cadre.id))
    assert lifted.after["failures_cleared"] == ACCOUNT_WIDE_LIMIT.failures
    assert db.scalar(select(func.count(SignInFailure.id)).where(SignInFailure.key.like(f"account:{cadre.id}%"))) == 0
    assert try_sign_in(web, "cadre5", PASSWORD, addresses[0]).status_code == 302


def test_issue10_only_an_administrator_of_the_accounts_subtree_lifts_its_lock(world, client, client_factory, db):
    outsider = world["outsider"]
    signed_in(client, "unitadmin")
    assert client.form_post(f"/users/{outsider.id}/lift-sign-in-lock").status_code == 404
    cadre_client = signed_in(client_factory(), "cadre1")
    assert cadre_client.form_post(f"/users/{world['cadre5'].id}/lift-sign-in-lock").status_code == 403
    assert events(db, "user.sign_in_lock_lifted") == []
    root = signed_in(client_factory(), "sysadmin")
    assert root.form_post(f"/users/{outsider.id}/lift-sign-in-lock").status_code == 302
    assert len(events(db, "user.sign_in_lock_lifted")) == 1


def test_issue10_a_candidate_who_failed_at_a_stepped_up_address_is_let_in_after_an_administrators_lift(
        world, web, client, db):
    for n in range(ADDRESS_LIMIT.failures):
        try_sign_in(web, f"made-up-{n}", "wrong-password", HALL)
    assert try_sign_in(web, "cadre1", "typo-password", HALL).status_code == 200
    assert try_sign_in(web, "cadre1", PASSWORD, HALL).status_code == 429
    signed_in(client, "unitadmin").form_post(f"/users/{world['cadre1'].id}/lift-sign-in-lock")
    assert try_sign_in(web, "cadre1", PASSWORD, HALL).status_code == 302


# --- 2. roles a unit's administrator gives ---------------------------------------------------------

PROVINCE_WIDE = ("bank_editor", "bank_reviewer", "law_admin", "full_id_export")


def new_account(world, roles, username="newperson"):
    return {"username": username, "display_name": "新人", "password": "Tiger-lily-42", "unit": world["city"].id,
            "roles": roles}


def test_issue10_a_unit_administrator_is_offered_only_roles_that_act_inside_the_unit(world, client):
    signed_in(client, "unitadmin")
    page = client.get("/users/new").get_data(as_text=True)
    for role in PROVINCE_WIDE:
        assert f'value="{role}"' not in page, role
    for role in ("cadre", "exam_admin", "marker", "hr", "auditor", "sysadmin", "study_admin"):
        assert f'value="{role}"' in page, role
    edit_page = client.get(f"/users/{world['cadre1'].id}").get_data(as_text=True)
    assert 'value="bank_editor"' not in edit_page and 'value="marker"' in edit_page


@pytest.mark.parametrize("role", PROVINCE_WIDE)
def test_issue10_a_crafted_form_giving_a_province_wide_role_is_refused_and_audited(world, client, db, role):
    signed_in(client, "unitadmin")
    count = db.scalar(select(func.count(User.id)))
    response = client.form_post("/users/new", new_account(world, ["cadre", role]))
    assert response.status_code == 403
    assert "These roles act on the whole province" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(User.id))) == count
    (refusal,) = events(db, "auth.refused")
    assert refusal.actor_id == world["unitadmin"].id and refusal.after["refused_roles"] == [role]
    # Editing an account to add it is refused alike.
    cadre = world["cadre1"]
    edit = {"display_name": cadre.display_name, "unit": world["city"].id, "roles": ["cadre", role], "id_number": "",
            "current_post": "", "phone": ""}
    assert client.form_post(f"/users/{cadre.id}", edit).status_code == 403
    db.refresh(cadre)
    assert cadre.roles == {Role.CADRE} and events(db, "user.update") == []


def test_issue10_the_top_units_administrator_gives_province_wide_roles_and_a_unit_one_keeps_them(world, client,
                                                                                                   client_factory, db):
    root = signed_in(client, "sysadmin")
    assert root.form_post("/users/new", new_account(world, ["bank_editor", "bank_reviewer"])).status_code == 302
    person = db.scalar(select(User).where(User.username == "newperson"))
    assert person.roles == {Role.BANK_EDITOR, Role.BANK_REVIEWER}
    # A unit's administrator edits that account: its roles are shown and kept, or one taken away.
    unit_admin = signed_in(client_factory(), "unitadmin")
    assert 'value="bank_editor"' in unit_admin.get(f"/users/{person.id}").get_data(as_text=True)
    edit = {"display_name": "新人甲", "unit": world["city"].id, "roles": ["bank_editor", "bank_reviewer"],
            "id_number": "", "current_post": "", "phone": ""}
    assert unit_admin.form_post(f"/users/{person.id}", edit).status_code == 302
    assert unit_admin.form_post(f"/users/{person.id}", {**edit, "roles": ["bank_editor"]}).status_code == 302
    db.refresh(person)
    assert person.roles == {Role.BANK_EDITOR} and person.display_name == "新人甲"


def test_issue10_a_unit_administrator_creates_accounts_with_roles_inside_the_unit(world, client, db):
    signed_in(client, "unitadmin")
    assert client.form_post("/users/new", new_account(world, ["exam_admin", "auditor", "sysadmin"])).status_code == 302
    person = db.scalar(select(User).where(User.username == "newperson"))
    assert person.roles == {Role.EXAM_ADMIN, Role.AUDITOR, Role.SYSADMIN}


# --- 4. common passwords with decoration -----------------------------------------------------------

@pytest.mark.parametrize("password", ["Password1!", "password2026", "1password", "!!Password!!", "P@ssw0rd",
                                      "P@ssw0rd2026!", "Welcome2026!", "Qwerty123!", "Dragon!!99", "ＰＡＳＳＷＯＲＤ１！",
                                      "Woaini1314!!", "1qaz2wsx!"])
def test_issue10_a_common_word_with_digits_symbols_or_look_alikes_around_it_is_refused(password):
    assert is_common(fold_password(password))
    (problem,) = password_problems(password, "zhangsan")
    assert problem.message == "the password is one of the most common passwords; choose another"


@pytest.mark.parametrize("password", ["Tiger-lily-42", "My-own-pass-2026", "correct-horse-battery", "Kc8#pL2m-x",
                                      "Zhang-san-own-7"[::-1]])
def test_issue10_passwords_not_made_of_a_common_word_stay_accepted(password):
    assert password_problems(password, "lisi") == []


def test_issue10_password1_is_refused_on_the_change_form(world, client, db):
    signed_in(client, "cadre1")
    client.refresh_csrf("/password")
    response = client.form_post("/password", {"current": PASSWORD, "new": "Password1!", "confirm": "Password1!"})
    assert response.status_code == 422
    assert "the password is one of the most common passwords" in response.get_data(as_text=True)


# --- 5. a disabled account -------------------------------------------------------------------------

def test_issue10_a_disabled_account_with_its_right_password_is_told_it_is_disabled(world, web, client, db):
    signed_in(client, "unitadmin").form_post(f"/users/{world['cadre5'].id}/disable", {"reason": "调离"})
    right = try_sign_in(web, "cadre5", PASSWORD, HALL)
    assert right.status_code == 200 and "Location" not in right.headers
    assert "This account is disabled. Ask an administrator to enable it." in right.get_data(as_text=True)
    (event,) = events(db, "auth.sign_in_disabled")
    assert event.object_id == str(world["cadre5"].id) and event.after["address"] == HALL
    # Not a failure: nothing counted. A wrong password gets the ordinary answer and is counted.
    assert db.scalar(select(func.count(SignInFailure.id)).where(SignInFailure.key == f"account:{world['cadre5'].id}")) == 0
    wrong = try_sign_in(web, "cadre5", "wrong-password", HALL)
    text = wrong.get_data(as_text=True)
    assert "Wrong username or password." in text and "disabled" not in text
    assert len(events(db, "auth.sign_in_disabled")) == 1 and len(events(db, "auth.sign_in_failed")) == 1
