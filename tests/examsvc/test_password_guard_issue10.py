"""Issue 10 (outside tester): the forms that ask a signed-in person's password again (``/password``
and the full-ID score-sheet export) are guarded alike (``examsvc.auth.password_guard``).

A stolen session that guesses the password until the account locks is signed out, with every other
session of the account, so it cannot keep the owner out by renewing the lock; the owner signs in
again at once (sign-in locks are per account and address since the issue-10 trial), which clears the
count. Each form audits the lock (``<prefix>_locked``) and every try refused while locked
(``<prefix>_throttled``), and says until when the password-protected actions are locked. A count
reached at ``/login`` by someone outside refuses the forms but signs nobody out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from question_bank.models import Role, UnitLevel, User, UserRole
from question_bank.services import full_id_exports
from tests.examsvc.sign_in_helpers import events, instance, try_sign_in
from tests.webclient import PASSWORD, ExamClient

NEW = "Tiger-lily-42"
LOCKED = ("This account has been signed out everywhere; actions that ask for the password are locked until "
          "2026-05-11 10:15, or until you sign in again.")
THROTTLED = ("Too many wrong passwords for this account. Actions that ask for the password are locked until "
             "2026-05-11 10:15; signing in again from your own device lifts the lock.")


@dataclass
class PasswordForm:
    """A form that asks the password again: its page, how to send it, its audit action prefix and
    the audit action of one wrong password."""

    path: str
    fields: dict
    prefix: str
    failed: str

    def send(self, client: ExamClient, password: str, address: str = "203.0.113.9"):
        client.refresh_csrf(self.path)
        return client.post(self.path, data={"csrf_token": client.csrf, **self.fields(password)},
                           environ_base={"REMOTE_ADDR": address})


def _change_password(make, db) -> tuple[User, PasswordForm]:
    cadre = make.cadre()
    return cadre, PasswordForm("/password", lambda password: {"current": password, "new": NEW, "confirm": NEW},
                               "auth.password_change", "auth.password_change_failed")


def _full_id_export(make, db) -> tuple[User, PasswordForm]:
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.questions(2, "single_choice", key=["B"])
    sitting = make.sitting(roster=[make.cadre(unit=city)], shuffle=False)
    sitting.org_unit = city
    officer = make.user(Role.HR, unit=city)
    officer.role_rows.append(UserRole(role=str(Role.FULL_ID_EXPORT)))
    db.commit()
    fields = lambda password: {"purpose": "干部任前公示材料核对", "password": password, "file_format": "csv"}  # noqa: E731
    return officer, PasswordForm(f"/reports/sittings/{sitting.id}/full-id-export", fields, full_id_exports.ACTION,
                                 full_id_exports.REFUSED_ACTION)


@pytest.fixture(params=[_change_password, _full_id_export], ids=["change-password", "full-id-export"])
def form(request, make, db):
    return request.param(make, db)


@pytest.fixture
def clients(db_url, session_clock, db, clock):
    return [instance(db_url, session_clock, db) for _ in range(3)]


def signed_in(client: ExamClient, user: User) -> ExamClient:
    client.login(user.username)
    return client


def is_signed_in(client: ExamClient) -> bool:
    response = client.get("/password")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_issue10_guesses_in_a_stolen_session_that_lock_the_account_sign_it_out_everywhere(form, clients, db, clock):
    account, page = form
    stolen, owner_device, outside = clients
    signed_in(stolen, account), signed_in(owner_device, account)
    for n in range(4):
        assert page.send(stolen, f"guess-{n}", f"198.51.100.{n}").status_code == 422
        assert is_signed_in(stolen)
    fifth = page.send(stolen, "guess-4", "198.51.100.4")
    assert fifth.status_code == 302 and fifth.headers["Location"].endswith("/login")
    assert LOCKED in stolen.get("/login").get_data(as_text=True)
    # Every session of the account ended: the guessing one and the owner's other device.
    assert not is_signed_in(stolen) and not is_signed_in(owner_device)
    (locked,) = events(db, f"{page.prefix}_locked")
    assert locked.after["until"].startswith("2026-05-11T02:15") and locked.after["sessions_ended"] is True
    assert locked.actor_id == account.id and locked.object_id == str(account.id)
    assert len(events(db, page.failed)) == 5
    # Signed out, the stolen session cannot guess again to renew the lock: nothing more is counted.
    clock.advance(minutes=14)
    assert page.send(stolen, "guess-5").status_code == 302
    assert len(events(db, page.failed)) == 5 and events(db, f"{page.prefix}_throttled") == []
    # The guesses lock no address out of signing in (each guessed once): the owner signs in at once,
    # from their own device, and that clears the count, so the form works for them.
    assert try_sign_in(owner_device, account.username, PASSWORD, "192.0.2.7").status_code == 302
    assert is_signed_in(owner_device) and not is_signed_in(stolen)
    assert page.send(owner_device, PASSWORD).status_code in (200, 302)
    assert len(events(db, f"{page.prefix}_locked")) == 1


def test_issue10_a_lock_reached_at_sign_in_refuses_the_form_with_an_audit_event_each_try_but_signs_nobody_out(
        form, clients, db, clock):
    account, page = form
    owner, outside, _ = clients
    signed_in(owner, account)
    for n in range(5):
        try_sign_in(outside, account.username, f"guess-{n}", f"198.51.100.{n}")
    for password in ("guess-x", PASSWORD):
        refused = page.send(owner, password)
        assert refused.status_code == 429 and THROTTLED in refused.get_data(as_text=True)
    throttled = events(db, f"{page.prefix}_throttled")
    assert [e.after["until"][:16] for e in throttled] == ["2026-05-11T02:15"] * 2
    assert {e.actor_id for e in throttled} == {account.id}
    # Refused tries are not guesses: nothing counted, nobody signed out, no lock written by the form.
    assert events(db, page.failed) == [] and events(db, f"{page.prefix}_locked") == []
    assert is_signed_in(owner)
    clock.advance(minutes=15, seconds=1)
    assert page.send(owner, PASSWORD).status_code in (200, 302)
