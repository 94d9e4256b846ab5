"""One active device per attempt (domain.md §6): only the exam page that holds an attempt may
change its answers; another page takes it over only after the candidate confirms.

A page is named by its writer token (one load of the exam page). When a page loads it *claims*
the attempt: it gets it when no page holds it, or when the page holding it is the one it replaces
in the same browser tab (a reload: the page passes the token it had before). Otherwise the
candidate is asked "continue here?", and :func:`take_over` moves the attempt to the new page; the
old page's later saves and submit are refused with :class:`TakenOver` and it says why. Every
opening, question and takeover is logged with the page's address and browser for the proctor
(:class:`DeviceEvent`). The holder is a column of the attempt, changed under its row lock, so
every worker on every host agrees on it.

An attempt no page has claimed (an API client, a batch job) takes changes from any page.

From the deadline on, the holder is fixed: the grace after the deadline is for the changes
already on their way from the page that held the attempt then (its last saves, its time-up
hand-in), never for a page opened late. A claim by any other page (a reload included) and a
takeover are refused with :class:`HandingIn` from the deadline until the attempt closes (issue-9
trial: a page opened a second after the deadline took the attempt over, saved new answers and
made the first page's hand-in refused).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, AttemptClosed, AttemptVoided, HandingIn, InvalidInput, Problem, TakenOver
from question_bank.models import Attempt, AttemptState, DeviceEvent, DeviceEventKind


@dataclass(frozen=True)
class Client:
    """Where a page runs: its address (as the app sees it after trusted proxies) and browser."""

    ip: str
    user_agent: str

    @classmethod
    def of(cls, ip: str | None, user_agent: str | None) -> Client:
        """From a request's values, cut to the columns' sizes (45 and 400 characters); None is ""."""
        return cls((ip or "")[:45], (user_agent or "")[:400])


@dataclass(frozen=True)
class Presence:
    """Whether ``page`` holds the attempt now, and since when the holder has held it."""

    held_here: bool
    since: dt.datetime | None


def claim(session: Session, clock: Clock, attempt: Attempt, page: str, previous: str | None,
          client: Client) -> Presence:
    """A page of the attempt has loaded: give it the attempt if nobody else holds it, or if it
    replaces ``previous``, the page that held it in the same tab. Otherwise log that the candidate
    is being asked. The caller holds the attempt's row lock. Raises :class:`AttemptClosed`, or
    :class:`HandingIn` at or after the deadline for any page but the one holding the attempt
    (which keeps it: its in-flight changes count until deadline + grace)."""
    _require_open(attempt)
    holder = attempt.active_page
    if holder is not None and holder == page:
        return Presence(True, attempt.active_since)
    _refuse_after_deadline(attempt, clock.now())
    if holder is None or (previous is not None and holder == previous):
        _hold(attempt, page, clock.now())
        _log(session, clock, attempt, DeviceEventKind.OPENED, page, client)
        return Presence(True, attempt.active_since)
    _log(session, clock, attempt, DeviceEventKind.ASKED, page, client, other=holder)
    return Presence(False, attempt.active_since)


def take_over(session: Session, clock: Clock, attempt: Attempt, page: str, client: Client) -> Presence:
    """The candidate confirmed "continue here" on ``page``: it holds the attempt from now on and
    the page that held it becomes read-only. Taking over an attempt the page already holds changes
    nothing. The caller holds the attempt's row lock. Raises :class:`AttemptClosed`, or
    :class:`HandingIn` at or after the deadline (the attempt is then the deadline's holder's)."""
    _require_open(attempt)
    if attempt.active_page != page:
        _refuse_after_deadline(attempt, clock.now())
        previous = attempt.active_page
        _hold(attempt, page, clock.now())
        _log(session, clock, attempt, DeviceEventKind.TOOK_OVER, page, client, other=previous)
    return Presence(True, attempt.active_since)


def ensure_holder(attempt: Attempt, page: str | None) -> None:
    """Refuse a change from a page that does not hold the attempt. Raises :class:`InvalidInput`
    (place "page") when a page holds the attempt and the request names no page at all: that is a
    malformed request, not another device's takeover, and saying "taken over" would mislead
    (issue-9 trial). Raises :class:`TakenOver` when another page holds it."""
    if attempt.active_page is None:
        return
    if page is None:
        raise InvalidInput([Problem(N_("the page token is missing: this exam is held by an exam page, so every "
                                       "change must name the page sending it; reload the page"), place="page")])
    if page != attempt.active_page:
        raise TakenOver()


def held_here(attempt: Attempt, page: str | None) -> bool:
    """Whether ``page`` may change the attempt's answers now."""
    return attempt.active_page is None or page == attempt.active_page


def device_log(session: Session, attempt: Attempt) -> list[DeviceEvent]:
    """Every opening, question and takeover of the attempt, oldest first."""
    return list(session.scalars(select(DeviceEvent).where(DeviceEvent.attempt_id == attempt.id)
                                .order_by(DeviceEvent.id)))


def closed_refusal(attempt: Attempt) -> AttemptClosed:
    """The refusal of a change to the closed ``attempt``: :class:`AttemptVoided`, naming who voided
    it, when and why, when a proctor voided it; :class:`AttemptClosed` otherwise."""
    if attempt.state == AttemptState.CLOSED_BY_VOID and attempt.void_record is not None:
        void = attempt.void_record
        return AttemptVoided(attempt_id=attempt.id, by=void.voided_by.display_name, at=void.voided_at,
                             reason=void.reason)
    return AttemptClosed(attempt_id=attempt.id)


def _require_open(attempt: Attempt) -> None:
    if not attempt.is_open:
        raise closed_refusal(attempt)


def _refuse_after_deadline(attempt: Attempt, now: dt.datetime) -> None:
    """No page starts holding the attempt at or after its deadline (see the module's rules)."""
    if now >= attempt.deadline:
        raise HandingIn(attempt_id=attempt.id)


def _hold(attempt: Attempt, page: str, now: dt.datetime) -> None:
    attempt.active_page = page
    attempt.active_since = now


def _log(session: Session, clock: Clock, attempt: Attempt, kind: DeviceEventKind, page: str, client: Client,
         other: str | None = None) -> None:
    """Log one event; for ``other``, the address and browser of that page's latest event."""
    previous = None
    if other is not None:
        previous = session.scalar(select(DeviceEvent).where(
            DeviceEvent.attempt_id == attempt.id, DeviceEvent.page == other).order_by(DeviceEvent.id.desc()).limit(1))
    session.add(DeviceEvent(attempt_id=attempt.id, kind=kind, page=page, ip=client.ip, user_agent=client.user_agent,
                            at=clock.now(), other_page=other, other_ip=previous.ip if previous else None,
                            other_user_agent=previous.user_agent if previous else None))
    session.flush()

