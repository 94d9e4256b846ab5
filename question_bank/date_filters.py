"""Dates and times typed into filters (records, appraisal and audit pages; the records API): read
and checked against :data:`question_bank.clock.SEARCHABLE_YEARS` here, and nowhere else.

Rules (issue-6 outside tester: years like 0001 or 99999 crashed on one database or returned
nonsense on the other):
- a filter day is ``yyyy-mm-dd``; anything else is refused naming the field;
- a day, or an aware time, in a year outside ``SEARCHABLE_YEARS`` (1900–9998) is refused naming
  the field and the range, before any time is computed from it or reaches a database; a typed
  year Python's dates cannot hold (0000, five or more digits) gets the same refusal;
- a time is judged by its year as written (in its own offset): one inside the range stays inside
  what every database and Python can hold after conversion to UTC or adding a day; an exclusive
  end (``until``, ``opens_before``) by the last moment it lets through, so that the midnight after
  9998-12-31, the end of a search up to that day, is taken.
Refusals are :class:`InvalidInput` with one :class:`Problem` per field, ``place`` being the field's
own name ("first_day", "since", "opens_from"), which the pages and the API name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping

from question_bank.clock import SEARCHABLE_YEARS
from question_bank.errors import N_, InvalidInput, Problem

#: A day written with a year Python's dates cannot hold (0000, five or more digits, a sign): out of
#: range, not garbage.
_UNHELD_YEAR_DAY = re.compile(r"([+-]\d+|\d{5,}|0000)-\d{1,2}-\d{1,2}")
#: Longest typed value repeated in a message.
_SHOWN = 40


def out_of_range(place: str, value: object) -> Problem:
    """The refusal of ``value`` (as typed, or a date or time) at the field ``place``."""
    return Problem(N_("%(value)s is outside the years that can be searched (%(first)d to %(last)d)"),
                   {"value": str(value)[:_SHOWN], "first": SEARCHABLE_YEARS[0], "last": SEARCHABLE_YEARS[-1]}, place)


def year_problem(place: str, year: int) -> Problem | None:
    """The refusal of a calendar ``year`` at ``place``; None when it can be searched."""
    return None if year in SEARCHABLE_YEARS else out_of_range(place, year)


#: What an exclusive end lets through last: the moment just before it.
_JUST_BEFORE = dt.timedelta(microseconds=1)


def problems(values: Mapping[str, dt.date | dt.datetime | None], *, exclusive: Collection[str] = ()
             ) -> list[Problem]:
    """One problem per field of ``values`` (field name → a date, an aware time, or None for not
    given) whose year cannot be searched, in the order given; the fields named in ``exclusive``
    are exclusive ends, judged by the moment just before them."""
    found = []
    for place, value in values.items():
        if value is None:
            continue
        judged = value - _JUST_BEFORE if place in exclusive and isinstance(value, dt.datetime) else value
        if judged.year not in SEARCHABLE_YEARS:
            found.append(out_of_range(place, value))
    return found


def check(values: Mapping[str, dt.date | dt.datetime | None], *, exclusive: Collection[str] = ()) -> None:
    """Raise :class:`InvalidInput` with :func:`problems` of ``values``, if any."""
    if found := problems(values, exclusive=exclusive):
        raise InvalidInput(found)


def parse_day(place: str, text: str | None) -> dt.date | None:
    """The ``yyyy-mm-dd`` day typed at the field ``place`` (spaces around ignored); None when
    empty. Raises :class:`InvalidInput` naming ``place`` for text that is not a day
    ("2026-13-01", "garbage") or a day outside ``SEARCHABLE_YEARS`` ("0001-01-01", "99999-01-01")."""
    typed = (text or "").strip()
    if not typed:
        return None
    if _UNHELD_YEAR_DAY.fullmatch(typed):
        raise InvalidInput([out_of_range(place, typed)])
    try:
        day = dt.date.fromisoformat(typed)
    except ValueError:
        raise InvalidInput([Problem(N_("%(value)s is not a date; use the form 2026-03-31"),
                                    {"value": typed[:_SHOWN]}, place)]) from None
    check({place: day})
    return day
