"""Rules every signed-in request passes (SEC-C3), besides the revocation Flask-Login's user loader
applies (the session's epoch must match the account's):

- an idle timeout (``SESSION_IDLE_MINUTES``) and an absolute lifetime from sign-in
  (``SESSION_ABSOLUTE_HOURS``), neither of which ends a session while its person has an attempt in
  progress: the exam page keeps working until the attempt's deadline plus grace, and the attempt
  itself is never touched (after a sign-out it is resumed);
- a person who must replace a temporary password reaches only the change-password page and
  sign-out until they have.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from examsvc import database
from examsvc.auth import session_claim
from examsvc.extensions import clock, wants_json
from question_bank.models import Attempt, AttemptState, User
from question_bank.services.deadlines import grace_ends

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
#: How stale the recorded last use may get before a request records it again (seconds), at most:
#: writing it on every request re-signs and re-sends the session cookie on every autosave (about a
#: tenth of a save's CPU, issue 7). Never more than a quarter of the idle limit (:func:`seen_step_s`),
#: so an idle session may end up to that much early, never late, and steady use never ends one.
SEEN_STEP_S = 60


def seen_step_s() -> int:
    """:data:`SEEN_STEP_S`, or a quarter of the configured idle limit when that is less (an outside
    trial: with a one-minute limit, a session used every 15 s was signed out after a minute)."""
    return min(SEEN_STEP_S, current_app.config["SESSION_IDLE_MINUTES"] * 60 // 4)


#: Pages a person with a temporary password may still reach.
OPEN_WHILE_CHANGING = {"auth.change_password", "auth.reset_with_link", "auth.logout", "auth.set_language", "static"}


def start(now: dt.datetime) -> None:
    """Mark a fresh sign-in in the session."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(now.timestamp())


def attempt_running_until(user: User, now: dt.datetime) -> dt.datetime | None:
    """The latest deadline plus grace of the person's attempts in progress, if any is still open."""
    attempts = database.session().scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.state == AttemptState.IN_PROGRESS)
    )
    ends = [grace_ends(a) for a in attempts]
    latest = max(ends, default=None)
    return latest if latest is not None and latest >= now else None


def over_limits(now: dt.datetime) -> bool | None:
    """Whether the session, by its own timestamps, is past the idle or the absolute limit; None
    when it lacks them (a session from before these rules, or not made by sign-in)."""
    config = current_app.config
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return None
    stamp = now.timestamp()
    return (stamp - seen > config["SESSION_IDLE_MINUTES"] * 60
            or stamp - signed_in > config["SESSION_ABSOLUTE_HOURS"] * 3600)


def _expired(user: User, now: dt.datetime) -> bool:
    over = over_limits(now)
    if over is None:
        return True
    return over and attempt_running_until(user, now) is None


def note_use(now: dt.datetime) -> None:
    """Record ``now`` as the session's last use when the one recorded is :func:`seen_step_s` old."""
    stamp = int(now.timestamp())
    if stamp - session[SEEN_AT] >= seen_step_s() or stamp < session[SEEN_AT]:
        session[SEEN_AT] = stamp


def _check():
    now = clock().now()
    if session_claim.deferred() is not None:
        # The view checks the person in its own statement (within the limits by the cookie, as
        # deferred() found): it notes the use once that statement vouched (session_claim.vouched),
        # and runs these rules itself whenever it does not.
        return None
    if not current_user.is_authenticated:
        return None
    if _expired(current_user, now):
        logout_user()
        session.pop(SIGNED_IN_AT, None)
        session.pop(SEEN_AT, None)
        return current_app.login_manager.unauthorized()
    note_use(now)
    if current_user.must_change_password and request.endpoint not in OPEN_WHILE_CHANGING:
        if wants_json():
            return {"error": "password_change_required", "message": _("Choose a new password first.")}, 403
        flash(_("Choose a new password before you go on."), "info")
        return redirect(url_for("auth.change_password"))
    return None


def register(app: Flask) -> None:
    app.before_request(_check)


def fresh_session() -> None:
    """Forget everything in the session but the language the person chose."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
