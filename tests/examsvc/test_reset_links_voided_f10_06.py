"""F10-06: an outstanding password-reset link stops working once the reasons to trust it are gone:
the account is disabled (and stays void when it is enabled again), an administrator resets the
password, or the person changes it. The link's page then says why links stop working, and the
action's audit entry notes the links it made void."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import PasswordResetLink, User
from tests.examsvc.sign_in_helpers import events, try_sign_in
from tests.examsvc.test_reset_links_sec_t7 import make_link, people, set_password  # noqa: F401 (fixture)
from tests.webclient import PASSWORD

CHANGED = "Spring-river-2026"
VOID = ("This reset link cannot be used. A link works once and for 24 hours, and stops working when a newer link "
        "is made, when the account&#39;s password is changed or reset, or when the account is disabled. Ask your "
        "administrator for a new one.")


def disable(admin, person, cadre, db):
    assert admin.form_post(f"/users/{cadre.id}/disable", {"reason": "离职"}).status_code == 302
    assert admin.form_post(f"/users/{cadre.id}/enable").status_code == 302  # enabling does not revive the link
    assert db.get(User, cadre.id).is_active
    return "user.disable"


def admin_reset(admin, person, cadre, db):
    assert admin.form_post(f"/users/{cadre.id}/reset-password").status_code == 200
    return "user.password_reset"


def own_change(admin, person, cadre, db):
    person.login(cadre.username)
    person.refresh_csrf("/password")
    assert person.form_post("/password", {"current": PASSWORD, "new": CHANGED, "confirm": CHANGED}).status_code == 302
    return "user.password_change"


@pytest.mark.parametrize("action", [disable, admin_reset, own_change], ids=lambda f: f.__name__)
def test_f10_06_an_outstanding_reset_link_stops_working_when_the_account_is_disabled_reset_or_its_password_changed(
        client, client_factory, people, db, action):  # noqa: F811
    cadre = people["cadre"]
    client.login("city-admin")
    client.form_post("/lang/en")
    path = make_link(client, cadre)
    holder = client_factory()  # whoever holds the link
    holder.refresh_csrf()
    holder.form_post("/lang/en")
    assert holder.get(path).status_code == 200  # usable until the action
    hash_before = db.scalar(select(User.password_hash).where(User.id == cadre.id))

    audited = action(client, client_factory(), cadre, db)

    page = holder.get(path)
    assert page.status_code == 410 and VOID in page.get_data(as_text=True)
    holder.refresh_csrf("/login")
    refused = holder.post(path, data={"csrf_token": holder.csrf, "new": "Another-pass-2027",
                                      "confirm": "Another-pass-2027"})
    assert refused.status_code == 410 and VOID in refused.get_data(as_text=True)
    hash_after = db.scalar(select(User.password_hash).where(User.id == cadre.id))
    assert try_sign_in(client_factory(), cadre.username, "Another-pass-2027").status_code == 200
    assert events(db, "user.password_reset_by_link") == []
    if action is disable:
        assert hash_after == hash_before
    (link,) = db.scalars(select(PasswordResetLink)).all()
    assert link.revoked_at is not None and link.used_at is None
    assert events(db, audited)[-1].after["reset_links_voided"] == 1
    # A link made afterwards works: only the links outstanding at the time were made void.
    fresh = make_link(client, cadre)
    holder.refresh_csrf(fresh)
    assert set_password(holder, fresh).status_code == 302


def test_f10_06_a_password_change_leaves_other_accounts_links_alone(client, client_factory, people, db):  # noqa: F811
    client.login("city-admin")
    mine = make_link(client, people["cadre"])
    theirs = make_link(client, people["admin"])
    own_change(client, client_factory(), people["cadre"], db)
    assert client_factory().get(mine).status_code == 410
    assert client_factory().get(theirs).status_code == 200
