"""Scores checked against the score ledger before anyone is shown them (issue 6, "the score record").

An attempt row's score, band and pass can be changed in the database without the ledger
(``UPDATE attempt SET score = max_score``). So every page, report and export takes an attempt's
result through :func:`checked_scores`: the result counts only when it equals the attempt's newest
ledger entry and that entry's own hash still holds; otherwise the surface shows that the score does
not match the record, and never the figure.

:func:`reconcile` is the full check, for ``flask verify-ledger``: every attempt against its newest
entry, and the digests of its responses and marks recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from question_bank.db import in_ids
from question_bank.models import CLOSED_STATES, Attempt, ScoreRecord
from question_bank.services import ledger, marking_evidence


class ScoreState(StrEnum):
    #: The attempt's score, band and pass are its newest ledger entry's.
    RECORDED = "recorded"
    #: No score yet and no entry: in progress, or closed and waiting for a person's marking; or
    #: no score since a proctor re-opened the attempt after its newest entry (answering again, or
    #: awaiting marking again).
    UNMARKED = "unmarked"
    #: The attempt differs from its newest entry, that entry's hash is broken, or an open attempt has one.
    MISMATCH = "mismatch"
    #: A score with no ledger entry at all.
    UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class CheckedScore:
    """An attempt's result as surfaces may show it. ``score`` (points), ``band`` and ``passed``
    are set only when ``state`` is RECORDED; ``recorded`` is the newest ledger entry (None when
    there is none; always set for MISMATCH, the entry disagreed with), for saying what the record
    holds."""

    state: ScoreState
    score: Decimal | None = None
    max_score: Decimal | None = None
    band: str | None = None
    passed: bool | None = None
    recorded: ScoreRecord | None = None
    #: Some ledger entry of the attempt changed a marked score (a regrade or a four-eyes change),
    #: even when a later entry (a hand-in after a re-opening) is the newest (issue 6, finding 4d).
    corrected: bool = False

    @property
    def trusted(self) -> bool:
        return self.state == ScoreState.RECORDED

    @property
    def suspect(self) -> bool:
        """A score exists but cannot be trusted: shown as "does not match the score record"."""
        return self.state in (ScoreState.MISMATCH, ScoreState.UNRECORDED)


def check(attempt: Attempt, newest: ScoreRecord | None) -> CheckedScore:
    """The attempt's result checked against its newest ledger entry (pure: no database)."""
    if newest is None:
        if attempt.score is None:
            return CheckedScore(ScoreState.UNMARKED)
        return CheckedScore(ScoreState.UNRECORDED)
    if attempt.score is None and attempt.band is None and attempt.passed is None and _reopened_since(attempt, newest):
        # A proctor re-opened it after that entry: answering again, or handed in and awaiting
        # marking (``remarking``); its next entry records the new score.
        return CheckedScore(ScoreState.UNMARKED)
    agrees = (
        attempt.state in CLOSED_STATES
        and ledger.entry_intact(newest)
        and (attempt.score, attempt.max_score, attempt.band, attempt.passed)
        == (newest.score, newest.max_score, newest.band, newest.passed)
    )
    if not agrees:
        return CheckedScore(ScoreState.MISMATCH, recorded=newest)
    return CheckedScore(ScoreState.RECORDED, newest.score, newest.max_score, newest.band, newest.passed, newest)


def _reopened_since(attempt: Attempt, entry: ScoreRecord) -> bool:
    """Whether the attempt was re-opened (``proctoring.reopen_attempt``, audited) after ``entry``.
    Reads ``attempt.reopenings`` only for an attempt without a score."""
    return any(r.reopened_at >= entry.recorded_at for r in attempt.reopenings)


def newest_entries(session: Session, attempt_ids: Iterable[int]) -> dict[int, ScoreRecord]:
    """Attempt id → its newest ledger entry (attempts without one are absent), in one query."""
    return _newest_and_corrected(session, attempt_ids)[0]


def checked_scores(session: Session, attempts: Iterable[Attempt]) -> dict[int, CheckedScore]:
    """Attempt id → its checked result, for any number of attempts in one query."""
    attempts = list(attempts)
    entries, corrected = _newest_and_corrected(session, (a.id for a in attempts))
    found = {}
    for attempt in attempts:
        result = check(attempt, entries.get(attempt.id))
        found[attempt.id] = replace(result, corrected=True) if attempt.id in corrected else result
    return found


#: Reasons of the ledger entries that change a marked score (``score_changes``, ``regrade``).
CORRECTION_REASONS = ("score change:", "regrade:")


def _is_correction() -> ColumnElement[bool]:
    """SQL condition: the ``ScoreRecord`` row changed a marked score."""
    return or_(*(ScoreRecord.reason.startswith(r) for r in CORRECTION_REASONS))


def _newest_and_corrected(session: Session, attempt_ids: Iterable[int]) -> tuple[dict[int, ScoreRecord], set[int]]:
    """:func:`newest_entries` of the attempts, and those of them with an entry that changed a
    marked score (a reason of :data:`CORRECTION_REASONS`), in one query: each attempt's entries
    are grouped once for both (a 50,000-row score sheet asked for them in 125 queries, issue 7)."""
    ids = list(set(attempt_ids))
    if not ids:
        return {}, set()
    newest = (select(ScoreRecord.attempt_id, func.max(ScoreRecord.id).label("newest_id"),
                     func.max(case((_is_correction(), 1), else_=0)).label("corrected"))
              .where(in_ids(ScoreRecord.attempt_id, ids)).group_by(ScoreRecord.attempt_id).subquery())
    entries, corrected = {}, set()
    for record, was_corrected in session.execute(
            select(ScoreRecord, newest.c.corrected).join(newest, ScoreRecord.id == newest.c.newest_id)):
        entries[record.attempt_id] = record
        if was_corrected:
            corrected.add(record.attempt_id)
    return entries, corrected


def checked_score(session: Session, attempt: Attempt) -> CheckedScore:
    return checked_scores(session, [attempt])[attempt.id]


@dataclass(frozen=True)
class Discrepancy:
    """An attempt that does not agree with the ledger: ``what`` is "score" (score, band or pass
    differ from the newest entry, or its hash is broken), "unrecorded" (a score and no entry),
    "responses" or "marks" (their digest differs from the newest entry's), or "manual_marks" (a
    marker's round mark disagrees with its audit event: ``marking_evidence``); ``detail`` says
    how, in English (for the command line)."""

    attempt_id: int
    what: str
    detail: str


#: Attempts read per round by :func:`reconcile`.
RECONCILE_BATCH = 500


def _attempts_to_reconcile(session: Session) -> Iterator[list[Attempt]]:
    """Every attempt that is closed or has a ledger entry, in batches, oldest first."""
    with_entry = select(ScoreRecord.attempt_id)
    query = (select(Attempt).where(or_(Attempt.state.in_([str(s) for s in CLOSED_STATES]), Attempt.id.in_(with_entry)))
             .order_by(Attempt.id))
    batch: list[Attempt] = []
    for attempt in session.scalars(query.execution_options(yield_per=RECONCILE_BATCH)):
        batch.append(attempt)
        if len(batch) == RECONCILE_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _score_discrepancy(attempt: Attempt, result: CheckedScore) -> Discrepancy | None:
    if result.state == ScoreState.UNRECORDED:
        return Discrepancy(attempt.id, "unrecorded", f"score {attempt.score} but no ledger entry")
    if result.state == ScoreState.MISMATCH:
        entry = result.recorded
        if not ledger.entry_intact(entry):
            detail = f"its newest ledger entry {entry.id} does not match its own hash"
        else:
            detail = (f"attempt says {attempt.score} / {attempt.max_score}, {attempt.band}, passed={attempt.passed}, "
                      f"state {attempt.state}; ledger entry {entry.id} says {entry.score} / {entry.max_score}, "
                      f"{entry.band}, passed={entry.passed}")
        return Discrepancy(attempt.id, "score", detail)
    return None


def reconcile(session: Session) -> list[Discrepancy]:
    """Every attempt against the ledger: its score, band and pass against its newest entry, and
    the digests of its responses and marks (where the entry has them) recomputed from the rows,
    and its markers' round marks against the audit log (attempts awaiting marking included).
    Reads in batches of :data:`RECONCILE_BATCH` attempts (the session holds loaded rows weakly, so
    memory stays bounded); returns the discrepancies, oldest attempt first."""
    found: list[Discrepancy] = []
    for batch in _attempts_to_reconcile(session):
        results = checked_scores(session, batch)
        items, steps, marks = ledger.attempt_records(session, [a.id for a in batch])
        for attempt in batch:
            result = results[attempt.id]
            problem = _score_discrepancy(attempt, result)
            if problem is not None:
                found.append(problem)
            entry = result.recorded
            if entry is None or not ledger.entry_intact(entry):
                continue
            if entry.responses_digest is not None and \
                    entry.responses_digest != ledger.responses_digest(attempt, items[attempt.id], steps[attempt.id]):
                found.append(Discrepancy(attempt.id, "responses", f"the attempt, its paper or its responses differ "
                                         f"from what ledger entry {entry.id} recorded"))
            if entry.marks_digest is not None and entry.marks_digest != ledger.marks_digest(marks[attempt.id]):
                found.append(Discrepancy(attempt.id, "marks", f"its marks differ from what ledger entry {entry.id} recorded"))
        found.extend(Discrepancy(m.attempt_id, "manual_marks", f"question {m.slot}: {m.detail}")
                     for m in marking_evidence.check(session, [a.id for a in batch]))
    return sorted(found, key=lambda d: d.attempt_id)
