"""API tokens for the read-only records API: made and revoked by a sysadmin for their own unit's
subtree, shown once, kept as a SHA-256 only, scoped, expiring, and audited on every use and every
refusal (issue 6, "Reports": "scoped tokens created by a sysadmin, revocable, audited").

A token is ``exs_`` followed by 43 URL-safe characters (``secrets.token_urlsafe(32)``: 256 random
bits), so a SHA-256 without salt or stretching is enough to keep it: nobody can guess such a value
from its hash, unlike a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, Problem
from question_bank.models import ApiToken, OrgUnit, Role, User
from question_bank.services import audit, protection


class Scope(StrEnum):
    """What a token may read. Each endpoint of the records API names the one it needs."""

    #: Sittings: title, kind, window, time limit, pass mark, roster size.
    SITTINGS = "sittings:read"
    #: Score records of a sitting's candidates, with each attempt's score ledger history.
    SCORES = "scores:read"
    #: Audit events of the token's unit subtree.
    AUDIT = "audit:read"
    #: Who is on a sitting's roster: name, masked ID number, unit, rank and posts, status.
    ROSTERS = "rosters:read"
    #: The appraisal summary (考核汇总) per cadre and per unit, as HR's page has it.
    APPRAISAL = "appraisal:read"


#: Every scope there is, in the order the token pages list them.
SCOPES = tuple(Scope)
#: What every token starts with, so that a leaked one is recognised (secret scanners, logs).
TOKEN_PREFIX = "exs_"
#: Characters of the token kept in clear to tell tokens apart: the prefix and four more.
SHOWN_CHARS = len(TOKEN_PREFIX) + 4
#: The longest a token may live, in days: a forgotten token dies within a year.
MAX_LIFETIME_DAYS = 366
NAME_LIMIT = 100
#: Audit actions: a token made, revoked, used for an answered request, refused.
CREATED, REVOKED, USED, REFUSED = "api_token.create", "api_token.revoke", "api_token.use", "api_token.refuse"


class Refusal(StrEnum):
    """Why a request to the records API was refused. All but ``SCOPE`` are 401: the request did
    not prove who it came from; ``SCOPE`` is 403: the token is good but may not read this."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SCOPE = "scope"


class TokenRefused(Exception):
    """A request refused for ``reason``; ``token`` is the presented token's row where it was found."""

    def __init__(self, reason: Refusal, token: ApiToken | None = None) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.token = token


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a token as presented: what ``ApiToken.token_hash`` holds."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenSpec:
    """A token to make: ``name`` (1–100 characters), ``scopes`` (scope values), ``org_unit_id``
    (a unit in the maker's subtree, their own included), ``days`` (1–366) from now."""

    name: str
    scopes: tuple[str, ...]
    org_unit_id: int
    days: int

    def problems(self) -> list[Problem]:
        found = []
        if not self.name.strip():
            found.append(Problem(N_("a name is required"), place="name"))
        elif len(self.name.strip()) > NAME_LIMIT:
            found.append(Problem(N_("at most %(limit)d characters"), {"limit": NAME_LIMIT}, place="name"))
        unknown = sorted(set(self.scopes) - set(SCOPES))
        if unknown:
            found.append(Problem(N_("unknown scope %(scope)s"), {"scope": ", ".join(unknown)}, place="scopes"))
        elif not self.scopes:
            found.append(Problem(N_("choose at least one scope"), place="scopes"))
        if not 1 <= self.days <= MAX_LIFETIME_DAYS:
            found.append(Problem(N_("between 1 and %(limit)d days"), {"limit": MAX_LIFETIME_DAYS}, place="days"))
        return found


def _unit_in_scope(session: Session, actor: User, unit_id: int) -> OrgUnit:
    try:
        return protection.unit_in_reach(session, actor, unit_id)
    except NotFound:
        raise InvalidInput([Problem(N_("not a unit you manage"), place="org_unit_id")]) from None


def create_token(session: Session, clock: Clock, actor: User, spec: TokenSpec) -> tuple[ApiToken, str]:
    """Make a token; returns the row and the token itself, which is never obtainable again.

    Audited as ``api_token.create`` (name, prefix, scopes, unit, expiry; never the token). Raises
    :class:`PermissionDenied` (not a sysadmin) or :class:`InvalidInput` naming the field."""
    protection.require_role(actor, Role.SYSADMIN)
    problems = spec.problems()
    if problems:
        raise InvalidInput(problems)
    unit = _unit_in_scope(session, actor, spec.org_unit_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(name=spec.name.strip(), token_hash=token_digest(secret), prefix=secret[:SHOWN_CHARS],
                     scopes=sorted(set(spec.scopes)), org_unit_id=unit.id, created_by_id=actor.id, created_at=now,
                     expires_at=now + dt.timedelta(days=spec.days))
    session.add(token)
    session.flush()
    audit.record(session, clock, actor, CREATED, "api_token", token.id,
                 after={"name": token.name, "prefix": token.prefix, "scopes": token.scopes, "org_unit_id": unit.id,
                        "expires_at": token.expires_at.isoformat()})
    return token, secret


def tokens_in_scope(session: Session, actor: User) -> list[ApiToken]:
    """The tokens of the actor's unit subtree, newest first. Raises :class:`PermissionDenied`."""
    protection.require_role(actor, Role.SYSADMIN)
    return list(session.scalars(
        select(ApiToken).join(OrgUnit, ApiToken.org_unit_id == OrgUnit.id)
        .where(protection.in_subtree(actor.org_unit))
        .order_by(ApiToken.id.desc())))


def revoke_token(session: Session, clock: Clock, actor: User, token_id: int) -> ApiToken:
    """Revoke a token of the actor's subtree at once (every worker reads the row on each request).

    Audited as ``api_token.revoke``. Raises :class:`NotFound` (no such token in the actor's
    subtree), :class:`Conflict` (already revoked) or :class:`PermissionDenied`."""
    token = protection.get_in_scope(session, actor, ApiToken, token_id, Role.SYSADMIN, lock=True)
    if token.revoked_at is not None:
        raise Conflict(N_("This token was already revoked."))
    token.revoked_at, token.revoked_by_id = clock.now(), actor.id
    audit.record(session, clock, actor, REVOKED, "api_token", token.id,
                 before={"revoked_at": None}, after={"revoked_at": token.revoked_at.isoformat(), "prefix": token.prefix})
    return token


def authenticate(session: Session, clock: Clock, presented: str | None, scope: Scope) -> ApiToken:
    """The token row for a request's bearer token, if it may read ``scope`` now.

    ``presented`` is the token after "Bearer " (None when the header is missing). Raises
    :class:`TokenRefused` with the reason; the caller audits it with :func:`record_refusal`."""
    if presented is None:
        raise TokenRefused(Refusal.MISSING)
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > 200:
        raise TokenRefused(Refusal.MALFORMED)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(presented)))
    if token is None:
        raise TokenRefused(Refusal.UNKNOWN)
    now = clock.now()
    if token.revoked_at is not None:
        raise TokenRefused(Refusal.REVOKED, token)
    if now >= token.expires_at:
        raise TokenRefused(Refusal.EXPIRED, token)
    if scope not in token.scopes:
        token.last_used_at = now
        raise TokenRefused(Refusal.SCOPE, token)
    return token


def record_use(session: Session, clock: Clock, token: ApiToken, path: str, query: str, client: dict[str, str]) -> None:
    """Audit an answered request (``api_token.use``: path, query, client) and note the token's last use."""
    token.last_used_at = clock.now()
    audit.record(session, clock, None, USED, "api_token", token.id,
                 after={"prefix": token.prefix, "path": path, "query": query[:500], **client})


def record_refusal(session: Session, clock: Clock, refusal: TokenRefused, path: str, client: dict[str, str]) -> None:
    """Audit a refused request (``api_token.refuse``): the reason, the path and the client; the
    token's id where it was found, never what was presented."""
    token = refusal.token
    audit.record(session, clock, None, REFUSED, "api_token", token.id if token is not None else "",
                 after={"reason": str(refusal.reason), "path": path, "prefix": token.prefix if token else None,
                        **client})
