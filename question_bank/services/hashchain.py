"""Hash chains: the shape shared by the score ledger and the audit log (domain.md §7, §9).

Each entry stores the SHA-256 of its own content together with the previous entry's hash, so
changing, removing or swapping any entry breaks every link after it. One head row per chain
(``ledger_head``) names the last hash and the count; appending locks it (``SELECT … FOR UPDATE``),
so entries from any number of workers line up one after another instead of forking, and the ids
they get rise in chain order.

A chain and its head row can both be rewritten by someone who can write to the database and
recompute the hashes; only a checkpoint kept outside the database (head hash and count, signed:
``question_bank.services.checkpoints``) catches that, and a truncated tail with the head row
"corrected" to match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

import functools

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from question_bank.driver_sql import RenderedStatement
from question_bank.models import LedgerHead

#: prev_hash of a chain's first entry.
GENESIS_HASH = "0" * 64


class Chain(IntEnum):
    """The chains, by the id of their head row (the migrations create both rows)."""

    SCORES = 1
    AUDIT = 2


def digest(content: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of an entry: its content and the previous entry's hash, as JSON with sorted keys.

    The serialisation is part of every stored hash: it must never change.
    """
    payload = {**content, "prev_hash": prev_hash}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def timestamp(value: dt.datetime) -> str:
    """A time as hashed: ISO 8601 in UTC ("2026-05-11T02:00:00+00:00"), whatever zone the value
    is in, so a value hashed before it was stored hashes the same when read back."""
    return value.astimezone(dt.timezone.utc).isoformat()


def canonical_digest(document: Any) -> str:
    """SHA-256 (hex) of any JSON-able document (sorted keys, no spaces): for digests kept inside
    an entry, such as an attempt's responses."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def lock_head(session: Session, chain: Chain, *also: Chain) -> list[Any]:
    """``[last_hash, entry_count]`` of the chain's head row, locked until the transaction ends, as
    this transaction (or the savepoint it is in) has moved it so far: the row is read once per
    transaction or savepoint (a transaction that records many entries, such as an import, locks it
    once; a savepoint reads it again, so one rolled back never leaves a moved head behind).
    :func:`append_row` moves it. ``also``: chains the caller appends to next in the same
    transaction (a hand-in's audit event after its ledger entry), whose heads are locked by the
    same statement, in chain order (the ledger's before the audit log's, the order a hand-in always
    took them in): one round trip fewer while the heads are held (issue 7). Pending ORM changes
    are flushed first (unless autoflush is off), so they are not written while the heads are held. Raises
    ``RuntimeError`` when a row is missing (a database not made by the migrations)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    wanted = [c for c in sorted({chain, *also}) if _moved(session, c, transaction) is None]
    if wanted:
        if session.autoflush:  # as the ORM query it replaced did: pending changes go before the heads are held
            session.flush()
        # Built on each call, not by a cached builder: mutmut does not mutate a decorated function,
        # and this lock is what keeps concurrent appenders from forking the chain. Core on the
        # session's connection rather than an ORM query, and each head named by an equality, not
        # an IN list (a parameter SQLAlchemy renders into the SQL again on every execution): less
        # client work while the heads are being taken (issue 7).
        table = LedgerHead.__table__
        heads = {row.id: [row.last_hash, row.entry_count] for row in session.connection().execute(
            select(table.c.id, table.c.last_hash, table.c.entry_count)
            .where(or_(*(table.c.id == int(c) for c in wanted))).order_by(table.c.id).with_for_update())}
        transaction = session.get_nested_transaction() or session.get_transaction()  # the query began one if none was open
        for c in wanted:
            if c not in heads:
                raise RuntimeError(f"the head row of the {c.name.lower()} chain is missing: "
                                   "the database was not made by the migrations")
            session.info[_MOVED_KEY.format(int(c))] = (transaction, heads[c])
    return _moved(session, chain, transaction)


#: ``Session.info`` key (with the chain's number) of the head as :func:`lock_head` read it and
#: :func:`append_row` last moved it in the innermost transaction: ``(transaction, [last_hash, entry_count])``.
_MOVED_KEY = "question_bank.hashchain.moved.{}"


def _moved(session: Session, chain: Chain, transaction: Any) -> list[Any] | None:
    """The chain's head as this session locked and moved it in ``transaction`` (still active), else None."""
    held = session.info.get(_MOVED_KEY.format(int(chain)))
    if held is not None and held[0] is transaction and transaction is not None and transaction.is_active:
        return held[1]
    return None


def append_row(session: Session, chain: Chain, table: Table, values: Mapping[str, Any],
               content: Mapping[str, Any]) -> tuple[int, str, str]:
    """Append one entry of ``content`` to ``chain`` as a row of ``table`` (``values``: its columns
    but the id and the two hashes), written at once in the session's transaction: returns the new
    row's (id, prev_hash, entry_hash). No ORM object is made or flushed.

    The head row is locked (:func:`lock_head`, once per transaction or savepoint) and then
    the row and the head's move go in one statement on PostgreSQL (a data-modifying ``WITH``) and
    in two on SQLite, whose transactions are serial anyway. Issue 7: every entry is written while
    the lock is held and the lock is held until COMMIT, so all that runs between the lock and the
    COMMIT is what concurrent appenders queue behind; an ORM object flushed at commit cost a round
    trip and a unit of work more there (a start: the lock held 4 ms alone, 13–20 ms with four
    workers on two cores). Raises ``RuntimeError`` when the head row is missing, and what the
    database raises (a hash that is not unique)."""
    head = lock_head(session, chain)
    prev_hash = head[0]
    entry_hash = digest(content, prev_hash)
    row = {**values, "prev_hash": prev_hash, "entry_hash": entry_hash}
    connection = session.connection()
    with_head = connection.dialect.name == "postgresql"
    moved = {"head_id": int(chain), "head_hash": entry_hash, "head_count": head[1] + 1}
    if not with_head:
        _move_head().execute(connection, moved)
    statement = _append_statement(table, tuple(row), with_head)
    (entry_id,), = statement.execute(connection, {**row, **moved} if with_head else row)
    head[0], head[1] = entry_hash, head[1] + 1
    return entry_id, prev_hash, entry_hash


@functools.lru_cache(maxsize=1)
def _move_head() -> RenderedStatement:
    return RenderedStatement(_move_head_statement())


def _move_head_statement() -> Any:
    return update(LedgerHead.__table__).where(LedgerHead.__table__.c.id == bindparam("head_id")) \
        .values(last_hash=bindparam("head_hash"), entry_count=bindparam("head_count"))


@functools.lru_cache(maxsize=32)
def _append_statement(table: Table, columns: tuple[str, ...], with_head: bool) -> RenderedStatement:
    """``INSERT INTO table (columns) VALUES (…) RETURNING id``; ``with_head``: with the head's
    move as a data-modifying ``WITH``, which PostgreSQL runs once whether or not it is referred to.
    Rendered once (``driver_sql``): SQLAlchemy's execution keyed and bound it anew for every entry,
    while the head's lock was held (issue 7)."""
    statement = insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in columns}) \
        .returning(table.c.id)
    return RenderedStatement(statement.add_cte(_move_head_statement().cte("moved_head")) if with_head else statement)


@dataclass(frozen=True)
class ChainPoint:
    """A point of a chain as a checkpoint saw it: ``entries`` counted from the start and the hash
    of the last of them."""

    entries: int
    head_hash: str


class Break(StrEnum):
    """Why a chain does not verify."""

    #: An entry's content or its link to the one before does not match its hash: changed, removed or swapped.
    ENTRY = "entry"
    #: The head row disagrees with the chain: entries at the end were removed or replaced.
    HEAD = "head"
    #: Fewer entries than a checkpoint counted: the tail was cut off.
    SHORTER_THAN_CHECKPOINT = "shorter_than_checkpoint"
    #: The entry a checkpoint ended at now has another hash: the chain was rewritten and recomputed.
    REWRITTEN_SINCE_CHECKPOINT = "rewritten_since_checkpoint"


BREAK_TEXT = {
    Break.ENTRY: "entry {at} does not match its hash or its link to the entry before: it was changed, "
                 "or an entry before it was removed or swapped",
    Break.HEAD: "the head row says the chain has {expected} entries ending in {expected_hash:.12}…; it has {entries} "
                "(ending in {tip:.12}…): entries at the end were removed or replaced",
    Break.SHORTER_THAN_CHECKPOINT: "the chain has {entries} entries, the checkpoint counted {expected}: "
                                   "entries at the end were removed",
    Break.REWRITTEN_SINCE_CHECKPOINT: "entry number {expected} (id {at}) has hash {found:.12}…, the checkpoint "
                                      "recorded {expected_hash:.12}…: the chain was rewritten and its hashes recomputed",
}


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of :func:`walk`: entries read, the hash of the last one (``tip``), and the first
    break found (None when the chain holds), with the entry id it was found at where there is one."""

    entries: int
    tip: str
    broken: Break | None = None
    broken_at: int | None = None
    details: tuple[tuple[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def reason(self) -> str:
        """The break in English words (for the command line and logs); "" when the chain holds."""
        if self.broken is None:
            return ""
        return BREAK_TEXT[self.broken].format(at=self.broken_at, entries=self.entries, tip=self.tip,
                                              **dict(self.details))


def walk(entries: Iterable[tuple[int, Mapping[str, Any], str, str]], head: ChainPoint | None,
         checkpoint: ChainPoint | None = None) -> ChainCheck:
    """Recompute a chain from its entries, in id order: ``(id, content, prev_hash, entry_hash)``.

    ``head`` is what the head row said, read before the entries (None: not compared): the entry at
    that count must carry that hash. Entries after it are checked like the rest; they were appended
    since (ids rise in chain order, since appending holds the head's lock). ``checkpoint`` is a
    point taken earlier and kept outside the database: the entry at its count must still carry its
    hash. Reports the first break.
    """
    previous, count = GENESIS_HASH, 0
    for entry_id, content, prev_hash, entry_hash in entries:
        count += 1
        if prev_hash != previous or digest(content, prev_hash) != entry_hash:
            return ChainCheck(count, previous, Break.ENTRY, entry_id)
        if checkpoint is not None and count == checkpoint.entries and entry_hash != checkpoint.head_hash:
            return ChainCheck(count, entry_hash, Break.REWRITTEN_SINCE_CHECKPOINT, entry_id,
                              (("expected", checkpoint.entries), ("expected_hash", checkpoint.head_hash),
                               ("found", entry_hash)))
        if head is not None and count == head.entries and entry_hash != head.head_hash:
            return ChainCheck(count, entry_hash, Break.HEAD, entry_id,
                              (("expected", head.entries), ("expected_hash", head.head_hash)))
        previous = entry_hash
    if checkpoint is not None and count < checkpoint.entries:
        return ChainCheck(count, previous, Break.SHORTER_THAN_CHECKPOINT,
                          details=(("expected", checkpoint.entries), ("expected_hash", checkpoint.head_hash)))
    if head is not None and count < head.entries:
        return ChainCheck(count, previous, Break.HEAD,
                          details=(("expected", head.entries), ("expected_hash", head.head_hash)))
    return ChainCheck(count, previous)


def head_point(session: Session, chain: Chain) -> ChainPoint | None:
    """What the chain's head row says now, unlocked (None when the row is missing)."""
    head = session.scalar(select(LedgerHead).where(LedgerHead.id == chain).execution_options(populate_existing=True))
    return None if head is None else ChainPoint(head.entry_count, head.last_hash)
