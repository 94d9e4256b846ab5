"""Sign-in throttling (SEC-T7): failed sign-ins are counted per account and per client address in
storage every worker and host shares, and once a key has had its allowance within the window,
further sign-ins on it are refused, the right password included, until the oldest counted failure
leaves the window.

Two stores with one interface (:class:`FailureStore`): :class:`RedisFailureStore` (production:
one sorted set per key, scored by time) and :class:`DatabaseFailureStore` (the demo and the tests:
rows of ``sign_in_failure``). Flask-Limiter's storage (the ``limits`` package) has no SQL backend
and counts requests rather than failures, so both stores are this module's small sliding log.

Keys: ``account:<id>`` for an existing account (its username and its ID number count together),
``name:<folded name>`` for a name no account has, so that refusals look the same either way, and
``address:<ip>``. The address allowance is larger: a government office signs in from behind one NAT.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from question_bank import id_vault, idnumbers
from question_bank.clock import Clock
from question_bank.models import SignInFailure, User
from question_bank.services.people import fold_username


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failed sign-ins within ``window``."""

    failures: int
    window: dt.timedelta


#: Defaults (settings EXAMSVC_THROTTLE_ACCOUNT / _ADDRESS, "failures/minutes").
ACCOUNT_LIMIT = Limit(5, dt.timedelta(minutes=15))
ADDRESS_LIMIT = Limit(50, dt.timedelta(minutes=15))


class FailureStore(Protocol):
    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        """The failures counted on ``key`` at or after ``since``, oldest first."""

    def add(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> None:
        """Count one failure at ``at`` on each key; failures older than ``keep`` may be forgotten."""

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (a successful sign-in of that account)."""


class DatabaseFailureStore:
    """Failures as rows of ``sign_in_failure`` in the caller's transaction (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        return list(self.session.scalars(
            select(SignInFailure.occurred_at).where(SignInFailure.key == key, SignInFailure.occurred_at >= since)
            .order_by(SignInFailure.occurred_at)
        ))

    def add(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> None:
        self.session.execute(delete(SignInFailure).where(SignInFailure.occurred_at < at - keep))
        self.session.add_all(SignInFailure(key=key, occurred_at=at) for key in keys)
        self.session.flush()

    def clear(self, key: str) -> None:
        self.session.execute(delete(SignInFailure).where(SignInFailure.key == key))


class RedisFailureStore:
    """Failures in Redis: one sorted set per key (member unique, score the time in epoch seconds),
    expiring with the window so that nothing stays behind."""

    PREFIX = "examsvc:sign-in-failures:"

    def __init__(self, client) -> None:  # a redis.Redis
        self.client = client

    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        scores = self.client.zrangebyscore(self.PREFIX + key, since.timestamp(), "+inf", withscores=True)
        return [dt.datetime.fromtimestamp(score, dt.timezone.utc) for _member, score in scores]

    def add(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> None:
        pipe = self.client.pipeline(transaction=True)
        for key in keys:
            name = self.PREFIX + key
            pipe.zadd(name, {uuid.uuid4().hex: at.timestamp()})
            pipe.zremrangebyscore(name, "-inf", (at - keep).timestamp())
            pipe.expire(name, int(keep.total_seconds()) + 60)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)


def account_key(account: User | None, typed_name: str) -> str:
    """The account's key; when no account has the name, the folded, lower-case name, or for a name
    that reads as an ID number its keyed lookup hash (``id_vault.lookup``), so that no number is
    stored in clear (SEC-P2) and its variants (full width, lower-case x) count together."""
    if account is not None:
        return f"account:{account.id}"
    if idnumbers.looks_like_id_number(typed_name):
        return f"id:{id_vault.lookup(idnumbers.normalise(typed_name))}"
    return f"name:{fold_username(typed_name).lower()[:150]}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


@dataclass
class Throttle:
    """The rule over a store: :meth:`blocked_until` before checking a password, :meth:`failed`
    after a wrong one, :meth:`succeeded` after a right one."""

    store: FailureStore
    clock: Clock
    account_limit: Limit = ACCOUNT_LIMIT
    address_limit: Limit = ADDRESS_LIMIT

    def _limits(self, account: str, address: str) -> list[tuple[str, Limit]]:
        return [(account, self.account_limit), (address, self.address_limit)]

    def blocked_until(self, account: str, address: str) -> dt.datetime | None:
        """When sign-in on these keys is allowed again, or None when it is allowed now."""
        now = self.clock.now()
        until = None
        for key, limit in self._limits(account, address):
            recent = self.store.recent(key, now - limit.window)
            if len(recent) >= limit.failures:
                # Allowed again once enough of these have left the window to go below the limit.
                free_at = recent[len(recent) - limit.failures] + limit.window
                until = max(until, free_at) if until else free_at
        return until

    def failed(self, account: str, address: str) -> None:
        keep = max(self.account_limit.window, self.address_limit.window)
        self.store.add([account, address], self.clock.now(), keep)

    def succeeded(self, account: str) -> None:
        self.store.clear(account)


def parse_limit(text: str | None, default: Limit) -> Limit:
    """A setting "failures/minutes" (e.g. "5/15") as a :class:`Limit`; empty gives ``default``.
    Raises ValueError naming the expected form."""
    if not text:
        return default
    try:
        failures, minutes = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"expected failures/minutes such as 5/15, got {text!r}") from None
    if failures < 1 or minutes < 1:
        raise ValueError(f"expected positive failures/minutes, got {text!r}")
    return Limit(failures, dt.timedelta(minutes=minutes))
