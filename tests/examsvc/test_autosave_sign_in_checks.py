"""The autosave checks its signed-in person in its own statement (issue 7, ``session_claim``): a
session that is no longer good must be refused exactly as any other request of it is, and nothing
of the save stored. Each case changes the account as the service stores such a change (a password
changed elsewhere, an account disabled, a temporary password, the cadre role taken away) while the
candidate's exam page is open."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from question_bank.models import AuditEvent, ResponseStep, Role, User, UserRole
from tests.scenarios import save, single_choice_exam, start_through_web


def _exam_page_open(client, make, db, change=None) -> tuple[int, int]:
    """A cadre signed in with their attempt started, then ``change`` made to their account (and
    committed): (the cadre's id, the attempt's id)."""
    exam = single_choice_exam(make, minutes=60)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    if change is not None:
        change(db, exam.cadre.id)
        db.commit()
    return exam.cadre.id, attempt_id


def _steps(db, attempt_id: int) -> int:
    return db.scalar(select(func.count()).select_from(ResponseStep).where(ResponseStep.attempt_id == attempt_id))


def _signed_out_everywhere(db, user_id: int) -> None:
    db.execute(update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


def _disabled(db, user_id: int) -> None:
    db.execute(update(User).where(User.id == user_id).values(is_active=False))


def _temporary_password(db, user_id: int) -> None:
    db.execute(update(User).where(User.id == user_id).values(must_change_password=True))


def _no_longer_a_cadre(db, user_id: int) -> None:
    db.execute(delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == str(Role.CADRE)))


@pytest.mark.parametrize("change, status, error", [
    (_signed_out_everywhere, 401, "unauthenticated"),
    (_disabled, 401, "unauthenticated"),
    (_temporary_password, 403, "password_change_required"),
    (_no_longer_a_cadre, 403, "forbidden"),
], ids=["signed_out_everywhere", "disabled", "temporary_password", "no_longer_a_cadre"])
def test_a_session_no_longer_good_has_its_autosave_refused_as_any_request_and_nothing_stored(
        client, make, db, clock, change, status, error):
    cadre_id, attempt_id = _exam_page_open(client, make, db)
    assert save(client, attempt_id, 1, "A", 1).status_code == 200
    change(db, cadre_id)
    db.commit()
    clock.advance(minutes=2)  # long enough for a good session's last use to be recorded anew

    refused = save(client, attempt_id, 2, "B", 2)
    polled = client.get(f"/api/attempts/{attempt_id}/state", headers={"Accept": "application/json"})

    assert (refused.status_code, refused.get_json()["error"]) == (status, error)
    # A signed-out session's cookie is not sent back renewed (an outside trial: it came back
    # re-signed, its last use moved on); a session still signed in but refused the save (403) has
    # its use noted, as any request of it would.
    assert ("Set-Cookie" in refused.headers) == (status == 403)
    assert (polled.status_code, polled.get_json()["error"]) == (status, error)  # as any request of the session
    db.expire_all()
    assert _steps(db, attempt_id) == 1


def test_a_refused_role_is_audited_from_the_autosave_as_from_any_request(client, make, db):
    cadre_id, attempt_id = _exam_page_open(client, make, db, _no_longer_a_cadre)
    assert save(client, attempt_id, 1, "A", 1).status_code == 403
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.action == "auth.refused",
                                                   AuditEvent.actor_id == cadre_id)).all()
    assert [event.after["endpoint"] for event in refusals] == ["api.save_response"]


def test_a_malformed_save_from_a_signed_out_session_is_refused_for_the_session_first(client, make, db):
    # The sign-in checks come before the body's own errors, as for every request.
    _, attempt_id = _exam_page_open(client, make, db, _signed_out_everywhere)
    reply = client.post(f"/api/attempts/{attempt_id}/responses", data="not json",
                        headers={"X-CSRFToken": client.csrf or "", "Accept": "application/json",
                                 "Content-Type": "application/json"})
    assert reply.status_code == 401


def test_the_account_restored_saves_again(client, make, db):
    # A disabled account enabled again with the same session epoch: the same session may save.
    cadre_id, attempt_id = _exam_page_open(client, make, db, _disabled)
    assert save(client, attempt_id, 1, "A", 1).status_code == 401
    db.execute(update(User).where(User.id == cadre_id).values(is_active=True))
    db.commit()
    assert save(client, attempt_id, 1, "A", 2).status_code == 200
    db.expire_all()
    assert _steps(db, attempt_id) == 1
