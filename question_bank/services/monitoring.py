"""The exam admin's monitoring view of a sitting's roster (监考): each candidate's status,
answered questions, last save, remaining time and times they left the exam page, as the server
knows them (domain.md §6).

Read-only but for one thing: attempts of the sitting past deadline + grace are closed on the way,
at their deadline (domain.md §6: on the next request that touches them), so the caller commits.
Scores come checked against the score ledger (``score_check``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from question_bank.clock import Clock
from question_bank.models import Attempt, AttemptItem, OrgUnit, QuestionVersion, ResponseStep, RosterEntry, Sitting, User
from question_bank.services import deadlines, focus, score_check
from question_bank.services.focus import FocusSummary
from question_bank.services.score_check import CheckedScore
from question_bank.services.standing import CandidateStatus, candidate_status
from question_bank.types import get_type


@dataclass(frozen=True)
class Progress:
    """How far an attempt has got, as the server knows it: ``answered`` questions of ``total``,
    ``last_saved_at`` the last save received (None before the first), ``remaining_s`` seconds to
    the deadline (0 once it has passed or the attempt is closed)."""

    answered: int
    total: int
    last_saved_at: dt.datetime | None
    remaining_s: int


@dataclass(frozen=True)
class RosterRow:
    """One roster place as the admin's monitoring table shows it: the entry, the person's attempts
    at the sitting (oldest first), where they stand (the HR score sheet's statuses), the attempt
    that status is about (None when not started), its progress, and its score checked against the
    ledger (None when not started)."""

    entry: RosterEntry
    attempts: list[Attempt]
    status: CandidateStatus
    attempt: Attempt | None
    progress: Progress | None
    result: CheckedScore | None = None
    #: How often and how long the shown attempt's page was left (None: never).
    focus: FocusSummary | None = None

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def removable(self) -> bool:
        return not self.attempts


def roster_rows(session: Session, clock: Clock, sitting: Sitting) -> list[RosterRow]:
    """The sitting's roster for monitoring, ordered by unit and name: each candidate's status,
    answered questions, last save and remaining time.

    The status is the score sheet's (:func:`question_bank.services.standing.candidate_status`:
    not started while the window is open or upcoming, absent once it has closed), except that an
    attempt in progress is shown whenever there is one, since that is what is being watched.
    The sitting's attempts past deadline + grace are closed first, at their deadline (domain.md §6:
    on the next request that touches them), so the caller commits.
    """
    deadlines.sweep(session, clock, sitting_ids=[sitting.id])
    now = clock.now()
    entries = session.scalars(
        select(RosterEntry).join(User, RosterEntry.user_id == User.id).join(OrgUnit, User.org_unit_id == OrgUnit.id)
        .where(RosterEntry.sitting_id == sitting.id).order_by(OrgUnit.path, User.display_name, RosterEntry.id)
        .options(selectinload(RosterEntry.user).joinedload(User.org_unit))
    ).all()
    by_user: dict[int, list[Attempt]] = {}
    for attempt in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id).order_by(Attempt.attempt_no)):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    every_attempt = [a for group in by_user.values() for a in group]
    progress = _progress(session, every_attempt, now)
    results = score_check.checked_scores(session, every_attempt)
    away = focus.focus_summaries(session, every_attempt, now)
    rows = []
    for entry in entries:
        attempts = by_user.get(entry.user_id, [])
        running = next((a for a in attempts if a.is_open), None)
        status, shown = (CandidateStatus.IN_PROGRESS, running) if running else candidate_status(attempts, sitting, now)
        rows.append(RosterRow(entry, attempts, status, shown, progress.get(shown.id) if shown else None,
                              results.get(shown.id) if shown else None, away.get(shown.id) if shown else None))
    return rows


def _progress(session: Session, attempts: list[Attempt], now: dt.datetime) -> dict[int, Progress]:
    """Attempt id → its progress, in four queries whatever the roster's size."""
    ids = [a.id for a in attempts]
    if not ids:
        return {}
    totals = dict(session.execute(select(AttemptItem.attempt_id, func.count(AttemptItem.id))
                                  .where(AttemptItem.attempt_id.in_(ids)).group_by(AttemptItem.attempt_id)).all())
    last_saves = dict(session.execute(select(ResponseStep.attempt_id, func.max(ResponseStep.received_at))
                                      .where(ResponseStep.attempt_id.in_(ids)).group_by(ResponseStep.attempt_id)).all())
    # Each slot's response is its latest step not superseded (marking.current_responses).
    latest = (select(func.max(ResponseStep.id)).where(ResponseStep.attempt_id.in_(ids), ResponseStep.superseded.is_(False))
              .group_by(ResponseStep.attempt_id, ResponseStep.slot))
    answered: dict[int, int] = {}
    for attempt_id, qtype, answer in session.execute(
        select(ResponseStep.attempt_id, QuestionVersion.qtype, ResponseStep.answer)
        .join(AttemptItem, (AttemptItem.attempt_id == ResponseStep.attempt_id) & (AttemptItem.slot == ResponseStep.slot))
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(ResponseStep.id.in_(latest))
    ):
        if get_type(qtype).is_answered(answer):
            answered[attempt_id] = answered.get(attempt_id, 0) + 1
    return {
        a.id: Progress(answered.get(a.id, 0), totals.get(a.id, 0), last_saves.get(a.id),
                       max(0, int((a.deadline - now).total_seconds())) if a.is_open else 0)
        for a in attempts
    }
