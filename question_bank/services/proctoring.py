"""The proctor's decisions (监考) on an attempt: voiding it (作废) and re-opening one whose
candidate's device failed (issue 9). What the proctor sees of the candidate leaving the exam page
is :mod:`question_bank.services.focus`; it never changes an attempt by itself.

- Voiding needs a reason; the attempt's score becomes 0 with the band "void" (not passed), the
  score ledger gets an entry ("void: <reason>") and the audit log "attempt.void". A voided attempt
  never counts (``standing``) and stays void through any regrade (``marking``). The attempt's state
  becomes "closed_by_void" (the state it had closed in is kept on the void record), so a page still
  open on it is refused with "not taken: the exam was voided" and told who voided it, when and why
  (:class:`question_bank.errors.AttemptVoided`). An attempt in
  progress is closed first, as submitted by the proctor; one still awaiting a marker cannot be
  voided until it is marked (its score is not settled).
- Re-opening needs a reason and a new deadline after now (and at most the time limit plus extra
  time from now): the attempt is in progress again with that deadline, which the server holds
  like any other; its answers stay. Audited as "attempt.reopen" with the state, finish,
  deadline and score (points, maximum, band, passed) it had. A voided attempt is not re-opened, nor one whose candidate has another attempt
  in progress at the sitting.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.models import (
    CLOSED_STATES,
    VOID_BAND,
    Attempt,
    AttemptReopening,
    AttemptState,
    AttemptVoid,
    Role,
    User,
)
from question_bank.services import attempts, audit, deadlines, ledger, protection

#: Longest reason, in characters.
MAX_REASON_CHARS = 1000


def _proctored_attempt(session: Session, proctor: User, attempt_id: int) -> Attempt:
    """The attempt, locked, if the proctor is an exam admin whose units hold its sitting:
    :class:`PermissionDenied` without the role, :class:`NotFound` for an attempt outside the
    proctor's units as for a missing one. The scope is judged before the lock is taken, so a
    proctor of another unit never holds (or waits for) the lock of an attempt that is not theirs."""
    protection.get_in_scope(session, proctor, Attempt, attempt_id, Role.EXAM_ADMIN,
                            unit_of=lambda attempt: attempt.sitting.org_unit)
    # A sitting's unit never changes once made (sittings.create_sitting), so the judgement holds
    # under the lock.
    return attempts.lock_attempt(session, attempt_id)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput([Problem(N_("give the reason"), place="reason")])
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput([Problem(N_("the reason is longer than %(n)d characters"), {"n": MAX_REASON_CHARS}, "reason")])
    return text


def void_of(session: Session, attempt_id: int) -> AttemptVoid | None:
    return session.get(AttemptVoid, attempt_id)


def void_attempt(session: Session, clock: Clock, proctor: User, attempt_id: int, reason: str) -> AttemptVoid:
    """Void the attempt (see the module's rules). Raises :class:`NotFound`, :class:`PermissionDenied`,
    :class:`InvalidInput` (no reason) or :class:`Conflict` (already void, or awaiting marking)."""
    text = _reason(reason)
    attempt = _proctored_attempt(session, proctor, attempt_id)
    if void_of(session, attempt.id) is not None:
        raise Conflict(N_("This attempt is already void."))
    if attempt.is_open and not deadlines.close_if_overdue(session, clock, attempt):
        deadlines.finish(session, clock, attempt, AttemptState.SUBMITTED, finished_at=clock.now(), actor=proctor)
    if attempt.score is None:
        raise Conflict(N_("This attempt awaits marking; void it once it is marked."))
    before = {"score": str(attempt.score), "band": attempt.band, "passed": attempt.passed, "state": str(attempt.state)}
    attempt.score, attempt.band, attempt.passed = attempt.score * 0, VOID_BAND, False
    record = AttemptVoid(attempt_id=attempt.id, voided_at=clock.now(), voided_by_id=proctor.id, reason=text,
                         closed_state=str(attempt.state))
    session.add(record)
    attempt.state = AttemptState.CLOSED_BY_VOID
    session.flush()
    session.expire(attempt, ["void_record"])
    ledger.append(session, clock, attempt, reason=f"void: {text}", actor=proctor)
    audit.record(session, clock, proctor, "attempt.void", "attempt", attempt.id, before=before,
                 after={"score": str(attempt.score), "band": VOID_BAND, "passed": False,
                        "state": str(AttemptState.CLOSED_BY_VOID), "reason": text})
    return record


def reopening_cap_s(session: Session, attempt: Attempt) -> int:
    """The longest a re-opened attempt may run, in seconds from the moment it is re-opened: the
    sitting's time limit plus the candidate's extra time (a re-opening gives back at most one
    sitting's worth of time). :func:`reopen_attempt` enforces it; the re-open form states it."""
    entry = attempts.roster_entry(session, attempt.sitting, attempt.user)
    return attempt.sitting.time_limit_s + entry.extra_time_s


def reopen_attempt(session: Session, clock: Clock, proctor: User, attempt_id: int, reason: str,
                   new_deadline: dt.datetime) -> AttemptReopening:
    """Re-open a closed attempt until ``new_deadline`` (aware). Raises :class:`NotFound`,
    :class:`PermissionDenied`, :class:`InvalidInput` (no reason; a deadline not after now or
    beyond the time limit plus extra time from now) or :class:`Conflict` (open, void, or the
    candidate has another attempt in progress)."""
    text = _reason(reason)
    attempt = _proctored_attempt(session, proctor, attempt_id)
    now = clock.now()
    if attempt.is_open:
        deadlines.close_if_overdue(session, clock, attempt)
    if attempt.state not in CLOSED_STATES:
        raise Conflict(N_("This attempt is still in progress; give extra time instead."))
    if void_of(session, attempt.id) is not None:
        raise Conflict(N_("A void attempt cannot be re-opened."))
    sitting = attempt.sitting
    if attempts.open_attempt(session, sitting, attempt.user) is not None:
        raise Conflict(N_("The candidate has another attempt in progress at this sitting."))
    allowed_s = reopening_cap_s(session, attempt)
    longest = now + dt.timedelta(seconds=allowed_s)
    if new_deadline.tzinfo is None or not now < new_deadline <= longest:
        raise InvalidInput([Problem(N_("the new deadline must be after now and at most %(limit)d minutes from now"),
                                    {"limit": allowed_s // 60}, "deadline")])
    reopened = {"score": None if attempt.score is None else f"{attempt.score:.2f}", "max": f"{attempt.max_score:.2f}",
                "band": attempt.band, "passed": attempt.passed}
    record = AttemptReopening(attempt_id=attempt.id, reopened_at=now, reopened_by_id=proctor.id, reason=text,
                              old_state=str(attempt.state), old_finished_at=attempt.finished_at,
                              old_deadline=attempt.deadline, new_deadline=new_deadline)
    session.add(record)
    attempt.state, attempt.finished_at, attempt.submitted_by_id = AttemptState.IN_PROGRESS, None, None
    attempt.score = attempt.band = attempt.passed = None
    attempt.deadline = new_deadline
    session.flush()
    audit.record(session, clock, proctor, "attempt.reopen", "attempt", attempt.id,
                 before={"state": record.old_state, "deadline": record.old_deadline.isoformat(),
                         "finished_at": record.old_finished_at.isoformat() if record.old_finished_at else None,
                         **reopened},
                 after={"state": str(AttemptState.IN_PROGRESS), "deadline": new_deadline.isoformat(), "reason": text})
    return record


def reopenings(session: Session, attempt_id: int) -> list[AttemptReopening]:
    return list(session.scalars(select(AttemptReopening).where(AttemptReopening.attempt_id == attempt_id)
                                .order_by(AttemptReopening.id)))
