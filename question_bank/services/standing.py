"""Where a roster entry stands at a sitting: which attempt counts, and whether the candidate has
handed in, was closed at the deadline, is still sitting, has not started, or was absent
(domain.md §6, §8; cases C-04, C-06). Pure rules over loaded attempts, shared by the HR score
sheet and the exam admin's monitoring view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum

from question_bank.models import CLOSED_STATES, VOID_BAND, Attempt, AttemptState, Sitting


class CandidateStatus(StrEnum):
    """Where a roster entry stands: by the counted attempt, else an attempt in progress, else absent."""

    SUBMITTED = "submitted"
    AUTO_SUBMITTED = "auto_submitted"
    IN_PROGRESS = "in_progress"
    #: Not started, and the window is still open (or not yet open).
    NOT_STARTED = "not_started"
    #: Not started, and the window has closed.
    ABSENT = "absent"
    #: Every closed attempt was voided by a proctor (``proctoring.void_attempt``).
    VOIDED = "voided"


#: The statuses of someone who has a closed attempt.
ENDED = frozenset({CandidateStatus.SUBMITTED, CandidateStatus.AUTO_SUBMITTED})


def counted_attempt(attempts: Iterable[Attempt]) -> Attempt | None:
    """The closed attempt that counts: the highest score, the earliest on a tie; None if none is
    closed (a voided attempt never counts). An attempt not yet marked (score None) counts only when no marked one exists."""
    best: Attempt | None = None
    for attempt in sorted(attempts, key=lambda a: (a.started_at, a.attempt_no)):
        if attempt.state not in CLOSED_STATES or attempt.band == VOID_BAND:
            continue
        if best is None or _score_key(attempt) > _score_key(best):
            best = attempt
    return best


def _score_key(attempt: Attempt) -> tuple[bool, Decimal]:
    return (attempt.score is not None, attempt.score if attempt.score is not None else Decimal(0))


def candidate_status(attempts: Sequence[Attempt], sitting: Sitting, now: dt.datetime) -> tuple[CandidateStatus, Attempt | None]:
    """The roster entry's status and the attempt the row is about (None when not started). Someone
    who has not started is absent only once the window has closed."""
    counted = counted_attempt(attempts)
    if counted is not None:
        state = CandidateStatus.AUTO_SUBMITTED if counted.state == AttemptState.AUTO_SUBMITTED else CandidateStatus.SUBMITTED
        return state, counted
    running = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if running is not None:
        return CandidateStatus.IN_PROGRESS, running
    voided = next((a for a in reversed(attempts) if a.band == VOID_BAND), None)
    if voided is not None:
        return CandidateStatus.VOIDED, voided
    return (CandidateStatus.ABSENT if now >= sitting.closes_at else CandidateStatus.NOT_STARTED), None
