"""The score ledger for appraisal: append-only, each entry chained to the one before by SHA-256
(domain.md §7). A correction is a new entry; :func:`verify` finds any entry changed, removed or
swapped, and with a checkpoint a truncated tail or a recomputed chain.

Each entry also carries digests of the attempt's responses and marks as they stood when it was
made, so an answer or a mark changed afterwards is found too (``score_check.reconcile``).

An attempt waiting for a person's marking has no score and no entry; its first entry is appended
once it is marked (:func:`append` works the same for a first entry at any later time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, make_transient_to_detached

from question_bank import field_limits
from question_bank.clock import Clock
from question_bank.models import HALF_CENT, Attempt, AttemptItem, Mark, ResponseStep, ScoreRecord, User
from question_bank.services import hashchain, validity
from question_bank.services.hashchain import GENESIS_HASH, Chain, ChainCheck, ChainPoint, timestamp

__all__ = ["GENESIS_HASH", "append", "entry_content", "marks_digest", "responses_digest", "verify"]


def entry_content(record: ScoreRecord) -> dict[str, Any]:
    """What an entry's hash covers. The digests are left out of entries made before they existed,
    so those keep the hashes they were made with. The law versions the attempt tested
    (``ScoreRecord.law_versions``) are not hashed: the older code's verify, after a downgrade,
    would find every entry carrying them broken; the row is append-only all the same. Part of every stored hash: never change what it
    gives for an existing entry."""
    content: dict[str, Any] = {
        "attempt_id": record.attempt_id,
        "sitting_id": record.sitting_id,
        "user_id": record.user_id,
        "score": f"{record.score:.2f}",
        "max_score": f"{record.max_score:.2f}",
        "band": record.band,
        "passed": bool(record.passed),
        "reason": record.reason,
        "actor_id": record.actor_id,
        "recorded_at": timestamp(record.recorded_at),
    }
    if record.responses_digest is not None:
        content["responses_digest"] = record.responses_digest
    if record.marks_digest is not None:
        content["marks_digest"] = record.marks_digest
    return content


def entry_intact(record: ScoreRecord) -> bool:
    """Whether the entry's own hash still matches its content (its link is checked by :func:`verify`)."""
    return hashchain.digest(entry_content(record), record.prev_hash) == record.entry_hash


def responses_digest(attempt: Attempt, items: Iterable[AttemptItem | Row],
                     steps: Iterable[ResponseStep | Row]) -> str:
    """SHA-256 of a closed attempt as the candidate left it: its state and times, its paper (each
    slot's question version, mark and option order) and every response step, superseded ones too.
    None of these changes after the attempt closes (domain.md §6), so any difference is tampering.
    The state is the one it closed in (``Attempt.closed_state``): a proctor's void is the entry's
    band and reason, and entries made before the void keep matching."""
    stamp = _timestamps()
    return hashchain.canonical_digest({
        "attempt": [attempt.id, attempt.sitting_id, attempt.user_id, attempt.attempt_no, str(attempt.closed_state),
                    attempt.seed, timestamp(attempt.started_at), timestamp(attempt.deadline),
                    timestamp(attempt.finished_at) if attempt.finished_at else None, f"{attempt.max_score:.2f}"],
        "items": sorted([slot, section_no, version_id, f"{mark:.2f}", list(option_order)]
                        for slot, section_no, version_id, mark, option_order in _fields(items, _ITEM_FIELDS)),
        "steps": sorted([slot, writer, client_seq, bool(superseded), answer, stamp(received_at), str(source)]
                        for slot, writer, client_seq, superseded, answer, received_at, source
                        in _fields(steps, _STEP_FIELDS)),
    })


def marks_digest(marks: Iterable[tuple[int, Mark | Row]]) -> str:
    """SHA-256 of every mark given so far, as (slot, mark) pairs: a regrade or a person's mark
    adds rows, so the newest entry's digest covers the whole history. A mark without points (set
    aside: ``remarking``) is digested with "" for its points, and one carrying half a hundredth
    (``Mark.half_cent``) with its exact three places ("30.005"), so earlier digests stay valid.
    The pairs are digested in the order of :func:`_digest_order`."""
    marks = list(marks)
    stamp = _timestamps()
    return hashchain.canonical_digest(sorted(
        ([slot, "" if score is None else _points(score, half_cent), stamp(marked_at), marker_id, reason]
         for slot, (score, marked_at, marker_id, reason, half_cent)
         in zip((slot for slot, _ in marks), _fields((m for _, m in marks), _MARK_FIELDS))),
        key=_digest_order,
    ))


#: What the digests read of an item, a response step and a mark, in the order they read it.
_ITEM_FIELDS = ("slot", "section_no", "question_version_id", "mark", "option_order")
_STEP_FIELDS = ("slot", "writer", "client_seq", "superseded", "answer", "received_at", "source")
_MARK_FIELDS = ("score", "marked_at", "marker_id", "reason", "half_cent")


def _fields(records: Iterable[Any], names: tuple[str, ...]) -> Iterator[tuple]:
    """Each record's attributes ``names``, as a tuple in that order. Rows of one result are read by
    position: reading a ``Row``'s attribute by name cost twenty times its index (issue 7: 0.46 ms
    for a paper's 120 response steps against 0.02 ms); anything else (a loaded object, a named
    tuple, rows of several results) by name. Either way the same values."""
    records = list(records)
    first = records[0] if records else None
    if isinstance(first, Row) and all(isinstance(r, Row) and r._parent is first._parent for r in records):
        return map(itemgetter(*(first._key_to_index[name] for name in names)), records)
    return map(attrgetter(*names), records)


def _timestamps() -> Callable[[dt.datetime], str]:
    """:func:`hashchain.timestamp`, remembering each time it has written: the marks of one hand-in
    share one time, as response steps saved together do. The text depends only on the instant, so
    equal times (equal also across zones) write the same text."""
    written: dict[dt.datetime, str] = {}

    def stamp(value: dt.datetime) -> str:
        text = written.get(value)
        if text is None:
            text = written[value] = timestamp(value)
        return text
    return stamp


def _digest_order(row: list) -> tuple:
    """The order of a marks digest's rows: by slot, points, time, marker id, reason, as the lists
    themselves compare, except that a machine's mark (marker None) comes before a person's of the
    same slot, points and time. Comparing the lists alone compared None with the marker's id there
    and raised TypeError (a person's 0 given the same instant as the machine's 0). Every other pair
    keeps the order it always had, so every digest made before stays valid."""
    slot, points, marked_at, marker_id, reason = row
    return slot, points, marked_at, marker_id is not None, marker_id, reason


def _points(score: Decimal, half_cent: bool) -> str:
    """A mark's points (``score``, not None) as the digest writes them: two places, or three for
    an agreed mean carrying half a hundredth (``half_cent``)."""
    if half_cent:
        return f"{score + HALF_CENT:.3f}"
    return f"{score:.2f}"


#: The columns of an item, a response step and a mark that the digests read (:func:`attempt_records`).
ITEM_COLUMNS = (AttemptItem.attempt_id, AttemptItem.slot, AttemptItem.section_no, AttemptItem.question_version_id,
                 AttemptItem.mark, AttemptItem.option_order)
STEP_COLUMNS = (ResponseStep.attempt_id, ResponseStep.slot, ResponseStep.writer, ResponseStep.client_seq,
                 ResponseStep.superseded, ResponseStep.answer, ResponseStep.received_at, ResponseStep.source)
_MARK_COLUMNS = (Mark.score, Mark.marked_at, Mark.marker_id, Mark.reason, Mark.half_cent)


def attempt_records(session: Session, attempt_ids: list[int]) -> tuple[
        dict[int, list[Row]], dict[int, list[Row]], dict[int, list[tuple[int, Row]]]]:
    """Items, response steps and (slot, mark) pairs of the given attempts, each by attempt id, in
    three queries. Each is a row of the columns the digests read (named as the model's attributes:
    ``slot``, ``mark``, ``answer``…), not a loaded object: building 300 ORM objects per submit was
    most of the ledger's cost (issue 7)."""
    items: dict[int, list[Row]] = {i: [] for i in attempt_ids}
    steps: dict[int, list[Row]] = {i: [] for i in attempt_ids}
    marks: dict[int, list[tuple[int, Row]]] = {i: [] for i in attempt_ids}
    if not attempt_ids:
        return items, steps, marks
    for item in session.execute(select(*ITEM_COLUMNS).where(AttemptItem.attempt_id.in_(attempt_ids))):
        items[item.attempt_id].append(item)
    for step in session.execute(select(*STEP_COLUMNS).where(ResponseStep.attempt_id.in_(attempt_ids))):
        steps[step.attempt_id].append(step)
    for row in session.execute(
        select(AttemptItem.attempt_id, AttemptItem.slot, *_MARK_COLUMNS).join(Mark, Mark.attempt_item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id.in_(attempt_ids))
    ):
        marks[row.attempt_id].append((row.slot, row))
    return items, steps, marks


class AttemptRecords(NamedTuple):
    """One attempt's items, response steps and (slot, mark) pairs as the digests read them
    (:func:`attempt_records`' rows, or the same attributes from what a hand-in's marking has just
    read and written: ``marking.mark_for_hand_in``), and its law versions as the entry keeps them
    (``validity.ledger_list``) when the caller knows them (None: read by :func:`append`)."""
    items: list[Any]
    steps: list[Any]
    marks: list[tuple[int, Any]]
    law_versions: list[list[str]] | None = None


def append(session: Session, clock: Clock, attempt: Attempt, reason: str, actor: User | None,
           records: AttemptRecords | None = None, then: tuple[Chain, ...] = ()) -> ScoreRecord:
    """Record the attempt's current score, band and pass as a new ledger entry, with the digests
    of its responses and marks and the law versions it tested (its legal-validity snapshot). The attempt must be closed and marked (score, band and pass set).

    The head row is locked (``SELECT … FOR UPDATE``) so that entries from concurrent workers chain
    one after another instead of forking. Everything else (the digests, the law versions) is read
    and computed before the lock is taken: every score change in the service waits for it, so it
    is held only for the time and the hash of the entry, its insert and the commit (issue 7).
    ``records``: the attempt's rows as they stand, when the caller has them all (a first hand-in's
    marking read the items and every step and wrote every mark: issue 7, a third of a hand-in was
    reading them again); without it they are read here.
    ``then``: the chains the caller appends to next in this transaction (a hand-in's audit event):
    their heads are locked by the same statement as the ledger's (``hashchain.lock_head``), so the
    heads are held for the fewest round trips (issue 7).
    The entry is written at once, with the head's move, by ``hashchain.append_row`` (one statement
    on PostgreSQL; an ORM object flushed with the head's ORM row cost two statements and a unit of
    work while the head was held, issue 7); the record handed back is persistent in the session.
    Raises ``ValueError`` for an attempt without a score.
    """
    if attempt.score is None or attempt.band is None or attempt.passed is None:
        raise ValueError(f"attempt {attempt.id} has no score yet: only a marked attempt goes into the ledger")
    session.flush()
    if records is None:
        items, steps, marks = attempt_records(session, [attempt.id])
        records = AttemptRecords(items[attempt.id], steps[attempt.id], marks[attempt.id])
    record = ScoreRecord(
        attempt_id=attempt.id,
        sitting_id=attempt.sitting_id,
        user_id=attempt.user_id,
        score=attempt.score,
        max_score=attempt.max_score,
        band=attempt.band,
        passed=attempt.passed,
        reason=reason,
        actor_id=actor.id if actor else None,
        responses_digest=responses_digest(attempt, records.items, records.steps),
        marks_digest=marks_digest(records.marks),
        law_versions=(records.law_versions if records.law_versions is not None
                      else validity.ledger_list(session, attempt.id)),
    )
    hashchain.lock_head(session, Chain.SCORES, *then)
    # The time is read under the lock, so entries' times rise in chain order as their ids do.
    record.recorded_at = clock.now()
    values = {name: getattr(record, name) for name in _ENTRY_VALUES}
    field_limits.refuse_overlong(ScoreRecord, values)  # as the flush of an ORM entry refused it
    record.id, record.prev_hash, record.entry_hash = hashchain.append_row(
        session, Chain.SCORES, ScoreRecord.__table__, values, entry_content(record))
    # The row is written: the object handed back is the stored entry, persistent in the session.
    make_transient_to_detached(record)
    session.add(record)
    return record


#: The columns of a ledger entry :func:`append` writes (all but the id and the two hashes).
_ENTRY_VALUES = tuple(name for name in ScoreRecord.__table__.c.keys() if name not in ("id", "prev_hash", "entry_hash"))


def chain_entries(session: Session) -> Iterator[tuple[int, Mapping[str, Any], str, str]]:
    """Every entry in chain order, as :func:`hashchain.walk` reads them."""
    for record in session.scalars(select(ScoreRecord).order_by(ScoreRecord.id).execution_options(yield_per=1000)):
        yield record.id, entry_content(record), record.prev_hash, record.entry_hash


def verify(session: Session, checkpoint: ChainPoint | None = None) -> ChainCheck:
    """Walk the ledger in order and recompute every hash: reports the first entry whose content or
    link does not match, a removed tail (the head row disagreeing) and, against a checkpoint (the
    count and head hash it recorded), a tail cut off together with the head row or a chain
    rewritten and recomputed. Whether attempts still agree with the ledger is
    ``score_check.reconcile``."""
    return hashchain.walk(chain_entries(session), hashchain.head_point(session, Chain.SCORES), checkpoint)
