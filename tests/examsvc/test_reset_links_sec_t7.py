"""One-time password-reset links (issue 10; SEC-T7 (c)): a sysadmin makes a link, shown once; the
person sets a new password with it under the policy; every session of the account ends; it is
audited; a used, expired, replaced or tampered link is refused the same way, and only the token's
hash is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select, text

from question_bank.models import PasswordResetLink, Role, UnitLevel
from question_bank.services.reset_links import LINK_LIFETIME
from tests.examsvc.sign_in_helpers import events, try_sign_in
from tests.webclient import PASSWORD, without_csrf_tokens

NEW_PASSWORD = "Spring-river-2026"


@pytest.fixture
def people(make):
    city = make.unit("甲市", level=UnitLevel.CITY)
    other_city = make.unit("乙市", level=UnitLevel.CITY)
    return {"admin": make.user(Role.SYSADMIN, username="city-admin", unit=city),
            "cadre": make.cadre(username="zhangsan", unit=city),
            "outsider": make.cadre(username="lisi", unit=other_city)}


def make_link(client, user) -> str:
    """The path of a new reset link for ``user``, read from the page that shows it once."""
    response = client.form_post(f"/users/{user.id}/reset-link")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    link = re.search(r'<code class="reset-link">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    return "/" + link.split("/", 3)[3]


def set_password(client, path, new=NEW_PASSWORD, confirm=None):
    """Post the link's form with the client's CSRF token (taken from the link's page)."""
    return client.post(path, data={"csrf_token": client.csrf, "new": new, "confirm": confirm or new})


def test_sec_t7_c_a_reset_link_sets_a_new_password_once_ends_every_session_and_is_audited(
        client, client_factory, people, db):
    cadre = people["cadre"]
    phone = client_factory()
    phone.login(cadre.username)  # a session the reset must end
    client.login("city-admin")
    path = make_link(client, cadre)

    person = client_factory()  # not signed in: the link is all they need
    page = person.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store" and "zhangsan" in page.get_data(as_text=True)
    person.refresh_csrf(path)
    # The policy applies: a common password is refused and the link stays usable.
    refused = set_password(person, path, "password123")
    assert refused.status_code == 422 and person.get(path).status_code == 200
    assert set_password(person, path, NEW_PASSWORD, "Other-thing-2026").status_code == 422

    done = set_password(person, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert phone.get("/me/").status_code == 302  # the other session has ended
    device = client_factory()
    assert try_sign_in(device, cadre.username, PASSWORD).status_code == 200  # the old password is gone
    assert try_sign_in(device, cadre.username, NEW_PASSWORD).status_code == 302
    assert device.get("/me/").status_code == 200  # no forced change: the person chose it

    (made,) = events(db, "user.password_reset_link")
    (used,) = events(db, "user.password_reset_by_link")
    assert made.actor_id == people["admin"].id and used.actor_id == cadre.id == int(used.object_id)
    token = path.rsplit("/", 1)[1]
    for event in (made, used):
        assert token not in str(event.before) + str(event.after) + event.detail and NEW_PASSWORD not in str(event.after)


def test_sec_t7_c_a_used_expired_replaced_or_tampered_link_is_refused_alike(client, client_factory, people, db,
                                                                         clock):
    cadre = people["cadre"]
    client.login("city-admin")
    used = make_link(client, cadre)
    person = client_factory()
    person.refresh_csrf(used)
    assert set_password(person, used).status_code == 302
    replaced = make_link(client, cadre)
    newest = make_link(client, cadre)
    expiring = newest  # unused, unreplaced: only its age stops it
    tampered = newest[:-3] + ("AAA" if not newest.endswith("AAA") else "BBB")

    clock.set(clock.now() + LINK_LIFETIME + dt.timedelta(seconds=1))
    bodies = set()
    for path in (used, replaced, expiring, tampered, "/reset/no-such-link"):
        visitor = client_factory()
        response = visitor.get(path)
        assert response.status_code == 410, path
        bodies.add(without_csrf_tokens(response.get_data(as_text=True)).replace(path, "LINK"))
        visitor.refresh_csrf("/login")
        assert visitor.post(path, data={"csrf_token": visitor.csrf, "new": "Another-pass-2027",
                                        "confirm": "Another-pass-2027"}).status_code == 410
    assert len(bodies) == 1  # one answer whatever made the link unusable
    device = client_factory()
    assert try_sign_in(device, cadre.username, NEW_PASSWORD).status_code == 302  # nothing changed it again


def test_sec_t7_c_only_the_tokens_hash_is_stored_and_a_link_resets_only_its_own_account(client, client_factory,
                                                                                      people, db):
    client.login("city-admin")
    path = make_link(client, people["cadre"])
    token = path.rsplit("/", 1)[1]
    (row,) = db.scalars(select(PasswordResetLink)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.user_id == people["cadre"].id
    dump = " ".join(str(v) for v in db.execute(text("SELECT * FROM password_reset_link")).one())
    assert token not in dump

    other = client_factory()
    other.login("lisi")  # someone else, signed in, uses the link
    other.refresh_csrf(path)
    assert set_password(other, path).status_code == 302
    assert other.get("/me/").status_code == 302  # signed out: the link was not theirs to keep using
    device = client_factory()
    assert try_sign_in(device, "lisi", PASSWORD).status_code == 302  # lisi's password is untouched
    assert try_sign_in(device, "zhangsan", NEW_PASSWORD).status_code == 302


def test_a_link_can_be_made_only_by_a_sysadmin_over_their_subtree(client, client_factory, people):
    client.login("city-admin")
    assert client.form_post(f"/users/{people['outsider'].id}/reset-link").status_code == 404
    assert client.form_post("/users/999999/reset-link").status_code == 404
    cadre = client_factory()
    cadre.login("zhangsan")
    assert cadre.form_post(f"/users/{people['outsider'].id}/reset-link").status_code == 403
    assert client.post(f"/users/{people['cadre'].id}/reset-link").status_code == 400  # no CSRF token
