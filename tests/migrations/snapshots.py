"""What a migration must not lose, read straight from the tables (no models: a table may have other
columns at another revision): every table's rows by primary key, the current answer of every slot,
and the score ledger's hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from question_bank.models import LedgerHead, ScoreRecord
from question_bank.services.ledger import GENESIS_HASH, HEAD_ID, entry_digest

#: The tables whose every surviving column must come through every step unchanged (SEC-F5 names
#: attempts, answers, scores and audit; the rest is what they point at).
CHECKED = ("attempt", "attempt_item", "response_step", "mark", "score_record", "ledger_head", "audit_event",
           "user_account", "user_role", "org_unit", "roster_entry", "sitting", "paper", "blueprint_section",
           "import_batch", "category", "question", "question_version")


@dataclass
class Snapshot:
    """Columns and rows (ordered by primary key) of every table but Alembic's own."""

    columns: dict[str, list[str]]
    rows: dict[str, list[dict]]

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}

    def digest(self, table: str, columns: set[str]) -> str:
        """SHA-256 of the table's rows restricted to ``columns``."""
        wanted = sorted(columns)
        payload = json.dumps([[row[c] for c in wanted] for row in self.rows[table]], default=str, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def take(connection: Connection) -> Snapshot:
    inspector = inspect(connection)
    columns: dict[str, list[str]] = {}
    rows: dict[str, list[dict]] = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        names = [c["name"] for c in inspector.get_columns(table)]
        key = inspector.get_pk_constraint(table)["constrained_columns"] or names
        order = ", ".join(f'"{c}"' for c in key)
        listed = ", ".join(f'"{c}"' for c in names)
        result = connection.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY {order}'))
        columns[table] = names
        rows[table] = [dict(zip(names, (_plain(v) for v in row))) for row in result]
    return Snapshot(columns, rows)


def _plain(value):
    """A value as JSON can hold it, the same whatever the driver gives (JSON text or a document)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def current_answers(snapshot: Snapshot) -> dict[tuple[int, int], object]:
    """(attempt, slot) → the answer that counts, as the schema in force reads it: the last step not
    superseded where steps carry that flag, else (the older schema) the highest number."""
    steps = snapshot.rows["response_step"]
    answers: dict[tuple[int, int], tuple] = {}
    by_flag = "superseded" in snapshot.columns["response_step"]
    for step in steps:
        if by_flag and step["superseded"]:
            continue
        rank = step["id"] if by_flag else (step["client_seq"], step["id"])
        slot = (step["attempt_id"], step["slot"])
        if slot not in answers or rank > answers[slot][0]:
            answers[slot] = (rank, step["answer"])
    return {slot: answer for slot, (_, answer) in answers.items()}


def ledger_problem(connection: Connection) -> str | None:
    """Why the score ledger's chain does not verify, or None when it does (the check
    ``ledger.verify`` makes, over the columns the hash covers)."""
    columns = [ScoreRecord.__table__.c[name] for name in (
        "id", "attempt_id", "sitting_id", "user_id", "score", "max_score", "band", "passed", "reason",
        "actor_id", "recorded_at", "prev_hash", "entry_hash")]
    previous, count = GENESIS_HASH, 0
    for row in connection.execute(select(*columns).order_by(ScoreRecord.__table__.c.id)):
        record = SimpleNamespace(**row._mapping)
        count += 1
        if record.prev_hash != previous or entry_digest(record) != record.entry_hash:
            return f"entry {record.id} does not match its hash or link"
        previous = record.entry_hash
    head = LedgerHead.__table__
    found = connection.execute(select(head.c.entry_count, head.c.last_hash).where(head.c.id == HEAD_ID)).first()
    if tuple(found) != (count, previous):
        return f"the head says {tuple(found)}, the entries {(count, previous)}"
    return None
