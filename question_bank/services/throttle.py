"""Sign-in throttling (SEC-T7): failed sign-ins are counted per account and per client address in
storage every worker and host shares, and once a key has had its allowance within the window,
further sign-ins on it are refused, the right password included, until the oldest counted failure
leaves the window. Each try is counted as a failure before its password is checked, and taken
back when it is refused or right (:meth:`Throttle.begin`), so that the allowance holds however many
tries arrive at once.

Two stores with one interface (:class:`FailureStore`): :class:`RedisFailureStore` (production:
one sorted set per key, scored by time) and :class:`DatabaseFailureStore` (the demo and the tests:
rows of ``sign_in_failure``). Flask-Limiter's storage (the ``limits`` package) has no SQL backend
and counts requests rather than failures, so both stores are this module's small sliding log.

Keys: ``account:<id>`` for an existing account (its username and its ID number count together),
``name:<folded name>`` for a name no account has, so that refusals look the same either way
(``id:<keyed hash>`` when that name is laid out like an ID number: never a number in clear), and
``address:<ip>``. The address allowance is larger: a government office signs in from behind one NAT.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
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
    def reserve(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> object:
        """Count one failure at ``at`` on each key, visible to every worker and host once this
        returns (so that a count taken afterwards includes it); failures older than ``keep`` may be
        forgotten. Returns a handle for :meth:`release`."""

    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        """The failures counted on ``key`` at or after ``since``, oldest first."""

    def release(self, handle: object) -> None:
        """Take back the failures one :meth:`reserve` counted."""

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (a successful sign-in of that account)."""


class DatabaseFailureStore:
    """Failures as rows of ``sign_in_failure``. :meth:`reserve` commits through ``commit`` (the
    request's transaction), so that the row is there for every other worker's count; the rest is
    left in the caller's transaction (the caller commits)."""

    def __init__(self, session: Session, commit: Callable[[], None] | None = None) -> None:
        self.session = session
        self.commit = commit or session.commit

    def reserve(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> list[int]:
        self.session.execute(delete(SignInFailure).where(SignInFailure.occurred_at < at - keep))
        rows = [SignInFailure(key=key, occurred_at=at) for key in keys]
        self.session.add_all(rows)
        self.session.flush()
        ids = [row.id for row in rows]
        self.commit()
        return ids

    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        return list(self.session.scalars(
            select(SignInFailure.occurred_at).where(SignInFailure.key == key, SignInFailure.occurred_at >= since)
            .order_by(SignInFailure.occurred_at)
        ))

    def release(self, handle: object) -> None:
        self.session.execute(delete(SignInFailure).where(SignInFailure.id.in_(handle)))  # type: ignore[arg-type]

    def clear(self, key: str) -> None:
        self.session.execute(delete(SignInFailure).where(SignInFailure.key == key))


class RedisFailureStore:
    """Failures in Redis: one sorted set per key (member unique, score the time in epoch seconds),
    expiring with the window so that nothing stays behind. Redis runs commands one at a time, so a
    failure :meth:`reserve` added is in every count read after it."""

    PREFIX = "examsvc:sign-in-failures:"

    def __init__(self, client) -> None:  # a redis.Redis
        self.client = client

    def reserve(self, keys: Sequence[str], at: dt.datetime, keep: dt.timedelta) -> tuple[str, list[str]]:
        member = uuid.uuid4().hex
        names = [self.PREFIX + key for key in keys]
        pipe = self.client.pipeline(transaction=True)
        for name in names:
            pipe.zadd(name, {member: at.timestamp()})
            pipe.zremrangebyscore(name, "-inf", (at - keep).timestamp())
            pipe.expire(name, int(keep.total_seconds()) + 60)
        pipe.execute()
        return member, names

    def recent(self, key: str, since: dt.datetime) -> list[dt.datetime]:
        scores = self.client.zrangebyscore(self.PREFIX + key, since.timestamp(), "+inf", withscores=True)
        return [dt.datetime.fromtimestamp(score, dt.timezone.utc) for _member, score in scores]

    def release(self, handle: object) -> None:
        member, names = handle  # type: ignore[misc]
        pipe = self.client.pipeline(transaction=True)
        for name in names:
            pipe.zrem(name, member)
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
class SignInTry:
    """One sign-in under way, counted already as a failure on its account and address keys (see
    :meth:`Throttle.begin`). ``blocked_until``: when sign-in on these keys is allowed again, or None
    when this one may go on to check its password; then exactly one of :meth:`failed`,
    :meth:`succeeded` or :meth:`withdrawn` settles it."""

    store: FailureStore
    account: str
    handle: object
    blocked_until: dt.datetime | None

    def failed(self) -> None:
        """A wrong password: the failure counted in advance stands."""

    def succeeded(self) -> None:
        """The right password: the account's failures are forgotten, and this one's on the address."""
        self.store.clear(self.account)
        self.store.release(self.handle)

    def withdrawn(self) -> None:
        """Neither: the password was right but something else was missing; nothing is counted."""
        self.store.release(self.handle)


@dataclass
class Throttle:
    """The rule over a store. :meth:`begin` before checking a password counts the try as a failure
    first and only then counts what the store holds, so that tries arriving together on many
    workers cannot all pass a check that none of them has yet counted: the k-th to be counted sees
    at least k, and at most the allowance get through (an issue-10 trial passed 8 of 30 tries at
    once through an allowance of 5 when the count came first). Concurrent tries may all be refused
    where one would have passed: refusing is the safe side."""

    store: FailureStore
    clock: Clock
    account_limit: Limit = ACCOUNT_LIMIT
    address_limit: Limit = ADDRESS_LIMIT

    def _limits(self, account: str, address: str) -> list[tuple[str, Limit]]:
        return [(account, self.account_limit), (address, self.address_limit)]

    def begin(self, account: str, address: str) -> SignInTry:
        """Count this try on both keys, then see whether the failures before it leave room for it.
        A try that is refused is taken back at once (a throttled try does not lengthen the wait)."""
        now = self.clock.now()
        keep = max(self.account_limit.window, self.address_limit.window)
        handle = self.store.reserve([account, address], now, keep)
        until = self._free_at(account, address, now, own_entry=True)
        if until is not None:
            self.store.release(handle)
        return SignInTry(self.store, account, handle, until)

    def blocked_until(self, account: str, address: str) -> dt.datetime | None:
        """When a try on these keys would be allowed again, or None when one may go ahead now; counts
        nothing. Used right after a failure to tell the person that it was the one that locked."""
        return self._free_at(account, address, self.clock.now(), own_entry=False)

    def _free_at(self, account: str, address: str, now: dt.datetime, own_entry: bool) -> dt.datetime | None:
        until = None
        for key, limit in self._limits(account, address):
            before = self.store.recent(key, now - limit.window)
            if own_entry and now in before:
                before.remove(now)  # this try's own entry (another at the same instant counts)
            if len(before) >= limit.failures:
                # Allowed again once enough of these have left the window to go below the limit.
                free_at = before[len(before) - limit.failures] + limit.window
                until = max(until, free_at) if until else free_at
        return until


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
