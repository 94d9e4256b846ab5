"""Test databases: one per test session, made by the migrations, emptied after every test.

``EXAMSVC_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``. PostgreSQL is
reached at ``EXAMSVC_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
a uniquely named database is created there for the session and dropped after it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from examsvc import database
from question_bank.db import Base, make_engine
from question_bank.services.hashchain import GENESIS_HASH

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    name = os.environ.get("EXAMSVC_TEST_DB", "sqlite")
    if name not in ("sqlite", "postgresql"):
        raise SystemExit(f"EXAMSVC_TEST_DB must be sqlite or postgresql, not {name!r}")
    return name


@contextmanager
def test_database(tmp_dir: Path, revision: str = "head") -> Iterator[str]:
    """Yield the URL of a fresh database migrated to ``revision``; drop it afterwards."""
    with empty_database(tmp_dir) as url:
        _migrate(url, revision)
        yield url


@contextmanager
def empty_database(tmp_dir: Path, name: str = "examsvc-test") -> Iterator[str]:
    """Yield the URL of a new, empty database (no schema) on the chosen backend; drop it afterwards."""
    if backend() == "sqlite":
        with _memory_backed(tmp_dir) as folder:
            yield f"sqlite:///{folder / (name + '.db')}"
        return
    admin_url = make_url(os.environ.get("EXAMSVC_TEST_DATABASE_URL", DEFAULT_PG))
    database_name = f"examsvc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database_name}"'))
        # A commit waits for its WAL record to reach the disk: 3.9 ms here against 0.1 ms without
        # the wait, on the tens of thousands of commits of a run. Only a crash of the PostgreSQL
        # server could lose such commits, which no test makes (SEC-F2 cuts connections, kill -9
        # kills the service's workers); the service warns of this setting on its first connection
        # (``question_bank.db.durability_warnings``), which these test databases accept.
        conn.execute(text(f'ALTER DATABASE "{database_name}" SET synchronous_commit = off'))
    try:
        yield admin_url.set(database=database_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _memory_backed(tmp_dir: Path) -> Iterator[Path]:
    """A folder for a test's SQLite files: in /dev/shm where the machine has it, else ``tmp_dir``.

    The service syncs every SQLite commit to disk (``synchronous=FULL``, ``question_bank.db``), and
    on the CI machine's disk those syncs took about a tenth of the suite's time; on a memory file
    system a sync costs nothing, while every statement, lock and transaction runs as on disk (the
    tests that kill processes lose no more than they would: a killed process is not a lost disk)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_dir
        return
    with tempfile.TemporaryDirectory(prefix="examsvc-test-", dir=shm) as folder:
        yield Path(folder)


def _migrate(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    database.upgrade(engine, revision)
    engine.dispose()


@contextmanager
def append_only_lifted(conn: Connection) -> Iterator[None]:
    """For the test harness only: within ``conn``'s transaction, UPDATE and DELETE of the
    append-only tables (score ledger, audit log, checkpoints) are let through, to empty them
    between tests or to play someone tampering with the database from outside the service.

    PostgreSQL: ``SET LOCAL session_replication_role = replica`` turns ordinary triggers off for
    this transaction only. Setting it needs a superuser (the tests connect as ``postgres``); the
    application's own role cannot, so the protection it meets stays real. SQLite: the triggers are
    dropped and made again from their own SQL inside the same transaction.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    saved = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'append_only%' ORDER BY name")).all()
    for name, _sql in saved:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    try:
        yield
    finally:
        for _name, sql in saved:
            conn.execute(text(sql))


def _tables_with_rows(conn: Connection, tables: list[str]) -> set[str]:
    """Which of ``tables`` hold a row, asked in one statement: most tests touch a few of the
    schema's tables, and a DELETE of each empty one (with its foreign-key checks) made the
    clean-up between tests cost more than many of the tests themselves."""
    probes = " UNION ALL ".join(f"SELECT '{t}' FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS \"_{t}\"" for t in tables)
    return set(conn.execute(text(probes)).scalars())


def empty_all_tables(engine: Engine) -> None:
    """Remove every row the test made, and reset the head rows of the score ledger and the audit log."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "ledger_head"]
    with engine.begin() as conn:
        filled = _tables_with_rows(conn, tables)
        ledger_moved = conn.execute(text("SELECT 1 FROM ledger_head WHERE last_hash <> :h OR entry_count <> 0"),
                                    {"h": GENESIS_HASH}).first() is not None
        if not filled and not ledger_moved:
            return
        # DELETE, not TRUNCATE: on tables of a few rows it is several times faster on PostgreSQL, and
        # no test depends on ids starting again from 1.
        with append_only_lifted(conn):
            if "question" in filled:
                conn.execute(text("UPDATE question SET current_version_id = NULL, published_version_id = NULL, "
                                  "duplicate_of_id = NULL"))
            for table in tables:
                if table in filled:
                    conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("UPDATE ledger_head SET last_hash = :h, entry_count = 0"), {"h": GENESIS_HASH})
