"""Leaving the exam page (the page hidden, or the window lost focus) and coming back, recorded at
the server's time of arrival and shown to the proctor with counts and time away (issue 9). It
never changes a score or an attempt by itself: a proctor decides (``proctoring``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, FocusChange, FocusEvent, User
from question_bank.services import attempts

#: Focus events kept per attempt: a page flickering in a loop cannot fill the table.
MAX_FOCUS_EVENTS = 2000


@dataclass(frozen=True)
class FocusSummary:
    """How often an attempt's page was left (``times``), for how long in all (``away_s``, seconds;
    a last departure without return counts up to ``until``), and when it was last left."""

    times: int
    away_s: int
    last_left_at: dt.datetime | None


#: Largest message number a page may give (a page counts its focus messages from 1).
MAX_FOCUS_NUMBER = 2**31 - 1


def record_focus(session: Session, clock: Clock, candidate: User, attempt_id: int, change: str,
                 page: str | None = None, number: Any = None) -> bool:
    """Record that the candidate's exam page was left or came back (``change`` "left" / "back").

    ``page`` (the page's writer token, checked by :func:`attempts.page_token`) and ``number`` (the
    page's own count of its focus messages, 1, 2, 3…) name the message: the page resends one whose
    reply it did not get, and a message already stored under that name is not stored again (the
    reply is the same). Both or neither must be given; without them every request is one event.
    The time stored is the server's when the message first arrives: a message delayed by the
    network counts later, never earlier (client times are not taken, SEC-T2).
    Returns False when nothing was stored: the attempt is closed, or already holds
    :data:`MAX_FOCUS_EVENTS`. Raises :class:`NotFound` (not the candidate's attempt) or
    :class:`InvalidInput` (another ``change``, a bad page token or number)."""
    try:
        kind = FocusChange(change)
    except ValueError:
        raise InvalidInput([Problem(N_("the focus change must be “left” or “back”"), place="change")]) from None
    page = attempts.page_token(page, required=number is not None)
    if page is not None and (type(number) is not int or not 1 <= number <= MAX_FOCUS_NUMBER):
        raise InvalidInput([Problem(N_("the focus message number must be a whole number from 1"), place="number")])
    # Locked: a retry racing its own first delivery (on another worker) finds one or the other.
    attempt = attempts.lock_attempt(session, attempt_id, candidate)
    if not attempt.is_open:
        return False
    if page is not None and session.scalar(select(FocusEvent.id).where(
            FocusEvent.attempt_id == attempt.id, FocusEvent.page == page, FocusEvent.number == number)) is not None:
        return True
    stored = session.scalar(select(func.count(FocusEvent.id)).where(FocusEvent.attempt_id == attempt.id)) or 0
    if stored >= MAX_FOCUS_EVENTS:
        return False
    session.add(FocusEvent(attempt_id=attempt.id, change=kind, occurred_at=clock.now(), page=page, number=number))
    session.flush()
    return True


def focus_events(session: Session, attempt_id: int) -> list[FocusEvent]:
    """The attempt's focus events, oldest first."""
    return list(session.scalars(select(FocusEvent).where(FocusEvent.attempt_id == attempt_id)
                                .order_by(FocusEvent.occurred_at, FocusEvent.id)))


def summarise(events: list[FocusEvent], until: dt.datetime) -> FocusSummary:
    """Count departures and add up time away from ``events`` (oldest first); a departure not yet
    followed by a return counts up to ``until`` (now, or the attempt's finish)."""
    times = away = 0
    left_at: dt.datetime | None = None
    last_left: dt.datetime | None = None
    for event in events:
        if event.change == FocusChange.LEFT and left_at is None:
            times += 1
            left_at = last_left = event.occurred_at
        elif event.change == FocusChange.BACK and left_at is not None:
            away += int((event.occurred_at - left_at).total_seconds())
            left_at = None
    if left_at is not None and until > left_at:
        away += int((until - left_at).total_seconds())
    return FocusSummary(times, away, last_left)


def focus_summaries(session: Session, attempt_list: list[Attempt], now: dt.datetime) -> dict[int, FocusSummary]:
    """Attempt id → its :class:`FocusSummary` (attempts never left are absent), in one query."""
    ids = [a.id for a in attempt_list]
    if not ids:
        return {}
    grouped: dict[int, list[FocusEvent]] = {}
    for event in session.scalars(select(FocusEvent).where(FocusEvent.attempt_id.in_(ids))
                                 .order_by(FocusEvent.attempt_id, FocusEvent.occurred_at, FocusEvent.id)):
        grouped.setdefault(event.attempt_id, []).append(event)
    ends = {a.id: (now if a.is_open else (a.finished_at or now)) for a in attempt_list}
    return {attempt_id: summarise(events, ends[attempt_id]) for attempt_id, events in grouped.items()}


def is_away(session: Session, attempt_id: int) -> bool:
    """Whether the attempt's last focus event is a departure with no return yet."""
    last = session.scalar(select(FocusEvent.change).where(FocusEvent.attempt_id == attempt_id)
                          .order_by(FocusEvent.occurred_at.desc(), FocusEvent.id.desc()).limit(1))
    return last == FocusChange.LEFT
