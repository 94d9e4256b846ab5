"""Clocks. The domain never reads the wall clock itself: every service takes a :class:`Clock`.

The server is the only clock for deadlines (domain.md §6; cases C-01, C-02), and tests pin time with
:class:`FixedClock`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
#: The time zone people in the service read and enter times in (China Standard Time, the app's
#: Babel default): score sheets, audit exports, "today" for an ID number's age, the exposure year.
#: Times are stored in UTC; this is the one home of the zone they are shown in.
BEIJING = ZoneInfo("Asia/Shanghai")
#: The calendar years a date or time filter may name (records, appraisal and audit pages; the
#: records API), checked in one place: ``question_bank.date_filters``. Nothing the service keeps is
#: older than 1900; 9999 is left out because the end of a day in it (the next midnight) or its
#: conversion to UTC can fall past the last day Python's datetime holds, so such a filter crashed
#: on one database and meant nothing on the other (issue-6 outside tester: years 0001, 99999).
SEARCHABLE_YEARS = range(1900, 9999)


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The server's own clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and replaying events.

    ``FixedClock(dt.datetime(2026, 5, 1, 2, 0, tzinfo=UTC))``; ``set()`` and ``advance(seconds=...)``
    move it. Naive datetimes are refused so a test cannot silently mean local time.
    """

    def __init__(self, start: dt.datetime) -> None:
        self.set(start)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``datetime.timedelta(**delta)`` and return the new time."""
        self._now += dt.timedelta(**delta)
        return self._now
