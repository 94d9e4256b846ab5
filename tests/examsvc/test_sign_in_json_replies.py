"""A script or API client (``Accept: application/json``) signing in or using a reset link is told
each refusal as JSON with a status that says what happened, as every other JSON answer of the
service (``examsvc.errors``), not the browser's HTML form (tester finding). Browsers keep the form;
the throttle and the CSRF check apply alike."""

from __future__ import annotations

from question_bank.models import Role
from question_bank.services import accounts, reset_links
from question_bank.services.throttle import ACCOUNT_WIDE_LIMIT
from tests.examsvc.sign_in_helpers import events, try_sign_in
from tests.webclient import PASSWORD

JSON = {"Accept": "application/json"}
NEW_PASSWORD = "Spring-river-2026"


def english(client):
    client.refresh_csrf()
    client.form_post("/lang/en")
    return client


def test_a_script_is_told_a_wrong_password_as_json_401_and_it_counts(client, make, db):
    cadre = make.cadre()
    english(client)
    wrong = try_sign_in(client, cadre.username, "wrong-password", **JSON)
    assert (wrong.status_code, wrong.mimetype) == (401, "application/json")
    assert wrong.get_json() == {"error": "wrong_credentials", "message": "Wrong username or password."}
    assert len(events(db, "auth.sign_in_failed")) == 1
    # A browser still gets the form again, with the message above it.
    page = try_sign_in(client, cadre.username, "wrong-password")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    assert "Wrong username or password." in page.get_data(as_text=True)
    # The right password signs the script in as it does a browser.
    assert try_sign_in(client, cadre.username, PASSWORD, **JSON).status_code == 302


def test_a_script_posting_json_without_a_name_is_told_which_field_is_missing(client, make):
    english(client)
    response = client.post("/login", json={"password": "whatever"}, headers={**JSON, "X-CSRFToken": client.csrf})
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "invalid"
    assert body["problems"] == [{"place": "Username", "message": "This field is required."}]


def test_a_script_without_the_csrf_token_is_refused_as_json_and_nothing_is_counted(client, make, db):
    cadre = make.cadre()
    response = client.post("/login", data={"username": cadre.username, "password": "wrong-password"}, headers=JSON)
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    assert events(db, "auth.sign_in_failed") == []


def test_a_script_is_told_a_disabled_account_and_the_throttle_as_json(client, make, db, clock):
    admin, cadre, other = make.user(Role.SYSADMIN), make.cadre(), make.cadre()
    accounts.set_active(db, clock, admin, other, False, "调离")
    db.commit()
    english(client)
    disabled = try_sign_in(client, other.username, PASSWORD, **JSON)
    assert disabled.status_code == 401 and disabled.get_json()["error"] == "account_disabled"
    assert disabled.get_json()["message"] == "This account is disabled. Ask an administrator to enable it."

    for n in range(ACCOUNT_WIDE_LIMIT.failures):
        assert try_sign_in(client, cadre.username, "wrong-password", f"198.51.100.{n}", **JSON).status_code == 401
    # Past the account's allowance even the right password is refused, JSON or not.
    throttled = try_sign_in(client, cadre.username, PASSWORD, "192.0.2.77", **JSON)
    body = throttled.get_json()
    assert throttled.status_code == 429 and body["error"] == "throttled"
    assert body["message"].startswith("Too many failed sign-ins. Try again after 2026-05-11 10:15")
    assert body["until"] == "2026-05-11T02:15:00+00:00"
    assert try_sign_in(client, cadre.username, PASSWORD, "192.0.2.78").status_code == 429


def test_a_script_using_a_reset_link_is_told_each_refusal_as_json(client, make, db, clock):
    admin, cadre = make.user(Role.SYSADMIN), make.cadre()
    path = "/reset/" + reset_links.issue(db, clock, admin, cadre).token
    db.commit()
    english(client)

    def post(new, confirm=None):
        return client.post(path, data={"csrf_token": client.csrf, "new": new, "confirm": confirm or new}, headers=JSON)

    mismatch = post(NEW_PASSWORD, "Other-thing-2026")
    assert mismatch.status_code == 422 and mismatch.get_json()["error"] == "invalid"
    assert mismatch.get_json()["problems"] == [{"place": "New password again", "message": "The two new passwords differ."}]
    common = post("password123")
    assert common.status_code == 422 and common.headers["Cache-Control"] == "no-store"
    assert [p["place"] for p in common.get_json()["problems"]] == ["New password"]
    assert post(NEW_PASSWORD).status_code == 302
    client.refresh_csrf()  # setting the password began a new session

    used = client.get(path, headers=JSON)
    assert (used.status_code, used.mimetype) == (410, "application/json")
    assert used.get_json()["error"] == "link_unusable" and used.headers["Cache-Control"] == "no-store"
    assert post("Another-pass-2027").status_code == 410
    # A browser still gets the page saying so.
    page = client.get(path)
    assert (page.status_code, page.mimetype) == (410, "text/html")
