"""The score ledger's and the audit log's hash chains, checked as the revision the database stands
at has them (what that revision's ``verify`` would find), straight from the tables:

- every revision: the score ledger verifies end to end and its head row (id 1) matches it exactly;
- before :data:`~tests.migrations.milestones.LEDGER_DIGESTS` an entry's hash covers no digests,
  from it on it covers those the entry carries (entries made before it carry none);
- before :data:`~tests.migrations.milestones.AUDIT_CHAIN` audit events are not chained and
  ``ledger_head`` holds the score ledger's row only; from it on the audit log verifies like the
  ledger, against its own head row (id 2);
- from :data:`~tests.migrations.milestones.AUDIT_ORIGIN` an event's hash covers its origin where it has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from question_bank.db import JSONDocument, UTCDateTime
from question_bank.services import audit, hashchain, ledger
from question_bank.services.hashchain import Chain, ChainPoint
from tests.migrations import milestones
from tests.migrations.snapshots import as_points

_HEADS = sa.table("ledger_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String),
                  sa.column("entry_count", sa.Integer))
# Points columns untyped: read as stored, then turned into points by the revision's own scale.
_RECORDS = sa.table("score_record", *(sa.column(name) for name in (
    "id", "attempt_id", "sitting_id", "user_id", "score", "max_score", "band", "passed", "reason", "actor_id",
    "prev_hash", "entry_hash")), sa.column("recorded_at", UTCDateTime()))
_DIGESTS = (sa.column("responses_digest", sa.String), sa.column("marks_digest", sa.String))
_EVENTS = sa.table("audit_event", *(sa.column(name) for name in (
    "id", "actor_id", "action", "object_type", "object_id", "detail", "prev_hash", "entry_hash")),
    sa.column("occurred_at", UTCDateTime()), sa.column("before", JSONDocument), sa.column("after", JSONDocument))


def problems(connection: Connection) -> list[str]:
    """What does not hold of the chains at the database's revision (empty when all is well)."""
    done = milestones.applied(connection)
    heads = {row.id: ChainPoint(row.entry_count, row.last_hash) for row in connection.execute(sa.select(_HEADS))}
    chained = {int(Chain.SCORES)} | ({int(Chain.AUDIT)} if milestones.AUDIT_CHAIN in done else set())
    found = []
    if set(heads) != chained:
        found.append(f"ledger_head holds rows {sorted(heads)}, this revision keeps {sorted(chained)}")
    found += _chain_problem("score ledger", _score_entries(connection, done), heads.get(int(Chain.SCORES)))
    if milestones.AUDIT_CHAIN in done:
        found += _chain_problem("audit log", _audit_entries(connection, milestones.AUDIT_ORIGIN in done),
                                heads.get(int(Chain.AUDIT)))
    return found


def _chain_problem(name: str, entries: Iterator, head: ChainPoint | None) -> list[str]:
    check = hashchain.walk(entries, head)
    if not check.ok:
        return [f"the {name} breaks: {check.reason}"]
    if head is None or (check.entries, check.tip) != (head.entries, head.head_hash):
        return [f"the {name}'s head row says {head}, its entries end at ({check.entries}, {check.tip})"]
    return []


def _score_entries(connection: Connection, done: frozenset[str]) -> Iterator:
    scale = milestones.points_scale(connection)
    digests = milestones.LEDGER_DIGESTS in done
    columns = list(_RECORDS.c) + (list(_DIGESTS) if digests else [])
    for row in connection.execute(sa.select(*columns).select_from(_RECORDS).order_by(_RECORDS.c.id)):
        values = dict(row._mapping)
        values.setdefault("responses_digest", None)
        values.setdefault("marks_digest", None)
        values["score"] = Decimal(as_points(values["score"], scale))
        values["max_score"] = Decimal(as_points(values["max_score"], scale))
        yield row.id, ledger.entry_content(SimpleNamespace(**values)), row.prev_hash, row.entry_hash


def _audit_entries(connection: Connection, with_origin: bool) -> Iterator:
    columns = list(_EVENTS.c) + ([sa.column("origin", JSONDocument)] if with_origin else [])
    for row in connection.execute(sa.select(*columns).select_from(_EVENTS).order_by(_EVENTS.c.id)):
        content = audit.event_content(row.occurred_at, row.actor_id, row.action, row.object_type, row.object_id,
                                      row.before, row.after, row.detail, row.origin if with_origin else None)
        yield row.id, content, row.prev_hash, row.entry_hash
