"""A candidate's list of sittings: what they are on the roster for and what they can do now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.models import Attempt, RosterEntry, Sitting, User
from question_bank.services.start_terms import StartTerms, start_terms


class SittingPhase(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class CandidateSitting:
    """One roster place: the sitting, the candidate's attempts at it, and what they can do now."""

    sitting: Sitting
    entry: RosterEntry
    attempts: list[Attempt]
    phase: SittingPhase
    #: What starting now would give (the real end time, case C-24); None unless the sitting is open.
    terms: StartTerms | None = None

    @property
    def open_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if a.is_open), None)

    @property
    def can_start(self) -> bool:
        return self.phase == SittingPhase.OPEN and self.open_attempt is None and \
            len(self.attempts) < self.sitting.attempts_allowed and not self.too_late

    @property
    def too_late(self) -> bool:
        """Whether the sitting is open but no longer takes starts (its late-start cut-off)."""
        return self.terms is not None and self.terms.too_late


def phase_of(sitting: Sitting, now: dt.datetime) -> SittingPhase:
    if now < sitting.opens_at:
        return SittingPhase.UPCOMING
    return SittingPhase.OPEN if now < sitting.closes_at else SittingPhase.CLOSED


def candidate_sittings(session: Session, candidate: User, now: dt.datetime) -> list[CandidateSitting]:
    """Every sitting the candidate is on the roster of, open ones first, then upcoming, then past."""
    entries = session.scalars(
        select(RosterEntry).join(Sitting).where(RosterEntry.user_id == candidate.id).order_by(Sitting.opens_at.desc())
    ).all()
    attempts = session.scalars(
        select(Attempt).where(Attempt.user_id == candidate.id).order_by(Attempt.attempt_no)
    ).all()
    by_sitting: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_sitting.setdefault(attempt.sitting_id, []).append(attempt)
    rows = []
    for e in entries:
        phase = phase_of(e.sitting, now)
        terms = start_terms(e.sitting, e.extra_time_s, now) if phase == SittingPhase.OPEN else None
        rows.append(CandidateSitting(e.sitting, e, by_sitting.get(e.sitting_id, []), phase, terms))
    order = {SittingPhase.OPEN: 0, SittingPhase.UPCOMING: 1, SittingPhase.CLOSED: 2}
    return sorted(rows, key=lambda r: order[r.phase])
