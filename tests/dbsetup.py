"""Test databases: one per test session, made by the migrations, emptied after every test.

``EXAMSVC_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``. PostgreSQL is
reached at ``EXAMSVC_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
a uniquely named database is created there for the session and dropped after it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
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
    """Yield the URL of a fresh database migrated to ``revision``; drop it afterwards.

    The first database of each revision in a test process is made by the migrations and kept as a
    template; the later ones are copies of it (SQLite's backup, PostgreSQL's ``CREATE DATABASE …
    TEMPLATE``), which cost a fraction of walking every migration again. The templates are
    dropped when the process ends."""
    template = _templates.get(revision)
    if template is None:
        with empty_database(tmp_dir) as url:
            _migrate(url, revision)
            _templates[revision] = template = _keep_as_template(url)
    with empty_database(tmp_dir, template=template) as url:
        yield url


#: revision → its template: a SQLite file's path, or a PostgreSQL database's name.
_templates: dict[str, str] = {}


def _keep_as_template(url: str) -> str:
    """A copy of the migrated database at ``url``, kept until the process ends; returns its name."""
    if backend() == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="examsvc-template-", dir=_memory_dir()))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        _sqlite_copy(make_url(url).database, path)
        return str(path)
    name = f"examsvc_template_{uuid.uuid4().hex[:12]}"
    with _admin() as admin, admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
    atexit.register(_drop_database, name)
    return name


def _sqlite_copy(source: str, target: Path) -> None:
    """Copy a SQLite database with SQLite's own backup (a WAL file's pages included)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@contextmanager
def _admin() -> Iterator[Engine]:
    """An engine on PostgreSQL's maintenance database, in autocommit (CREATE/DROP DATABASE)."""
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        yield admin
    finally:
        admin.dispose()


def _admin_url():
    return make_url(os.environ.get("EXAMSVC_TEST_DATABASE_URL", DEFAULT_PG))


def _drop_database(name: str) -> None:
    with _admin() as admin, admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def empty_database(tmp_dir: Path, name: str = "examsvc-test", template: str | None = None) -> Iterator[str]:
    """Yield the URL of a new database on the chosen backend, empty (no schema) or a copy of
    ``template`` (see :func:`test_database`); drop it afterwards."""
    if backend() == "sqlite":
        with _memory_backed(tmp_dir) as folder:
            path = folder / (name + ".db")
            if template:
                _sqlite_copy(template, path)
            yield f"sqlite:///{path}"
        return
    database_name = f"examsvc_test_{uuid.uuid4().hex[:12]}"
    copied = f' TEMPLATE "{template}"' if template else ""
    with _admin() as admin, admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database_name}"{copied}'))
        # A commit waits for its WAL record to reach the disk: 3.9 ms here against 0.1 ms without
        # the wait, on the tens of thousands of commits of a run. Only a crash of the PostgreSQL
        # server could lose such commits, which no test makes (SEC-F2 cuts connections, kill -9
        # kills the service's workers); the service warns of this setting on its first connection
        # (``question_bank.db.durability_warnings``), which these test databases accept.
        conn.execute(text(f'ALTER DATABASE "{database_name}" SET synchronous_commit = off'))
    try:
        yield _admin_url().set(database=database_name).render_as_string(hide_password=False)
    finally:
        _drop_database(database_name)


@contextmanager
def _memory_backed(tmp_dir: Path) -> Iterator[Path]:
    """A folder for a test's SQLite files: in /dev/shm where the machine has it, else ``tmp_dir``.

    The service syncs every SQLite commit to disk (``synchronous=FULL``, ``question_bank.db``), and
    on the CI machine's disk those syncs took about a tenth of the suite's time; on a memory file
    system a sync costs nothing, while every statement, lock and transaction runs as on disk (the
    tests that kill processes lose no more than they would: a killed process is not a lost disk)."""
    shm = _memory_dir()
    if shm is None:
        yield tmp_dir
        return
    with tempfile.TemporaryDirectory(prefix="examsvc-test-", dir=shm) as folder:
        yield Path(folder)


def _memory_dir() -> Path | None:
    """/dev/shm when the machine has it and it can be written, else None."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


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
