"""What a migration must not lose, read straight from the tables (no models: a table may have other
columns at another revision): every table's rows by primary key, the current answer of every slot,
and the append-only triggers. Points are read as points, however the revision stores them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from question_bank.db import Base, Points
from question_bank.points import CENT, is_exact_points
from tests.migrations import milestones

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

    def counts(self, tables: set[str] | None = None) -> dict[str, int]:
        """Rows per table (of ``tables`` only, when given)."""
        return {table: len(rows) for table, rows in self.rows.items() if tables is None or table in tables}

    def digest(self, table: str, columns: set[str]) -> str:
        """SHA-256 of the table's rows restricted to ``columns``."""
        wanted = sorted(columns)
        payload = json.dumps([[row[c] for c in wanted] for row in self.rows[table]], default=str, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def without(self, removed: Mapping[str, list[Mapping[str, Any]]]) -> Snapshot:
        """The snapshot less the rows that match one of ``removed[table]`` (column → value, all of
        them): rows a downgrade declares it deletes (``DOWNGRADE_DELETES``)."""
        def kept(table: str, row: dict) -> bool:
            return not any(all(row.get(c) == v for c, v in match.items()) for match in removed.get(table, ()))

        return Snapshot(self.columns, {t: [r for r in rows if kept(t, r)] for t, rows in self.rows.items()})


def points_columns() -> dict[str, frozenset[str]]:
    """Every points column (``question_bank.db.Points``) of the models, by table."""
    found: dict[str, frozenset[str]] = {}
    for table in Base.metadata.tables.values():
        names = frozenset(c.name for c in table.columns if isinstance(c.type, Points))
        if names:
            found[table.name] = names
    return found


def as_points(value: Any, scale: int) -> str | None:
    """A stored points value as points, "59.99": ``scale`` 100 for SQLite's hundredths, 1 for a
    float or a NUMERIC. A value finer than a hundredth is shown in full, never rounded, so that a
    migration that mangles one is seen."""
    if value is None:
        return None
    # repr of a float is the shortest text that reads back as the same float: 59.99, not 59.98999…
    number = (Decimal(value) if isinstance(value, int | Decimal) else Decimal(repr(value))) / scale
    return str(number.quantize(CENT)) if is_exact_points(number) else str(number)


def take(connection: Connection) -> Snapshot:
    inspector = inspect(connection)
    scale = milestones.points_scale(connection)
    points = points_columns()
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
        in_points = points.get(table, frozenset())
        columns[table] = names
        rows[table] = [{name: as_points(value, scale) if name in in_points else _plain(value)
                        for name, value in zip(names, row)} for row in result]
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


def append_only_triggers(connection: Connection) -> set[tuple[str, str]]:
    """(table, trigger) of every trigger that keeps a table append-only (named ``append_only…`` by
    the migration that makes them)."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name LIKE 'append_only%'"))
    else:
        found = connection.execute(text("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                        "WHERE NOT t.tgisinternal AND t.tgname LIKE 'append_only%'"))
    return {(table, name) for table, name in found}
