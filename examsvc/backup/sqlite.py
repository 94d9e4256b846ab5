"""SQLite backups through SQLite's online backup API (``sqlite3.Connection.backup``): a consistent
copy of the database taken while the service goes on writing, in WAL mode too."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from examsvc.backup.errors import BackupError

_HEADER = b"SQLite format 3\x00"


def _database_file(engine: Engine) -> str:
    name = engine.url.database
    if not name or name == ":memory:":
        raise BackupError("this SQLite database lives in memory; there is no file to back up or restore")
    return name


def dump(engine: Engine, target: Path) -> None:
    """Copy the database into the new SQLite file ``target``, then check the copy's integrity."""
    source = sqlite3.connect(f"file:{_database_file(engine)}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        # All pages in one step: a consistent snapshot, however much the service writes meanwhile.
        source.backup(copy)
        # The backup is a plain file: no WAL beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from exc
    finally:
        copy.close()
        source.close()
    if result != "ok":
        raise BackupError(f"the backup copy does not pass SQLite's integrity check: {result}")


def check_backup_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database (a PostgreSQL dump, anything else)."""
    with path.open("rb") as file:
        head = file.read(len(_HEADER))
    if head != _HEADER:
        kind = "a PostgreSQL dump" if head.startswith(b"PGDMP") else "not an SQLite database"
        raise BackupError(f"{path} is {kind}; this service's database is SQLite")


def load(engine: Engine, path: Path) -> None:
    """Replace the database's whole content with the backup file's, in one step."""
    target_name = _database_file(engine)
    Path(target_name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(target_name)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"the restore failed: {exc}") from exc
    finally:
        target.close()
        source.close()
