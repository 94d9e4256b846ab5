"""Backing up and restoring the service's database: ``flask --app wsgi backup PATH`` and
``flask --app wsgi restore PATH [--force]`` (SEC-F5).

- SQLite: SQLite's online backup API copies a consistent snapshot while the service keeps
  writing (:mod:`.sqlite`); the backup is itself an SQLite database file.
- PostgreSQL: ``pg_dump`` in its custom format, from a consistent snapshot too; a restore replays it
  through ``pg_restore`` and ``psql`` in one transaction (:mod:`.postgresql`).

Every backup file is encrypted and authenticated (SEC-P5; :mod:`.sealed_file`, with a key derived
from ``EXAMSVC_ID_KEY``). The plain dump exists only for the time of the command, in a private
temporary folder (mode 0700, ``TMPDIR``) that is removed afterwards, failure or not. A restore
opens the whole file first, so a file changed, cut short or written with another key is refused
before anything in the database is touched.

A backup is written beside its destination and renamed into place when complete, so a half-written
file never has the name asked for; an existing file is replaced only with ``--force``. A restore
refuses a database that holds data unless told ``--force`` (a database made by ``db-upgrade`` and
never used holds none), and afterwards checks the hash chains of the score ledger and of the audit
log. The append-only triggers that guard both come across with the tables (SQLite copies the whole
file; pg_dump dumps triggers and the function they call). Stop the service (every worker) while
restoring.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from examsvc import database
from examsvc.backup import sealed_file
from examsvc.backup.errors import BackupError
from question_bank.db import make_session_factory
from question_bank.services import audit, ledger
from question_bank.services.hashchain import ChainCheck

__all__ = ["BackupError", "Outcome", "backup", "holds_data", "restore", "revision_of"]

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


@contextmanager
def _plain_dump() -> Iterator[Path]:
    """The path of a plain dump in a private temporary folder (0700), removed with it afterwards."""
    with tempfile.TemporaryDirectory(prefix="examsvc-backup-") as folder:
        yield Path(folder) / "dump"


def backup(engine: Engine, path: Path, key: bytes, force: bool = False) -> Outcome:
    """Write an encrypted backup of the database behind ``engine`` to ``path``, with the backup
    key ``key`` (:func:`.sealed_file.backup_key`). Raises :class:`BackupError` (``path`` exists and
    not ``force``; a tool missing or of the wrong version; the copy failing)."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(f"{path} exists; choose another name or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with _plain_dump() as plain:
            _module(engine).dump(engine, plain)
            sealed_file.seal(plain, partial, key)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, path.stat().st_size, revision_of(engine))


def restore(engine: Engine, path: Path, key: bytes, force: bool = False) -> Outcome:
    """Replace the database behind ``engine`` with the encrypted backup at ``path`` (backup key
    ``key``), then check the score ledger and the audit log when the data's schema is the code's
    (``Outcome.at_head``; otherwise ``db-upgrade`` first). Raises :class:`BackupError` (no such
    file; not an encrypted backup, written with another key, changed or cut short; not a backup of
    this kind of database; the database holds data and not ``force``; a tool missing or failing),
    in every case but the last before the database is touched."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    module = _module(engine)
    with _plain_dump() as plain:
        sealed_file.open_sealed(path, plain, key)
        module.check_backup_file(plain)
        if holds_data(engine) and not force:
            raise BackupError("the database holds data; restoring would replace all of it. Pass --force to do so "
                              "(take a backup of it first)")
        engine.dispose()
        module.load(engine, plain)
        engine.dispose()
    outcome = Outcome(path, path.stat().st_size, revision_of(engine))
    if outcome.at_head:
        with make_session_factory(engine)() as session:
            outcome = Outcome(outcome.path, outcome.size, outcome.revision, ledger.verify(session),
                              audit.verify(session))
    return outcome
