"""Closing attempts: on submit, and automatically once overdue (domain.md §6, case C-04).

An overdue attempt is closed lazily by the next request that touches it and by :func:`sweep`
(run from cron or a systemd timer). Either way it finishes at its deadline, not when it was noticed.

A re-opening (``proctoring.reopen_attempt``) the candidate never used changes nothing: when the
re-opened attempt reaches its deadline with no response step received since it was re-opened, it
closes as it had closed before, with the time, the deadline and the way it ended then
(:func:`close_at_deadline`; issue-9 trial: a hand-in at 15:15:57 became "到时自动交卷" at the
re-opening's deadline). The re-opening stays on record.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from question_bank.clock import Clock
from question_bank.driver_sql import RenderedStatement
from question_bank.models import Attempt, AttemptReopening, AttemptState, ResponseStep, Sitting, User
from question_bank.services import audit, ledger, marking
from question_bank.services.hashchain import Chain


def grace_end(deadline: dt.datetime, grace_s: int) -> dt.datetime:
    """Last moment a save still counts: ``deadline`` plus ``grace_s`` seconds of grace. A save at
    exactly this moment counts; one after it does not."""
    return deadline + dt.timedelta(seconds=grace_s)


def grace_ends(attempt: Attempt) -> dt.datetime:
    """:func:`grace_end` of an attempt: its deadline plus its sitting's grace seconds."""
    return grace_end(attempt.deadline, attempt.sitting.grace_s)


def is_overdue(attempt: Attempt, now: dt.datetime) -> bool:
    return attempt.is_open and now > grace_ends(attempt)


def finish(session: Session, clock: Clock, attempt: Attempt, state: AttemptState, finished_at: dt.datetime,
           actor: User | None, detail: dict | None = None) -> None:
    """Close an open attempt, mark it and record the score in the ledger, in the caller's
    transaction (the caller holds the attempt's row lock).

    The attempt closes whatever is left to mark; when an item awaits a person (a short answer with
    text), the machine-marked items keep their marks and the total and the ledger entry wait for
    ``marking.complete_marking``: no score is recorded that a marker would still change.
    ``detail`` adds to the audit entry's "after"."""
    # Marked first, then closed: marking reads nothing of the attempt's row, and its score and
    # its closing go out in one UPDATE (_write_closing) instead of two (issue 7).
    total, records = marking.mark_for_hand_in(session, clock, attempt)
    _write_closing(session, attempt, state, finished_at, actor.id if actor else None)
    # The audit event is made before the heads are locked and appended after the ledger's entry:
    # only the appending is done while every other hand-in waits for the heads (issue 7).
    event = audit.prepare(session, clock, actor, f"attempt.{state}", "attempt", attempt.id,
                          after={"finished_at": finished_at.isoformat(),
                                 "score": str(attempt.score) if total is not None else None, "band": attempt.band,
                                 "awaiting_marking": total is None, **(detail or {})})
    if total is not None:
        # The audit chain's head is locked with the ledger's, in one statement: the heads every
        # hand-in waits for are held for the fewest round trips (issue 7).
        ledger.append(session, clock, attempt, reason=str(state), actor=actor, records=records,
                      then=(Chain.AUDIT,))
    audit.append(session, event)


#: The attempt's columns a closing writes (:func:`_write_closing`): how and when it closed, and
#: its score as marking left it.
_CLOSING = ("state", "finished_at", "submitted_by_id", "score", "max_score", "passed", "band")


def _write_closing(session: Session, attempt: Attempt, state: AttemptState, finished_at: dt.datetime,
                   submitted_by_id: int | None) -> None:
    """Close ``attempt`` (locked by the caller) in the database at once: its state, finish time and
    submitter, with the score, maximum, pass and band marking has set on it, by one UPDATE
    rendered once (:class:`RenderedStatement`), and the object's attributes set to the same
    values as stored, so no flush writes them again. The ORM's flush of the attempt cost a unit of
    work and a statement keyed anew on every hand-in (issue 7); any other change pending on the
    attempt (a re-opening's old deadline put back) is still the flush's to write."""
    values = {"state": str(state), "finished_at": finished_at, "submitted_by_id": submitted_by_id,
              "score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed, "band": attempt.band}
    _closing_statement().execute(session.connection(), {"attempt_id": attempt.id, **values})
    values["state"] = state
    for name, value in values.items():
        set_committed_value(attempt, name, value)


@functools.lru_cache(maxsize=1)
def _closing_statement() -> RenderedStatement:
    table = Attempt.__table__
    return RenderedStatement(update(table).where(table.c.id == bindparam("attempt_id"))
                             .values({name: bindparam(name, type_=table.c[name].type) for name in _CLOSING}))


def unused_reopening(session: Session, attempt: Attempt) -> AttemptReopening | None:
    """The attempt's latest re-opening if no response step (a taken or superseded change, from an
    autosave or a hand-in) has been received since it; None when it was used or there is none."""
    latest = session.scalar(select(AttemptReopening).where(AttemptReopening.attempt_id == attempt.id)
                            .order_by(AttemptReopening.id.desc()).limit(1))
    if latest is None:
        return None
    used = session.scalar(select(ResponseStep.id).where(ResponseStep.attempt_id == attempt.id,
                                                        ResponseStep.received_at >= latest.reopened_at).limit(1))
    return None if used is not None else latest


def close_at_deadline(session: Session, clock: Clock, attempt: Attempt, actor: User | None = None) -> None:
    """Close the open ``attempt`` because its deadline came, in the caller's transaction (the caller
    holds its row lock): auto-submitted, finishing at its deadline, with ``actor`` as the one who
    sent the request (None for a lazy close or the sweep).

    An attempt re-opened by a proctor and not used since (:func:`unused_reopening`) closes instead
    as it had closed before the re-opening: the same state (handed in by the candidate, or
    auto-submitted), finish time and deadline; it is marked again and the ledger gets that score,
    and the audit entry names the re-opening ("reopening_unused")."""
    unused = unused_reopening(session, attempt)
    if unused is None:
        finish(session, clock, attempt, AttemptState.AUTO_SUBMITTED, finished_at=attempt.deadline, actor=actor)
        return
    state = AttemptState(unused.old_state)
    attempt.deadline = unused.old_deadline
    finish(session, clock, attempt, state, finished_at=unused.old_finished_at or unused.old_deadline, actor=None,
           detail={"reopening_unused": unused.id})
    if state == AttemptState.SUBMITTED:
        attempt.submitted_by_id = attempt.user_id  # the candidate's own hand-in, as before the re-opening


def close_if_overdue(session: Session, clock: Clock, attempt: Attempt) -> bool:
    """Auto-submit ``attempt`` if it is past deadline + grace; True when it did. The caller must
    hold the attempt's row lock (``attempts.lock_attempt``) or be the sweep."""
    if not is_overdue(attempt, clock.now()):
        return False
    close_at_deadline(session, clock, attempt)
    return True


def sweep(session: Session, clock: Clock, sitting_ids: Iterable[int] | None = None) -> list[int]:
    """Close every overdue attempt (of the given sittings only, when ``sitting_ids`` is given);
    returns their ids in deadline order.

    Each attempt is locked with ``FOR UPDATE SKIP LOCKED``: one that another host's sweep, or a
    request, is closing right now is skipped rather than closed twice.
    """
    now = clock.now()
    query = (
        select(Attempt.id, Attempt.deadline, Sitting.grace_s)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline < now)
        .order_by(Attempt.deadline, Attempt.id)
    )
    if sitting_ids is not None:
        query = query.where(Attempt.sitting_id.in_(list(sitting_ids)))
    due = session.execute(query).all()
    closed: list[int] = []
    for attempt_id, deadline, grace_s in due:
        if now <= grace_end(deadline, grace_s):
            continue
        attempt = session.scalar(
            select(Attempt).where(Attempt.id == attempt_id, Attempt.state == AttemptState.IN_PROGRESS)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True)
        )
        if attempt is not None and close_if_overdue(session, clock, attempt):
            closed.append(attempt_id)
    return closed
