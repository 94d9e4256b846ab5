"""The score ledger for appraisal: append-only, each entry chained to the one before by SHA-256
(domain.md §7). A correction is a new entry; :func:`verify` finds any entry changed or removed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import Attempt, LedgerHead, ScoreRecord, User

#: prev_hash of the first entry.
GENESIS_HASH = "0" * 64
#: The ledger head row's id (the migration creates it).
HEAD_ID = 1


def entry_digest(record: ScoreRecord) -> str:
    """SHA-256 (hex) over the entry's content and the previous entry's hash."""
    content = {
        "attempt_id": record.attempt_id,
        "sitting_id": record.sitting_id,
        "user_id": record.user_id,
        "score": f"{record.score:.2f}",
        "max_score": f"{record.max_score:.2f}",
        "band": record.band,
        "passed": bool(record.passed),
        "reason": record.reason,
        "actor_id": record.actor_id,
        "recorded_at": record.recorded_at.isoformat(),
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def append(session: Session, clock: Clock, attempt: Attempt, reason: str, actor: User | None) -> ScoreRecord:
    """Record the attempt's current score, band and pass as a new ledger entry.

    The head row is locked (``SELECT … FOR UPDATE``) so that entries from concurrent workers chain
    one after another instead of forking.
    """
    head = session.scalar(select(LedgerHead).where(LedgerHead.id == HEAD_ID).with_for_update())
    if head is None:
        raise RuntimeError("the ledger head row is missing: the database was not made by the migrations")
    assert attempt.score is not None and attempt.band is not None and attempt.passed is not None
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
        recorded_at=clock.now(),
        prev_hash=head.last_hash,
    )
    record.entry_hash = entry_digest(record)
    session.add(record)
    head.last_hash = record.entry_hash
    head.entry_count += 1
    session.flush()
    return record


@dataclass(frozen=True)
class LedgerCheck:
    """Outcome of :func:`verify`: entries read, and the first entry that breaks the chain (or None)."""

    entries: int
    broken_at: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.reason


def verify(session: Session) -> LedgerCheck:
    """Walk the ledger in order and recompute every hash. Reports the first entry whose content or
    link does not match, and a removed tail (the head's count or hash disagreeing)."""
    previous = GENESIS_HASH
    count = 0
    for record in session.scalars(select(ScoreRecord).order_by(ScoreRecord.id)).yield_per(1000):
        count += 1
        if record.prev_hash != previous or entry_digest(record) != record.entry_hash:
            return LedgerCheck(count, record.id, "entry does not match its hash or link")
        previous = record.entry_hash
    head = session.get(LedgerHead, HEAD_ID)
    expected = (head.entry_count, head.last_hash) if head else (0, GENESIS_HASH)
    if expected != (count, previous):
        return LedgerCheck(count, None, "the ledger head does not match the last entry: entries were removed")
    return LedgerCheck(count, None)
