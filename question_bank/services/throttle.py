"""Sign-in throttling (SEC-T7, reworked after the issue-10 trial): failed sign-ins are counted in
storage every worker and host shares, so that guessing is slowed, while nobody who does not know the
password can lock a person, or an office, out of a sitting.

Three counts, each a sliding window of failures (defaults; settings ``EXAMSVC_THROTTLE_*``):

- **the account from one address** (``<account>@<address>``, :data:`ACCOUNT_LIMIT`, 5 in 15
  minutes): past it, sign-in of that account *from that address* is refused, the right password
  included. A stranger who knows a cadre's username or ID number locks only their own address out.
- **the account from every address** (``<account>``, :data:`ACCOUNT_WIDE_LIMIT`, 10 in 15
  minutes): the cap that stops guessing spread over many addresses; reaching it takes more than one
  address (each gives at most :data:`ACCOUNT_LIMIT` failures), and an administrator can lift it.
- **the address** (``address:<ip>``, :data:`ADDRESS_LIMIT`, 50 in 15 minutes): never refuses the
  right password of an account in good standing there. Past it, the address is *stepped up*: an
  account that already failed from it within its window (``<account>@<address>``) is refused until
  those failures leave the window or the address's count drops below the allowance, so that from a
  noisy address every account gets one guess per window instead of five. A hall of candidates
  behind one NAT keeps signing in whatever a script among them does; a candidate who mistypes once
  there while it is stepped up asks the invigilating administrator to lift the lock (or waits).
  The choice follows OWASP's advice on credential stuffing: lock-out by address punishes the
  people sharing it, and no count can tell a right guess from a right password; the address count
  slows repeated guesses and shows the address in the audit log.

A lock is lifted by an administrator of the account's unit subtree (:meth:`Throttle.lift`, from the
account page: every count of the account, from every address, forgotten; audited by the caller).

Each try is counted as a failure before its password is checked, and taken back when it is refused
or right (:meth:`Throttle.begin`), so that the allowance holds however many tries arrive at once.

Two stores with one interface (:class:`FailureStore`): :class:`RedisFailureStore` (production:
one sorted set per key, scored by time) and :class:`DatabaseFailureStore` (the demo and the tests:
rows of ``sign_in_failure``). Flask-Limiter's storage (the ``limits`` package) has no SQL backend
and counts requests rather than failures, so both stores are this module's small sliding log.

Account keys: ``account:<id>`` for an existing account (its username and its ID number count
together), ``name:<folded name>`` for a name no account has, so that refusals look the same either
way (``id:<keyed hash>`` when that name is laid out like an ID number: never a number in clear).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, func, or_, select
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


#: Defaults (settings EXAMSVC_THROTTLE_ACCOUNT, _ACCOUNT_WIDE and _ADDRESS, "failures/minutes"):
#: one account from one address; one account from every address; one address (a step-up, never a
#: lock of accounts in good standing).
ACCOUNT_LIMIT = Limit(5, dt.timedelta(minutes=15))
ACCOUNT_WIDE_LIMIT = Limit(10, dt.timedelta(minutes=15))
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

    def clear_account(self, account: str) -> int:
        """Forget the failures of ``account`` and of ``account`` from every address (its
        ``<account>@...`` keys); returns how many failures the account-wide key held."""


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

    def clear_account(self, account: str) -> int:
        held = self.session.scalar(select(func.count(SignInFailure.id)).where(SignInFailure.key == account)) or 0
        self.session.execute(delete(SignInFailure).where(
            or_(SignInFailure.key == account, SignInFailure.key.startswith(account + "@", autoescape=True))))
        return held


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

    def clear_account(self, account: str) -> int:
        name = self.PREFIX + account
        held = self.client.zcard(name)
        # Account keys hold no glob characters ("account:12", "name:…" folded to [a-z0-9._@-], "id:<hex>").
        names = [name, *self.client.scan_iter(match=name + "@*", count=1000)]
        self.client.delete(*names)
        return int(held)


def account_key(account: User | None, typed_name: str) -> str:
    """The account's key; when no account has the name, the folded, lower-case name, or for a name
    that reads as an ID number its keyed lookup hash (``id_vault.lookup``), so that no number is
    stored in clear (SEC-P2) and its variants (full width, lower-case x) count together."""
    if account is not None:
        return f"account:{account.id}"
    if idnumbers.looks_like_id_number(typed_name):
        return f"id:{id_vault.lookup(idnumbers.normalise(typed_name))}"
    return f"name:{fold_username(typed_name).lower()[:140]}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def pair_key(account: str, address: str) -> str:
    """The key of one account's failures from one address (``account:12@address:192.0.2.1``)."""
    return f"{account}@{address}"[:200]  # the column's width (a name key is at most 145 characters)


@dataclass
class SignInTry:
    """One sign-in under way, counted already as a failure on its account and address keys (see
    :meth:`Throttle.begin`). ``blocked_until``: when sign-in on these keys is allowed again, or None
    when this one may go on to check its password; then exactly one of :meth:`failed`,
    :meth:`succeeded` or :meth:`withdrawn` settles it."""

    store: FailureStore
    account: str
    address: str
    handle: object
    blocked_until: dt.datetime | None

    def failed(self) -> None:
        """A wrong password: the failure counted in advance stands."""

    def succeeded(self) -> None:
        """The right password: the account's failures (from every address, and from this one) are
        forgotten, and this try's on the address."""
        self.store.clear(self.account)
        self.store.clear(pair_key(self.account, self.address))
        self.store.release(self.handle)

    def withdrawn(self) -> None:
        """Neither: the password was right but something else was missing; nothing is counted."""
        self.store.release(self.handle)


@dataclass
class Throttle:
    """The rule over a store (see the module's text). :meth:`begin` before checking a password
    counts the try as a failure first and only then counts what the store holds, so that tries
    arriving together on many workers cannot all pass a check that none of them has yet counted:
    the k-th to be counted sees at least k, and at most the allowance get through (an issue-10
    trial passed 8 of 30 tries at once through an allowance of 5 when the count came first).
    Concurrent tries may all be refused where one would have passed: refusing is the safe side."""

    store: FailureStore
    clock: Clock
    account_limit: Limit = ACCOUNT_LIMIT
    address_limit: Limit = ADDRESS_LIMIT
    account_wide_limit: Limit = ACCOUNT_WIDE_LIMIT

    def in_session(self) -> Throttle:
        """The rule for a password asked again inside a session (``examsvc.auth.password_guard``):
        whoever types it holds a session of the account already, so the account's failures from
        every address count against the smaller allowance (:attr:`account_limit`), whichever
        addresses the session is used from."""
        return dataclasses.replace(self, account_wide_limit=self.account_limit)

    def begin(self, account: str, address: str) -> SignInTry:
        """Count this try on the account, the account from this address and the address, then see
        whether the failures before it leave room for it. A try that is refused is taken back at
        once (a throttled try does not lengthen the wait)."""
        now = self.clock.now()
        keep = max(self.account_limit.window, self.address_limit.window, self.account_wide_limit.window)
        handle = self.store.reserve([account, pair_key(account, address), address], now, keep)
        until = self._free_at(account, address, now, own_entry=True)
        if until is not None:
            self.store.release(handle)
        return SignInTry(self.store, account, address, handle, until)

    def blocked_until(self, account: str, address: str) -> dt.datetime | None:
        """When a try on these keys would be allowed again, or None when one may go ahead now; counts
        nothing. Used right after a failure to tell the person that it was the one that locked."""
        return self._free_at(account, address, self.clock.now(), own_entry=False)

    def recent_failures(self, account: str) -> list[dt.datetime]:
        """The account's failures (from every address) within its account-wide window, oldest first."""
        return self.store.recent(account, self.clock.now() - self.account_wide_limit.window)

    def lift(self, account: str) -> int:
        """Forget every failure of ``account``, from every address (an administrator's unlock);
        returns how many the account-wide count held. The address counts stay: they concern
        everyone behind that address, and refuse nobody in good standing."""
        return self.store.clear_account(account)

    def _recent(self, key: str, limit: Limit, now: dt.datetime, own_entry: bool) -> list[dt.datetime]:
        before = self.store.recent(key, now - limit.window)
        if own_entry and now in before:
            before.remove(now)  # this try's own entry (another at the same instant counts)
        return before

    @staticmethod
    def _full_until(before: list[dt.datetime], limit: Limit) -> dt.datetime | None:
        """When enough of ``before`` have left the window to go below ``limit``, or None if below now."""
        if len(before) < limit.failures:
            return None
        return before[len(before) - limit.failures] + limit.window

    def _free_at(self, account: str, address: str, now: dt.datetime, own_entry: bool) -> dt.datetime | None:
        pair = self._recent(pair_key(account, address), self.account_limit, now, own_entry)
        waits = [self._full_until(pair, self.account_limit),
                 self._full_until(self._recent(account, self.account_wide_limit, now, own_entry),
                                  self.account_wide_limit)]
        stepped_up = self._full_until(self._recent(address, self.address_limit, now, own_entry), self.address_limit)
        if stepped_up is not None and pair:
            # Not in good standing at a stepped-up address: free when either ends.
            waits.append(min(stepped_up, pair[-1] + self.account_limit.window))
        waits = [wait for wait in waits if wait is not None]
        return max(waits) if waits else None


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
