"""The revisions from which what is stored, or the rule it is checked by, changes: the walk in
``test_upgrades_keep_data`` reads and checks a database as the revision it stands at has it.

Revision ids never change (the lead re-chains ``down_revision`` at a merge, not the ids), so they
are named here; what each one changes is said beside it.
"""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from examsvc import database

#: From here on SQLite keeps every points column as whole hundredths (59.99 is stored as 5999);
#: before it, as a binary float. PostgreSQL's NUMERIC is the same throughout.
POINTS_IN_HUNDREDTHS = "02da04ccadef"
#: From here on a score ledger entry's hash covers its responses and marks digests (where it has them).
LEDGER_DIGESTS = "ecba2d70b1fd"
#: From here on audit events are hash-chained, with their own ``ledger_head`` row.
AUDIT_CHAIN = "8b4b9217cb2c"
#: From here on the database refuses UPDATE and DELETE of ledger entries, audit events and checkpoints.
APPEND_ONLY = "8992736fd474"
#: From here on an audit event may record its origin, which its hash then covers.
AUDIT_ORIGIN = "6d2a9c4e7b13"


def applied(connection: Connection) -> frozenset[str]:
    """The revision the database stands at and every revision below it (empty at base)."""
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current is None:
        return frozenset()
    return frozenset(revision.revision for revision in _script().iterate_revisions(current, "base"))


@cache
def _script() -> ScriptDirectory:
    """The migration graph, read once: the walk asks at every step, and reading it anew loaded
    every revision file each time (a tenth of the walk's time)."""
    return ScriptDirectory.from_config(database.alembic_config())


def points_scale(connection: Connection) -> int:
    """What a stored points value must be divided by to give points: 100 on SQLite from
    :data:`POINTS_IN_HUNDREDTHS` on, else 1."""
    return 100 if connection.dialect.name == "sqlite" and POINTS_IN_HUNDREDTHS in applied(connection) else 1
