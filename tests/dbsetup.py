"""Test databases: one per test session, made by the migrations, emptied after every test.

``EXAMSVC_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``. PostgreSQL is
reached at ``EXAMSVC_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
a uniquely named database is created there for the session and dropped after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from examsvc import database
from question_bank.db import Base, make_engine
from question_bank.services.ledger import GENESIS_HASH, HEAD_ID

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    name = os.environ.get("EXAMSVC_TEST_DB", "sqlite")
    if name not in ("sqlite", "postgresql"):
        raise SystemExit(f"EXAMSVC_TEST_DB must be sqlite or postgresql, not {name!r}")
    return name


@contextmanager
def test_database(tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of a fresh, migrated database; drop it afterwards."""
    with empty_database(tmp_dir) as url:
        _migrate(url)
        yield url


@contextmanager
def empty_database(tmp_dir: Path, name: str = "examsvc-test") -> Iterator[str]:
    """Yield the URL of a new, empty database (no schema) on the chosen backend; drop it afterwards."""
    if backend() == "sqlite":
        yield f"sqlite:///{tmp_dir / (name + '.db')}"
        return
    admin_url = make_url(os.environ.get("EXAMSVC_TEST_DATABASE_URL", DEFAULT_PG))
    database_name = f"examsvc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database_name}"'))
    try:
        yield admin_url.set(database=database_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    database.upgrade(engine)
    engine.dispose()


def empty_all_tables(engine: Engine) -> None:
    """Remove every row the test made, and reset the score ledger's head row."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "ledger_head"]
    # DELETE, not TRUNCATE: on tables of a few rows it is several times faster on PostgreSQL, and
    # no test depends on ids starting again from 1.
    with engine.begin() as conn:
        conn.execute(text("UPDATE question SET current_version_id = NULL, published_version_id = NULL, duplicate_of_id = NULL"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("UPDATE ledger_head SET last_hash = :h, entry_count = 0 WHERE id = :id"),
                     {"h": GENESIS_HASH, "id": HEAD_ID})
