"""SEC-F5: ``flask --app wsgi backup`` / ``restore`` round-trip a populated database on SQLite (the
online backup API) and PostgreSQL (pg_dump / pg_restore): every row comes back, the score ledger
and the audit log verify, and the restored database refuses to change or remove their entries as
the original did; a chain broken in the backup fails the restore; a database holding data is
replaced only with --force, and missing or mismatched tools and files of the wrong kind are refused
with a reason."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from examsvc import config, create_app, database, id_keys
from examsvc.backup import BackupError, sealed_file
from examsvc.backup import postgresql as pg_backup
from examsvc.backup.sealed_file import backup_key
from question_bank.db import make_engine, make_session_factory
from question_bank.models import AuditEvent, User
from question_bank.services import attempts, audit
from question_bank.services.hashchain import Chain
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


def read(url: str, reader):
    """``reader(connection)`` on a connection of its own to the database at ``url``."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return reader(connection)
    finally:
        engine.dispose()


def picture(url: str) -> snapshots.Snapshot:
    return read(url, snapshots.take)


def triggers(url: str) -> set[tuple[str, str]]:
    return read(url, snapshots.append_only_triggers)


#: The events the commands write about themselves (issue 10, item 4), and the audit chain's head row
#: they move: the backup's event is written after the copy (in the database, not in the file), the
#: restore's in the restored database.
COMMAND_EVENTS = {"audit_event": [{"action": action} for action in ("backup.written", "backup.failed",
                                                                    "restore.done", "restore.refused")],
                  "ledger_head": [{"id": int(Chain.AUDIT)}]}


def same_data(a: snapshots.Snapshot, b: snapshots.Snapshot) -> bool:
    """The same rows in every table, the commands' own events about backups aside."""
    a, b = a.without(COMMAND_EVENTS), b.without(COMMAND_EVENTS)
    return a.counts() == b.counts() and all(
        a.digest(table, set(a.columns[table])) == b.digest(table, set(b.columns[table])) for table in a.rows)


def assert_append_only(url: str) -> None:
    """Changing or removing a ledger entry or an audit event is refused by the database itself."""
    engine = make_engine(url)
    try:
        for statement in ("UPDATE score_record SET reason = 'changed'", "DELETE FROM score_record",
                          "UPDATE audit_event SET detail = 'changed'", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()


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
        assert "audit log intact: " in restored.output and "audit log intact: 0 " not in restored.output
        assert same_data(picture(db_url), picture(fresh))
        assert triggers(fresh) == triggers(db_url) and len(triggers(fresh)) >= 6
        assert_append_only(fresh)


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
        assert triggers(target) == triggers(db_url)
        assert_append_only(target)


@pytest.mark.parametrize("table, chain", [("score_record", "score ledger"), ("audit_event", "audit log")])
def test_sec_f5_a_backup_whose_ledger_or_audit_log_was_tampered_with_fails_the_restore_naming_it(
        db_url, engine, scored, tmp_path, table, chain):
    with engine.begin() as connection, dbsetup.append_only_lifted(connection):
        first = connection.execute(text(f"SELECT min(id) FROM {table}")).scalar()
        connection.execute(text(f"UPDATE {table} SET prev_hash = entry_hash WHERE id = :id"), {"id": first})
    path = tmp_path / "tampered.backup"
    assert cli(db_url, "backup", str(path)).exit_code == 0
    with dbsetup.empty_database(tmp_path, "tampered") as fresh:
        restored = cli(fresh, "restore", str(path))
        assert restored.exit_code == 1
        assert f"the restored {chain} does not verify" in restored.output and f"entry {first} " in restored.output


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


def sealed(content: bytes, folder) -> str:
    """``content`` encrypted as a backup file is, with the tests' key: what a backup of another kind of
    database, or of something else, would look like."""
    plain, path = folder / "plain", folder / "wrong.backup"
    plain.write_bytes(content)
    path.unlink(missing_ok=True)
    sealed_file.seal(plain, path, backup_key(id_keys.master_key(id_keys.key_text(False, config.INSTANCE_DIR))))
    return str(path)


def test_sec_f5_a_file_that_is_no_backup_of_this_database_is_refused(db_url, tmp_path):
    other_kind = (b"PGDMP\x01\x0e\x00", "a PostgreSQL dump") if dbsetup.backend() == "sqlite" else (
        b"SQLite format 3\x00" + bytes(100), "an SQLite database")
    with dbsetup.empty_database(tmp_path, "untouched") as fresh:
        for content, said in (other_kind, (b"hello", "not a")):
            result = cli(fresh, "restore", sealed(content, tmp_path))
            assert result.exit_code == 1 and said in result.output, result.output
        (tmp_path / "plain.backup").write_bytes(other_kind[0])  # a dump as older versions wrote it, unencrypted
        result = cli(fresh, "restore", str(tmp_path / "plain.backup"))
        assert result.exit_code == 1 and "is not an encrypted backup" in result.output, result.output
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


def command_events(url: str, path) -> list[AuditEvent]:
    """The events ``backup`` and ``restore`` wrote about the file ``path`` in the database at ``url``, oldest first."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return [e for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "backup_file")
                                               .order_by(AuditEvent.id)) if e.after["file"] == str(path)]
    finally:
        engine.dispose()


def test_tester_4_backup_and_restore_are_audited_from_the_command_line_with_file_size_and_outcome(
        db_url, scored, tmp_path):
    path = tmp_path / "audited.backup"
    assert cli(db_url, "backup", str(path)).exit_code == 0
    size = path.stat().st_size
    (written,) = command_events(db_url, path)
    assert written.action == "backup.written" and written.actor_id is None and written.object_id == path.name
    assert written.origin == {"channel": "cli", "command": "backup"}
    assert written.after["file"] == str(path) and written.after["size"] == size and written.after["outcome"] == "written"
    assert written.after["os_user"]
    refused = cli(db_url, "backup", str(path))  # exists, not forced
    assert refused.exit_code == 1
    failed = command_events(db_url, path)[-1]
    assert failed.action == "backup.failed" and failed.after["outcome"] == "failed" and "--force" in failed.after["reason"]
    with dbsetup.empty_database(tmp_path, "audited") as fresh:
        assert cli(fresh, "restore", str(path)).exit_code == 0
        (restored,) = command_events(fresh, path)  # the backup's own event is not in the file it describes
        assert restored.action == "restore.done" and restored.origin == {"channel": "cli", "command": "restore"}
        assert restored.after["size"] == size and restored.after["outcome"] == "restored"
        assert restored.after["ledger_verified"] is True and restored.after["audit_log_verified"] is True
        again = cli(fresh, "restore", str(path))  # holds data now: refused, and said in its audit log
        assert again.exit_code == 1
        refusal = command_events(fresh, path)[-1]
        assert refusal.action == "restore.refused" and "holds data" in refusal.after["reason"]
        engine = make_engine(fresh)
        with make_session_factory(engine)() as session:
            assert audit.verify(session).ok
        engine.dispose()


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_tester_4_a_backup_file_is_readable_by_its_owner_only(db_url, scored, tmp_path, umask):
    replaced = tmp_path / "replaced.backup"
    replaced.write_bytes(b"an older backup")
    replaced.chmod(0o644)
    previous = os.umask(umask)
    try:
        for args in (["backup", str(tmp_path / "new.backup")], ["backup", "--force", str(replaced)]):
            assert cli(db_url, *args).exit_code == 0
    finally:
        os.umask(previous)
    for path in (tmp_path / "new.backup", replaced):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
