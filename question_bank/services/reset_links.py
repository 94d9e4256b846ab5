"""One-time password-reset links (issue 10; SEC-T7 (c)).

A sysadmin makes a link for an account in their subtree (:func:`issue`); the link is shown once and
handed to the person, who opens it and chooses a new password (:func:`use`). The token is 32 random
bytes (``secrets.token_urlsafe``); only its SHA-256 is stored, so the database cannot give working
links away. A link:

- works once: its use is a conditional ``UPDATE … WHERE used_at IS NULL`` whose row count decides,
  so two requests racing on two workers cannot both set a password;
- expires :data:`LINK_LIFETIME` after it was made;
- is void once a newer link is made for the same account, or another link of it is used;
- is void once the reasons to trust it are gone (F10-06): the account is disabled (enabling it again
  does not bring the link back), an administrator resets its password, or its owner changes the
  password (``accounts.void_reset_links``, called by each of those);
- does nothing for a disabled account.

Any unusable link (unknown, used, expired, replaced, voided, disabled account) is refused with the
same message, which names every reason a link stops working (:data:`UNUSABLE`), so a refusal tells
nothing about the account. Using a link sets the password under the
policy (``passwords.password_problems``), clears a forced change, ends every session of the account
(``accounts.revoke_sessions``) and is audited in the person's name; making one is audited in the
administrator's. No token and no password ever reaches the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from question_bank import id_vault
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.models import PasswordResetLink, User
from question_bank.services import accounts, audit, people
from question_bank.services.passwords import password_problems

#: How long a link works after it was made.
LINK_LIFETIME = dt.timedelta(hours=24)
#: Random bytes in a token (256 bits).
TOKEN_BYTES = 32
UNUSABLE = N_("This reset link cannot be used. A link works once and for %(hours)d hours, and stops working "
              "when a newer link is made, when the account's password is changed or reset, or when the account "
              "is disabled. Ask your administrator for a new one.")


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: ``token`` goes into the URL shown once; ``expires_at`` is UTC."""

    token: str
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    """Hex SHA-256 of a token as it appears in the link."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, clock: Clock, actor: User, user: User) -> IssuedLink:
    """Make a reset link for ``user``, voiding any earlier unused one. The account's password and
    sessions are untouched until the link is used. Raises :class:`PermissionDenied` unless
    ``actor`` may manage ``user`` (``accounts.may_manage``)."""
    if not accounts.may_manage(actor, user):
        raise PermissionDenied()
    now = clock.now()
    accounts.void_reset_links(session, user, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PasswordResetLink(user_id=user.id, token_hash=token_hash(token), created_by_id=actor.id,
                             created_at=now, expires_at=now + LINK_LIFETIME)
    session.add(link)
    session.flush()
    audit.record(session, clock, actor, "user.password_reset_link", "user", user.id,
                 after={"link": link.id, "expires_at": link.expires_at.isoformat()})
    return IssuedLink(token, link.expires_at)


def _unusable() -> InvalidInput:
    return InvalidInput([Problem(UNUSABLE, {"hours": int(LINK_LIFETIME.total_seconds() // 3600)}, place="link")])


def usable(session: Session, clock: Clock, token: str) -> User:
    """The account a link would reset. Raises :class:`InvalidInput` (place ``link``, the same
    message for every kind of unusable link)."""
    return _find(session, clock, token)[1]


def _find(session: Session, clock: Clock, token: str) -> tuple[PasswordResetLink, User]:
    link = session.scalar(select(PasswordResetLink).where(PasswordResetLink.token_hash == token_hash(token)))
    user = session.get(User, link.user_id) if link is not None else None
    if (link is None or user is None or link.used_at is not None or link.revoked_at is not None
            or clock.now() >= link.expires_at or not user.is_active):
        raise _unusable()
    return link, user


def use(session: Session, clock: Clock, token: str, new_password: str) -> User:
    """Set ``new_password`` for the link's account, once. Raises :class:`InvalidInput`: the link
    is unusable (place ``link``), or the password breaks the policy (place ``new``; the link stays
    usable so the person can try another)."""
    link, user = _find(session, clock, token)
    problems = password_problems(new_password, user.username, place="new", id_number=id_vault.reveal_if_readable(user),
                                 display_name=user.display_name)
    if problems:
        raise InvalidInput(problems)
    now = clock.now()
    taken = session.execute(update(PasswordResetLink)
                            .where(PasswordResetLink.id == link.id, PasswordResetLink.used_at.is_(None),
                                   PasswordResetLink.revoked_at.is_(None))
                            .values(used_at=now)
                            .execution_options(synchronize_session=False)).rowcount
    if taken != 1:  # another request used it a moment ago
        raise _unusable()
    accounts.void_reset_links(session, user, now, keep=link.id)
    user.password_hash = people.hash_password(new_password)
    user.must_change_password = False
    accounts.revoke_sessions(user)
    session.flush()
    audit.record(session, clock, user, "user.password_reset_by_link", "user", user.id,
                 after={"link": link.id, "sessions_ended": True})
    return user
