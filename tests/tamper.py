"""Playing someone who writes to the database behind the service's back (the ledger tamper tests).

Each helper runs its SQL in its own transaction with the append-only triggers lifted
(``dbsetup.append_only_lifted``: what a database owner could do), then expires the test session so
that it reads what is now stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from question_bank.models import AuditEvent, ScoreRecord
from question_bank.services import audit, ledger
from question_bank.services.hashchain import GENESIS_HASH, Chain, digest
from tests.dbsetup import append_only_lifted


def execute(engine: Engine, db: Session, sql: str, **params: Any) -> None:
    """Run one statement as an outsider would, then make ``db`` read afresh (its transaction ends
    first, so that it neither holds an old snapshot nor blocks the outsider)."""
    db.rollback()
    with engine.begin() as conn, append_only_lifted(conn):
        conn.execute(text(sql), params)
    db.expire_all()


def recompute_chain(engine: Engine, db: Session, chain: Chain) -> None:
    """Rewrite every hash of a chain from its rows as they now stand, and the head row to match:
    what someone who knows the algorithm does after editing an entry."""
    table, model = ("score_record", ScoreRecord) if chain == Chain.SCORES else ("audit_event", AuditEvent)
    db.rollback()
    rows = db.scalars(select(model).order_by(model.id)).all()
    content = ledger.entry_content if chain == Chain.SCORES else audit.entry_content
    previous, updates = GENESIS_HASH, []
    for row in rows:
        entry_hash = digest(content(row), previous)
        updates.append({"id": row.id, "prev": previous, "hash": entry_hash, "tmp": f"t{row.id}"})
        previous = entry_hash
    db.rollback()
    with engine.begin() as conn, append_only_lifted(conn):
        # Through a temporary value first: entry_hash is unique, and a new hash may equal another row's old one.
        for values in updates:
            conn.execute(text(f"UPDATE {table} SET entry_hash = :tmp WHERE id = :id"), values)
        for values in updates:
            conn.execute(text(f"UPDATE {table} SET prev_hash = :prev, entry_hash = :hash WHERE id = :id"), values)
        conn.execute(text("UPDATE ledger_head SET last_hash = :h, entry_count = :n WHERE id = :id"),
                     {"h": previous, "n": len(updates), "id": int(chain)})
    db.expire_all()
