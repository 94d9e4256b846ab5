"""Backing up and restoring the service's database: ``flask --app wsgi backup PATH`` and
``flask --app wsgi restore PATH [--force]`` (SEC-F5).

- SQLite: SQLite's online backup API copies a consistent snapshot while the service keeps
  writing (:mod:`.sqlite`); the backup is itself an SQLite database file.
- PostgreSQL: ``pg_dump`` in its custom format, from a consistent snapshot too; a restore replays it
  through ``pg_restore`` and ``psql`` in one transaction (:mod:`.postgresql`).

A backup is written beside its destination and renamed into place when complete, so a half-written
file never has the name asked for; an existing file is replaced only with ``--force``. A restore
refuses a database that holds data unless told ``--force`` (a database made by ``db-upgrade`` and
never used holds none), and afterwards checks the hash chains of the score ledger and of the audit
log. The append-only triggers that guard both come across with the tables (SQLite copies the whole
file; pg_dump dumps triggers and the function they call). Stop the service (every worker) while
restoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from examsvc import database
from examsvc.backup.errors import BackupError
from question_bank.db import make_session_factory
from question_bank.services import audit, ledger
from question_bank.services.hashchain import ChainCheck

__all__ = ["BackupError", "Outcome", "backup", "holds_data", "restore"]

#: Tables whose rows a fresh schema holds already (the ledger's head row, Alembic's version).
_BOOKKEEPING = {"alembic_version", "ledger_head"}


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did: the file, its size in bytes, the schema revision of the data
    (``""`` when it has none), and the checks of the score ledger and the audit log afterwards
    (``None``: not checked)."""

    path: Path
    size: int
    revision: str
    ledger: ChainCheck | None = None
    audit: ChainCheck | None = None

    @property
    def at_head(self) -> bool:
        return self.revision == head_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(database.alembic_config()).get_current_head() or ""


def _module(engine: Engine):
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        from examsvc.backup import sqlite

        return sqlite
    if backend == "postgresql":
        from examsvc.backup import postgresql

        return postgresql
    raise BackupError(f"backups of {backend} databases are not supported (SQLite and PostgreSQL are)")


def holds_data(engine: Engine) -> bool:
    """True when some table holds a row a person made (a fresh schema's bookkeeping rows aside)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - _BOOKKEEPING
        return any(connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() for table in tables)


def revision_of(engine: Engine) -> str:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def backup(engine: Engine, path: Path, force: bool = False) -> Outcome:
    """Write a backup of the database behind ``engine`` to ``path``. Raises :class:`BackupError`
    (``path`` exists and not ``force``; a tool missing or of the wrong version; the copy failing)."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(f"{path} exists; choose another name or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        _module(engine).dump(engine, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, path.stat().st_size, revision_of(engine))


def restore(engine: Engine, path: Path, force: bool = False) -> Outcome:
    """Replace the database behind ``engine`` with the backup at ``path``, then check the score
    ledger and the audit log when the data's schema is the code's (``Outcome.at_head``; otherwise
    ``db-upgrade`` first). Raises :class:`BackupError` (no such file, not a backup of this kind of database, the
    database holds data and not ``force``, a tool missing or failing)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    module = _module(engine)
    module.check_backup_file(path)
    if holds_data(engine) and not force:
        raise BackupError("the database holds data; restoring would replace all of it. Pass --force to do so "
                          "(take a backup of it first)")
    engine.dispose()
    module.load(engine, path)
    engine.dispose()
    outcome = Outcome(path, path.stat().st_size, revision_of(engine))
    if outcome.at_head:
        with make_session_factory(engine)() as session:
            outcome = Outcome(outcome.path, outcome.size, outcome.revision, ledger.verify(session),
                              audit.verify(session))
    return outcome
