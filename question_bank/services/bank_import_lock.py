"""One bank import at a time (outside trial): each import checks its rows against the bank as its
own transaction sees it, and two imports of the same questions running at once on PostgreSQL each
saw the bank without the other's rows, so neither flagged nor held the 300 repeats the other was
writing. An import therefore holds a PostgreSQL advisory lock (transaction level, so it is let go
at COMMIT or ROLLBACK and lives in the database, not in a worker: any worker of any host waits
for it) from before its first look at the bank until it ends. SQLite takes no such lock: its
transactions begin with ``BEGIN IMMEDIATE``, so imports there already run one after another.

A background job waits for the lock. An import made inside a web request does not wait (a long job
would keep the request past the worker's timeout): it is refused with a message saying why, having
written nothing. Editors' single saves do not take the lock (they are short; their race with an
import is not closed by this).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.errors import N_, Conflict

#: The advisory lock's key (64 bits; any constant no other lock of this database uses).
IMPORT_LOCK_KEY = 0x6578_616D_5F69_6D70  # "exam_imp"


class ImportRunning(Conflict):
    """Another import into the bank is running; this one wrote nothing."""

    template = N_("Another import into the question bank is running now, so this file was not imported and "
                  "nothing of it was stored. Upload it again when that import has finished (the import jobs "
                  "page shows it).")


def hold(session: Session, *, wait: bool) -> None:
    """Take the bank's import lock for the rest of ``session``'s transaction (PostgreSQL; nothing on
    SQLite). ``wait``: wait for another import to end; otherwise raise :class:`ImportRunning` at
    once when one holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK_KEY)))
    elif not session.scalar(select(func.pg_try_advisory_xact_lock(IMPORT_LOCK_KEY))):
        raise ImportRunning()
