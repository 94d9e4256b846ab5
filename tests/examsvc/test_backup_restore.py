"""SEC-F5: ``flask --app wsgi backup`` / ``restore`` round-trip a populated database on SQLite (the
online backup API) and PostgreSQL (pg_dump / pg_restore): every row comes back, the score ledger
verifies, a database holding data is replaced only with --force, and missing or mismatched tools
and files of the wrong kind are refused with a reason."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from sqlalchemy import select

from examsvc import create_app, database
from examsvc.backup import BackupError
from examsvc.backup import postgresql as pg_backup
from question_bank.db import make_engine, make_session_factory
from question_bank.models import User
from question_bank.services import attempts
from tests import dbsetup
from tests.migrations import snapshots
from tests.scenarios import single_choice_exam


def cli(url: str, *args: str):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key"})
    result = app.test_cli_runner().invoke(args=list(args))
    database.engine(app).dispose()
    return result


@pytest.fixture
def scored(db, clock, make):
    """Three candidates who sat and submitted: attempts, steps, marks, score records, audit."""
    for _ in range(3):
        exam = single_choice_exam(make)
        attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
        attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["B"], 1, "page")
        attempts.submit_attempt(db, clock, exam.cadre, attempt.id, {2: ["B"]})
        db.commit()


def picture(url: str) -> snapshots.Snapshot:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return snapshots.take(connection)
    finally:
        engine.dispose()


def same_data(a: snapshots.Snapshot, b: snapshots.Snapshot) -> bool:
    return a.counts() == b.counts() and all(
        a.digest(table, set(a.columns[table])) == b.digest(table, set(b.columns[table])) for table in a.rows)


def test_sec_f5_a_backup_restored_into_a_fresh_database_brings_every_row_back_and_the_ledger_verifies(
        db_url, scored, tmp_path):
    path = tmp_path / "examsvc.backup"
    made = cli(db_url, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output and path.stat().st_size > 0
    assert not path.with_name(path.name + ".partial").exists()
    with dbsetup.empty_database(tmp_path, "restored") as fresh:
        restored = cli(fresh, "restore", str(path))
        assert restored.exit_code == 0, restored.output
        assert "score ledger intact: 3 entries" in restored.output
        assert same_data(picture(db_url), picture(fresh))


def test_sec_f5_restore_replaces_a_database_holding_data_only_when_forced(db_url, scored, tmp_path):
    path = tmp_path / "examsvc.backup"
    assert cli(db_url, "backup", str(path)).exit_code == 0
    with dbsetup.empty_database(tmp_path, "target") as target:
        assert cli(target, "restore", str(path)).exit_code == 0
        engine = make_engine(target)
        with make_session_factory(engine)() as session:
            session.scalars(select(User).limit(1)).one().display_name = "恢复后改动"
            session.commit()
        engine.dispose()
        refused = cli(target, "restore", str(path))
        assert refused.exit_code == 1 and "holds data" in refused.output and "--force" in refused.output
        assert "恢复后改动" in str(picture(target).rows["user_account"])
        forced = cli(target, "restore", "--force", str(path))
        assert forced.exit_code == 0, forced.output
        assert same_data(picture(db_url), picture(target))


def test_sec_f5_a_backup_taken_while_candidates_save_is_consistent(db_url, db, clock, make, tmp_path):
    exam = single_choice_exam(make, count=5)
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    db.commit()
    engine = make_engine(db_url)
    stop = threading.Event()
    saved = []

    def candidate() -> None:
        with make_session_factory(engine)() as session:
            cadre = session.get(User, exam.cadre.id)
            seq = 0
            while not stop.is_set() and seq < 5000:
                seq += 1
                attempts.save_response(session, clock, cadre, attempt.id, seq % 5 + 1, ["A"], seq, "page")
                session.commit()
                saved.append(seq)

    writer = threading.Thread(target=candidate)
    writer.start()
    try:
        while len(saved) < 20:  # the writer is under way before the backup starts
            writer.join(0.01)
        path = tmp_path / "during.backup"
        result = cli(db_url, "backup", str(path))
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert result.exit_code == 0, result.output
    with dbsetup.empty_database(tmp_path, "during") as fresh:
        restored = cli(fresh, "restore", str(path))
        assert restored.exit_code == 0 and "score ledger intact" in restored.output
        steps = len(picture(fresh).rows["response_step"])
        assert 20 <= steps <= len(saved)


def test_sec_f5_a_backup_does_not_overwrite_a_file_unless_forced(db_url, tmp_path):
    path = tmp_path / "kept.backup"
    path.write_bytes(b"an older backup")
    refused = cli(db_url, "backup", str(path))
    assert refused.exit_code == 1 and "--force" in refused.output and path.read_bytes() == b"an older backup"
    assert cli(db_url, "backup", "--force", str(path)).exit_code == 0 and path.read_bytes() != b"an older backup"


def test_sec_f5_a_file_that_is_no_backup_of_this_database_is_refused(db_url, tmp_path):
    other_kind = (b"PGDMP\x01\x0e\x00", "a PostgreSQL dump") if dbsetup.backend() == "sqlite" else (
        b"SQLite format 3\x00" + bytes(100), "an SQLite database")
    with dbsetup.empty_database(tmp_path, "untouched") as fresh:
        for content, said in (other_kind, (b"hello", "not a")):
            path = tmp_path / "wrong.backup"
            path.write_bytes(content)
            result = cli(fresh, "restore", str(path))
            assert result.exit_code == 1 and said in result.output, result.output
        assert picture(fresh).rows == {}
    assert "no backup file" in cli(db_url, "restore", str(tmp_path / "missing.backup")).output


def _fake_tool(folder, name: str, version: str) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_sec_f5_missing_or_too_old_postgresql_tools_are_named_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(os.environ, "EXAMSVC_PG_BIN_DIR", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client-15"):
        pg_backup.find_tool("pg_dump", 15)
    _fake_tool(tmp_path, "pg_dump", "9.6.24")
    with pytest.raises(BackupError, match="pg_dump 9 is older than the database server \\(15\\)"):
        pg_backup.find_tool("pg_dump", 15)
    _fake_tool(tmp_path, "pg_restore", "16.2")
    assert pg_backup.find_tool("pg_restore", 15) == str(tmp_path / "pg_restore")
