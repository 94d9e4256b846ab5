"""What a candidate is told before starting a sitting, and whether starting is still allowed
(case C-24: a late start is told how much time it really has).

An attempt started at ``now`` ends at min(now + time limit + extra time, closes_at) (domain.md §6).
When the window's close comes first, the candidate is shown that real end time (date and time,
Beijing), never the bare time limit. A sitting may also refuse starts in its last minutes
(``Sitting.late_start_cutoff_s``), and shows its exam rules (考试须知) and an integrity pledge
(诚信承诺) that must be accepted to start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from question_bank.errors import N_, WindowNotOpen
from question_bank.models import Sitting

#: The exam rules shown when a sitting sets none (a message id: the web layer translates it).
STANDARD_RULES = N_(
    "Answer on your own, without help from anyone and without notes, books or other devices.\n"
    "Every answer is saved as you give it; a lost connection or a reload keeps what you saved.\n"
    "The server's clock decides: the attempt ends at the end time shown, and whatever you have "
    "saved by then is handed in automatically.\n"
    "Do not copy, photograph or pass on the questions.\n"
    "Leaving the exam page is recorded for the proctor."
)
#: The integrity pledge shown when a sitting sets none (a message id).
STANDARD_PLEDGE = N_(
    "I will take this exam myself, honestly and on my own, keep to the exam rules, and not pass on "
    "its questions. I accept that a breach may void my attempt."
)


@dataclass(frozen=True)
class StartTerms:
    """What starting now would give: ``ends_at`` (aware UTC) is the deadline of an attempt started
    at ``now``; ``allowed_s`` the time limit plus extra time in seconds; ``available_s`` the seconds
    from ``now`` to ``ends_at``; ``cut_short`` is True when the window's close comes before the time
    limit would (the candidate gets less than ``allowed_s``). ``last_start`` is the last moment a
    start is accepted (the close, or the close minus the sitting's late-start cut-off)."""

    now: dt.datetime
    ends_at: dt.datetime
    allowed_s: int
    available_s: int
    cut_short: bool
    last_start: dt.datetime

    @property
    def too_late(self) -> bool:
        """Whether starting is refused now because the late-start cut-off has been reached."""
        return self.now >= self.last_start


def last_start(sitting: Sitting) -> dt.datetime:
    """The moment from which nobody may start the sitting: its close minus its late-start cut-off."""
    return sitting.closes_at - dt.timedelta(seconds=sitting.late_start_cutoff_s)


def deadline_for(sitting: Sitting, extra_time_s: int, started_at: dt.datetime) -> dt.datetime:
    """The deadline of an attempt started at ``started_at`` (aware) by a candidate with
    ``extra_time_s`` seconds of extra time: min(started_at + time limit + extra time, closes_at)
    (domain.md §6). The one home of that formula: starting, extra time and a later close use it."""
    return min(started_at + dt.timedelta(seconds=sitting.time_limit_s + extra_time_s), sitting.closes_at)


def start_terms(sitting: Sitting, extra_time_s: int, now: dt.datetime) -> StartTerms:
    """The terms of an attempt started at ``now`` (aware) by a candidate with ``extra_time_s``
    seconds of extra time. Pure: reads only the sitting's settings."""
    allowed = sitting.time_limit_s + extra_time_s
    by_limit = now + dt.timedelta(seconds=allowed)
    ends_at = deadline_for(sitting, extra_time_s, now)
    return StartTerms(now=now, ends_at=ends_at, allowed_s=allowed,
                      available_s=max(0, int((ends_at - now).total_seconds())),
                      cut_short=sitting.closes_at < by_limit, last_start=last_start(sitting))


def refuse_late_start(sitting: Sitting, now: dt.datetime) -> None:
    """Raise :class:`WindowNotOpen` when ``now`` is within the sitting's late-start cut-off (the
    message names the cut-off in minutes and the close). Does nothing for a sitting without one."""
    if sitting.late_start_cutoff_s and now >= last_start(sitting):
        raise WindowNotOpen(N_("Starting is closed in the last %(minutes)d minutes of this sitting; it closes at "
                               "%(closes)s."), minutes=sitting.late_start_cutoff_s // 60, closes=sitting.closes_at)


def rules_of(sitting: Sitting) -> tuple[str, bool]:
    """The exam rules to show, and True when they are the standard ones (a message id to translate)."""
    return (sitting.rules_text, False) if (sitting.rules_text or "").strip() else (STANDARD_RULES, True)


def pledge_of(sitting: Sitting) -> tuple[str, bool]:
    """The integrity pledge to show, and True when it is the standard one (a message id to translate)."""
    return (sitting.pledge_text, False) if (sitting.pledge_text or "").strip() else (STANDARD_PLEDGE, True)
