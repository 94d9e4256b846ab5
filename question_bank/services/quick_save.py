"""The autosave's usual case in two statements (issue 7): one read that locks the attempt and
brings everything the save's checks need, the slot's steps as they stand once the lock is held
among them (see below), and one insert.

An exam page saves every change, so this is the busiest write of a sitting. The usual save comes
from the page holding an open attempt, in time, from an allowed network, to a slot of the paper,
and is taken (or is a retry, or an older arrival of the same page). :func:`save` handles exactly
that case and nothing else; for anything else it returns None *before writing anything*, and the
caller runs the general path (``attempts.save_response`` after ``_ensure_admitted`` in the API),
which closes an overdue attempt, audits a refused address, records a taken-over or stale change
and raises the error the page shows. Both paths decide by the same rule
(``slot_changes.judge``, case C-18) under the same lock, so they cannot disagree.

The read, one statement:

- the attempt row, locked (``FOR UPDATE OF attempt`` on PostgreSQL; on SQLite the statement is the
  transaction's first, so ``BEGIN IMMEDIATE`` takes the write lock there), and only if it is the
  candidate's (ownership in the ``WHERE``: someone else's attempt reads nothing, like a missing
  one, case C-16);
- and only while the candidate's session is still good (:class:`Claimant`): the account active, its
  session epoch the session's (not signed out everywhere since), no temporary password to replace,
  the cadre role held. So the web layer need not load the person first for this save (one round
  trip and a fifth of its CPU, issue 7); anything else reads nothing, and the general path, which
  loads and checks the person as every request does, refuses it;
- its state, deadline, holding page, and its sitting's grace and allowed networks (deadline + grace
  and the address are checked on the server's clock and the request's address, as before);
- the slot's item: the question's type, option order, option count and, for a fill-in only, the
  stem (its blanks); never the key, the explanation or the rest of the question;
- every stored step of the slot (writer, number, superseded, answer), oldest first, for the rule.

On PostgreSQL the steps must be read after the lock is granted. Under read committed a statement
reads every table as it stood when the statement began, and the lock is granted only during it: a
read that waited for another save's lock would not see the step that save committed, and would
store an older change over a newer one as if nothing were there (outside trial: two saves of one
slot sent at once were both "taken", and the older one was kept). So the locking read is a
subquery, and the steps come from the database function ``slot_steps_after_lock`` called over its
row: a VOLATILE function takes a fresh snapshot for each query it runs, after the lock is held, and
sees every save committed before (migration ``db2193fd0785``). Versions are thus numbered one change
at a time, as ``slot_changes`` requires, in one statement rather than a second read (four round
trips a save with BEGIN and COMMIT, issue 7's goal; five with the second read).
SQLite takes its write lock before the transaction's first statement (``BEGIN IMMEDIATE``), so there
the read joins the steps directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, case, cast, exists, false, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.driver_sql import RenderedStatement
from question_bank.models import (Attempt, AttemptItem, AttemptState, QuestionVersion, ResponseStep, Role, Sitting,
                                  User, UserRole)
from question_bank.models.attempts import ResponseSource
from question_bank.services.admission import networks_allow
from question_bank.services.deadlines import grace_end
from question_bank.services.delivery import SlotShape, to_original
from question_bank.services.slot_changes import Change, ChangeReceipt, Write, judge, receipt_of
from question_bank.types import REGISTRY, get_type

_ATTEMPT = Attempt.__table__
_SITTING = Sitting.__table__
_ITEM = AttemptItem.__table__
_VERSION = QuestionVersion.__table__
_STEP = ResponseStep.__table__
_USER = User.__table__
_ROLE = UserRole.__table__


@dataclass(frozen=True)
class Claimant:
    """Who a signed-in session says is saving: the account's id and the session epoch the session
    carries (``User.get_id``: "id:epoch"). A claim only: :func:`save` stores nothing unless the
    account, as the database holds it now, still honours it."""

    user_id: int
    session_epoch: int

    @classmethod
    def of(cls, user: User) -> "Claimant":
        """The claim of a person already loaded and checked."""
        return cls(user.id, user.session_epoch)

#: Types whose answer boxes are counted from the stem (fill-in): only theirs is read.
_STEM_COUNTED = sorted(code for code, qtype in REGISTRY.items() if qtype.answer_form == "blanks")


def _read(dialect: str) -> Any:
    option_count = (func.jsonb_array_length if dialect == "postgresql" else func.json_array_length)(
        _VERSION.c.options)
    # Equalities rather than IN: an IN list is an "expanding" parameter, rendered into the SQL
    # again on every execution (a fiftieth of a save's CPU).
    stem = case((or_(*(_VERSION.c.qtype == code for code in _STEM_COUNTED)), _VERSION.c.stem), else_=literal(""))
    slot = bindparam("slot")
    joined = (_ATTEMPT.join(_USER, _USER.c.id == _ATTEMPT.c.user_id)
              .join(_SITTING, _SITTING.c.id == _ATTEMPT.c.sitting_id)
              .join(_ITEM, (_ITEM.c.attempt_id == _ATTEMPT.c.id) & (_ITEM.c.slot == slot))
              .join(_VERSION, _VERSION.c.id == _ITEM.c.question_version_id))
    columns = [_ATTEMPT.c.id, _ATTEMPT.c.state, _ATTEMPT.c.deadline, _ATTEMPT.c.active_page, _SITTING.c.grace_s,
               _SITTING.c.allowed_networks, _ITEM.c.option_order, _VERSION.c.qtype, option_count.label("options"),
               stem.label("stem")]
    if dialect != "postgresql":
        joined = joined.outerjoin(_STEP, (_STEP.c.attempt_id == _ATTEMPT.c.id) & (_STEP.c.slot == slot))
        columns += [*_STEP_COLUMNS]
    read = (
        select(*columns).select_from(joined)
        .where(_ATTEMPT.c.id == bindparam("attempt_id"), _ATTEMPT.c.user_id == bindparam("user_id"),
               _USER.c.session_epoch == bindparam("session_epoch"), _USER.c.is_active,
               _USER.c.must_change_password == false(),
               exists().where(_ROLE.c.user_id == _USER.c.id, _ROLE.c.role == str(Role.CADRE)))
        .with_for_update(of=_ATTEMPT)
    )
    if dialect != "postgresql":
        return read.order_by(_STEP.c.id)
    # The function is called over the locked row, so after the lock is granted (see the module).
    locked = read.subquery("locked")
    return select(locked, func.slot_steps_after_lock(locked.c.id, cast(slot, Integer), type_=JSONB).label("steps"))


#: What the rule reads of each of the slot's stored steps.
_STEP_COLUMNS = (_STEP.c.writer, _STEP.c.client_seq, _STEP.c.superseded, _STEP.c.answer)


class _Step(NamedTuple):
    """One stored step as ``slot_steps_after_lock`` gives it (an array, in this order)."""

    writer: str
    client_seq: int
    superseded: bool
    answer: Any


#: The read and the insert, built once (per dialect for the read): building a statement on every
#: save cost as much CPU as running it; they are rendered once too (driver_sql).
_READS = {dialect: RenderedStatement(_read(dialect)) for dialect in ("postgresql", "sqlite")}
_INSERT_COLUMNS = ["attempt_id", "slot", "writer", "client_seq", "superseded", "answer", "base_version", "received_at",
                   "source"]
_INSERT = RenderedStatement(insert(_STEP), column_keys=_INSERT_COLUMNS)


def save(session: Session, clock: Clock, candidate: Claimant, attempt_id: int, change: Change, page: str | None,
         client_ip: str | None) -> ChangeReceipt | None:
    """Store ``change`` (an exam page's autosave, checked by ``attempts.page_change``) to the
    candidate's attempt in the usual case, in the caller's transaction (the caller commits); the
    receipt is what ``attempts.save_response`` would return.

    None, with nothing written, unless the candidate's claim holds (their account active, with the
    cadre role, the claim's session epoch and no temporary password), the attempt is theirs, open, within deadline +
    grace by ``clock``, held by ``page`` (or by no page), ``client_ip`` is in the sitting's
    allowed networks, the slot exists, the answer fits the question and the change is taken, a
    retry, or an older arrival of the same page: the caller then takes the general path, which
    refuses or records the rest exactly as before. Raises nothing of its own."""
    now = clock.now()
    connection = session.connection()
    read = _READS.get(connection.dialect.name)
    if read is None:
        return None  # a database this path was not written for: the general path serves it
    rows = read.execute(connection, {"attempt_id": attempt_id, "user_id": candidate.user_id,
                                     "session_epoch": candidate.session_epoch, "slot": change.slot})
    if not rows:
        return None  # not theirs, no such attempt or slot, or a session no longer good: the general path says which
    first = rows[0]
    if (first.state != AttemptState.IN_PROGRESS or now > grace_end(first.deadline, first.grace_s)
            or not (first.active_page is None or (page is not None and page == first.active_page))
            or not networks_allow(first.allowed_networks, client_ip)):
        return None
    shape = SlotShape(first.qtype, first.option_order, first.options,
                      get_type(first.qtype).blank_count(first.stem))
    try:
        normalised = to_original(shape, change.answer)
    except ValueError:
        return None
    if connection.dialect.name == "postgresql":
        steps = [_Step(*step) for step in first.steps]
    else:
        steps = [row for row in rows if row.writer is not None]
    if change.base is not None and change.base > sum(1 for step in steps if not step.superseded):
        return None  # a version the slot never had: refused by the general path
    verdict = judge(steps, change, normalised)
    if verdict.write == Write.REFUSAL:
        return None  # stale: recorded and answered by the general path
    if verdict.write != Write.NOTHING:
        _insert_step(connection, attempt_id, change, normalised, verdict.write == Write.SUPERSEDED_STEP, now)
    return receipt_of(shape, change, normalised, verdict)


def _insert_step(connection: Any, attempt_id: int, change: Change, normalised: Any, superseded: bool,
                 now: dt.datetime) -> None:
    _INSERT.execute(connection, {
        "attempt_id": attempt_id, "slot": change.slot, "writer": change.writer, "client_seq": change.seq,
        "superseded": superseded, "answer": normalised, "base_version": change.base, "received_at": now,
        "source": str(ResponseSource.AUTOSAVE)})
