"""An acknowledged save survives a crash: SQLite runs in WAL mode with ``synchronous=FULL`` (every
commit synced before it returns), and a PostgreSQL connection on which commits are not durable
(``synchronous_commit`` off) is reported in the log at the first connection."""

from __future__ import annotations

import logging
import os

from sqlalchemy import text

from question_bank.db import make_engine
from tests.dbsetup import DEFAULT_PG


def test_sqlite_syncs_every_commit_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_postgresql_with_synchronous_commit_off_is_warned_about_at_the_first_connection(caplog):
    url = os.environ.get("EXAMSVC_TEST_DATABASE_URL", DEFAULT_PG)
    lax = make_engine(url, connect_args={"options": "-c synchronous_commit=off"})
    strict = make_engine(url)
    try:
        with caplog.at_level(logging.WARNING, logger="question_bank.db"):
            with lax.connect() as connection:
                assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
            with lax.connect():
                pass
        warnings = [r.getMessage() for r in caplog.records if r.name == "question_bank.db"]
        assert len(warnings) == 1 and "synchronous_commit is off" in warnings[0]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="question_bank.db"):
            with strict.connect() as connection:
                assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert [r for r in caplog.records if r.name == "question_bank.db"] == []
    finally:
        lax.dispose()
        strict.dispose()
