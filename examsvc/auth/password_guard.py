"""A password asked again inside a session (``/password``, the full-ID score-sheet export), guarded
like a sign-in (F10-01, issue 10).

A wrong one counts as a failed sign-in of the account and of the address in the shared store
(``examsvc.auth.throttling``). Whoever types it holds a session of the account, so here the
account's failures from every address count against the smaller allowance
(``Throttle.in_session``: 5 in 15 minutes by default, sign-in failures included): a stolen session
cannot guess faster here than at ``/login``, whichever addresses it is used from. When such
guesses reach the allowance, every session of the account ends (``accounts.revoke_sessions``), this
one included: whoever guessed is signed out and needs the password to come back, while the owner
signs in again (sign-in itself follows the ordinary rules of ``question_bank.services.throttle``:
a lock is per account and address, so the owner is not locked out by it) and a successful sign-in
clears the count. Audited, each under the form's action prefix ``<prefix>``: ``<prefix>_locked`` at
the lock (with its end and ``sessions_ended``), and ``<prefix>_throttled`` for every try refused
while locked (the right password included). A count reached elsewhere (at ``/login``) refuses the
form but ends no session, so nobody outside can sign the owner out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.wrappers import Response

from examsvc import database
from examsvc.auth.access_log import client_address, record_access
from examsvc.auth.session_rules import fresh_session
from examsvc.auth.throttling import throttle
from examsvc.formatting import local_time
from question_bank.models import User
from question_bank.services import accounts
from question_bank.services.throttle import SignInTry, Throttle, account_key, address_key


@dataclass
class PasswordCheck:
    """One try at ``user``'s password on a form whose audit actions start with ``prefix``. Counted
    as a failure from :func:`begin` on; the caller ends it with :meth:`wrong` or
    :meth:`withdrawn`."""

    user: User
    prefix: str
    gate: Throttle
    keys: tuple[str, str]
    attempt: SignInTry

    def refused(self) -> bool:
        """True when the account or address is locked: the try is refused (not counted), audited
        (``<prefix>_throttled``, with the lock's end) and committed, and the time to try again is
        flashed; the caller answers 429. False otherwise."""
        until = self.attempt.blocked_until
        if until is None:
            return False
        record_access(f"{self.prefix}_throttled", self.user, self.user, until=until.isoformat())
        database.commit()
        flash(_("Too many wrong passwords for this account. Actions that ask for the password are locked until "
                "%(time)s; signing in again from your own device lifts the lock.", time=local_time(until)), "error")
        return True

    def wrong(self) -> Response | None:
        """The password was wrong: the failure stands. Below the allowance, None (the caller adds
        its own failure event and commits). At the lock: every session of the account ends, the
        lock is audited (``<prefix>_locked``) and committed with what the caller added, this device
        is signed out and sent to the sign-in page with the time the lock ends, the response
        returned."""
        self.attempt.failed()
        until = self.gate.blocked_until(*self.keys)
        if until is None:
            return None
        accounts.revoke_sessions(self.user)
        record_access(f"{self.prefix}_locked", self.user, self.user, until=until.isoformat(), sessions_ended=True)
        database.commit()
        logout_user()
        fresh_session()
        flash(_("The password was wrong too many times. This account has been signed out everywhere; actions that ask "
                "for the password are locked until %(time)s, or until you sign in again. If that was not you, "
                "change your password after signing in, and tell your administrator.", time=local_time(until)),
              "error")
        return redirect(url_for("auth.login"))

    def withdrawn(self) -> None:
        """The password was right, or never looked at: nothing is counted (a right one does not
        clear the account's sign-in failures either: only a real sign-in does)."""
        self.attempt.withdrawn()


def begin(user: User, prefix: str) -> PasswordCheck:
    """Start a try at ``user``'s own password on a form audited under ``prefix`` (e.g.
    ``auth.password_change``), keyed like a sign-in of the account from this address."""
    keys = account_key(user, user.username), address_key(client_address())
    gate = throttle().in_session()
    return PasswordCheck(user, prefix, gate, keys, gate.begin(*keys))
