"""What a served app checks before it takes requests (``gunicorn.conf.py``'s ``post_worker_init``):
a worker that finds a problem fails to boot, and gunicorn stops with the reason in its log, instead
of serving requests that would fail or quietly go wrong. Outside trial, issue 7:

- **The schema is the code's**: every migration applied, none this code does not know. Code newer
  than the schema failed every autosave (``function slot_steps_after_lock does not exist``) and
  nothing said why; code older than the schema may write what the newer schema forbids.
- **EXAMSVC_ID_KEY opens the ID numbers stored**: with another key the service ran on, every number
  showed as unreadable, and the checks that find a person by number (a duplicate account, a roster
  or account import's match) quietly found nobody, since the lookup hashes are keyed too. The check
  opens up to :data:`ID_SAMPLE` stored numbers and refuses only when none opens: one damaged row is
  shown as unreadable where it appears (``id_vault.masked``) and must not stop the service.

A database that cannot be reached at a worker's start is not a reason to refuse (a worker restarted
during an outage must serve once the database is back, as the pool does): the checks are then
skipped, and logged.
"""

from __future__ import annotations

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from examsvc import database
from question_bank import id_vault
from question_bank.db import read_outside_transaction
from question_bank.models import User

logger = logging.getLogger(__name__)

#: Stored ID numbers tried at start; the key is refused only when none of them opens.
ID_SAMPLE = 20


class NotReadyToServe(RuntimeError):
    """The app must not serve: the message says what is wrong and what to do."""


def problems(app: Flask) -> list[str]:
    """What stops ``app`` from serving its database (texts for the operator's log); [] when
    nothing does, or when the database cannot be reached now (logged as a warning)."""
    script = ScriptDirectory.from_config(database.alembic_config())  # read before the database is asked
    try:
        # On SQLite without BEGIN IMMEDIATE: a worker booting must not hold the write lock (a test
        # writing meanwhile met "database is locked").
        with Session(database.engine(app)) as session, read_outside_transaction(session):
            connection = session.connection()
            found = _schema_problems(connection, script)
            if not found:  # the account columns are those of the code's schema
                found = _id_key_problems(connection)
            return found
    except OperationalError as exc:
        logger.warning("The start-up checks were skipped: the database cannot be reached (%s)", exc.orig)
        return []


def refuse_unless_ready(app: Flask) -> None:
    """Raise :class:`NotReadyToServe` naming every :func:`problems` of ``app``; nothing otherwise."""
    found = problems(app)
    if found:
        raise NotReadyToServe("examsvc will not serve: " + "; ".join(found))


def _schema_problems(connection: Connection, script: ScriptDirectory) -> list[str]:
    wanted = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == wanted:
        return []
    known = {revision.revision for revision in script.walk_revisions()}
    if current - known:
        return [f"the database's schema is at revision {', '.join(sorted(current))}, which this code does not know "
                "(a newer release migrated it): run that release, or restore a backup made for this one"]
    return [f"the database's schema is at revision {', '.join(sorted(current)) or '(none)'}, this code needs "
            f"{', '.join(sorted(wanted))}: run `flask --app wsgi db-upgrade` first"]


def _id_key_problems(connection: Connection) -> list[str]:
    stored = connection.execute(
        select(User.id, User.id_number_sealed, User.id_number_lookup)
        .where(User.id_number_sealed.is_not(None)).order_by(User.id).limit(ID_SAMPLE)).all()
    vault = id_vault.current()
    if not stored or any(_opens(vault, sealed, lookup) for _account, sealed, lookup in stored):
        return []
    accounts = ", ".join(str(row[0]) for row in stored[:5]) + (" …" if len(stored) > 5 else "")
    return [f"EXAMSVC_ID_KEY opens none of the {len(stored)} ID numbers tried (accounts {accounts}): it is not "
            "the key they were sealed with; set the key the database was made with"]


def _opens(vault: id_vault.IdVault, sealed: str, lookup: str | None) -> bool:
    try:
        vault.open(sealed, lookup or "")
    except id_vault.IdVaultError:
        return False
    return True
