"""SEC-F3 Disk full: the export folder, and the SQLite database, on a small tmpfs that is filled up.
Every request that needs the space fails closed with a clear message, nothing half-written is
served or left, attempt state and the bank stay consistent, and everything works again once the
space is freed, without repair. The SQLite cases make their own database file on the small disk,
so they run in both the SQLite and the PostgreSQL runs of the suite (PostgreSQL's data directory is
the shared server's, which a test may not fill)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from examsvc import create_app, database
from examsvc.bank import exports
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, AuditEvent, Question, Role
from tests import dbsetup
from tests.factories import Factory, questions_xlsx
from tests.faults.disk import fill, small_disk
from tests.forms import upload
from tests.scenarios import single_choice_exam, start_through_web
from tests.webclient import ExamClient

QUESTION_ROW = ("单选", "行政处罚的种类不包括下列哪一项？", "警告", "罚款", "记过", "没收违法所得", "C", "解析", "中", "罚款",
                "行政处罚法第九条", "行政处罚法", "2")


@pytest.fixture
def bank_editor(make, client):
    make.questions(40, "single_choice", key=["B"])
    user = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER, username="editor")
    client.login(user.username)
    return user


def test_sec_f3_export_to_a_full_disk_fails_cleanly_and_works_once_space_is_freed(app, bank_editor, client, db,
                                                                                  tmp_path):
    with small_disk(tmp_path / "exports", 1) as disk:
        filler = fill(disk)
        out = disk / "bank.jsonl"
        result = app.test_cli_runner().invoke(args=["export-questions", "--as", "editor", "--format", "jsonl",
                                                    str(out)])
        assert result.exit_code == 1 and "Nothing was exported" in result.output
        assert "No space left on device" in result.output
        assert sorted(p.name for p in disk.iterdir()) == ["filler.bin"]  # no output, no temporary file

        filler.unlink()
        result = app.test_cli_runner().invoke(args=["export-questions", "--as", "editor", "--format", "jsonl",
                                                    str(out)])
        assert result.exit_code == 0, result.output
        assert len([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]) == 40
        assert sorted(p.name for p in disk.iterdir()) == ["bank.jsonl"]
    db.expire_all()
    # Only the export that left the server is audited.
    assert [e.after["questions"] for e in db.scalars(select(AuditEvent).where(
        AuditEvent.action == "export.questions"))] == [40]


def test_sec_f3_page_export_spooled_to_a_full_disk_is_refused_507_and_nothing_is_sent(
        bank_editor, client, db, tmp_path, monkeypatch):
    with small_disk(tmp_path / "spool", 1) as disk:
        # The page spools an export to the temporary folder past SPOOL_BYTES: there, at once.
        monkeypatch.setattr(exports, "SPOOL_BYTES", 1)
        monkeypatch.setattr("tempfile.tempdir", str(disk))
        filler = fill(disk)
        refused = client.get("/bank/export.jsonl", headers={"Accept": "application/json"})
        assert refused.status_code == 507 and "Content-Disposition" not in refused.headers
        assert refused.get_json()["error"] == "disk_full" and "磁盘" in refused.get_json()["message"]
        page = client.get("/bank/export.csv")
        assert page.status_code == 507 and "磁盘" in page.get_data(as_text=True)

        filler.unlink()
        sent = client.get("/bank/export.jsonl")
        assert sent.status_code == 200 and len(sent.get_data(as_text=True).splitlines()) == 40
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export.questions")) == 1


@pytest.fixture
def sqlite_on_small_disk(tmp_path, session_clock):
    """A migrated SQLite database on an 8 MB tmpfs, an app on it and a session for the test."""
    with small_disk(tmp_path / "dbdisk", 8) as disk:
        url = f"sqlite:///{disk / 'examsvc.db'}"
        dbsetup._migrate(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key",
                          "CLOCK": session_clock})
        app.test_client_class = ExamClient
        engine = make_engine(url, sqlite_immediate=False)
        session = make_session_factory(engine)()
        try:
            yield disk, app, session
        finally:
            session.close()
            engine.dispose()
            database.engine(app).dispose()


def _save(client, attempt_id, seq, answer="A"):
    return client.api_post(f"/api/attempts/{attempt_id}/responses",
                           {"slot": 1 + seq % 3, "answer": [answer], "seq": seq, "writer": "fullpage", "base": 0})


def test_sec_f3_sqlite_database_on_a_full_disk_refuses_saves_submit_and_import_then_recovers(
        sqlite_on_small_disk, clock):
    disk, app, db = sqlite_on_small_disk
    make = Factory(db, clock)
    exam = single_choice_exam(make, count=3, minutes=60)
    editor = make.user(Role.BANK_EDITOR, username="editor")
    cadre_client, editor_client = app.test_client(), app.test_client()
    for c, user in ((cadre_client, exam.cadre), (editor_client, editor)):
        c.db_session = db
        c.login(user.username)
    attempt_id = start_through_web(cadre_client, exam.sitting)
    questions_before = db.scalar(select(func.count()).select_from(Question))

    filler = fill(disk)
    # The WAL may still hold free pages: saves go through until the disk is really needed.
    acked, refused = [], []
    for seq in range(1, 400):
        reply = _save(cadre_client, attempt_id, seq)
        (acked if reply.status_code == 200 else refused).append((seq, reply))
        if len(refused) >= 3:
            break
    assert len(refused) >= 3, "the full disk never refused a save"
    for _, reply in refused:
        assert reply.status_code == 503 and reply.get_json()["saved"] is False
        assert reply.get_json()["error"] == "storage_unavailable"
    submitted = cadre_client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    imported = upload(editor_client, "bank.xlsx", questions_xlsx([QUESTION_ROW] * 30))
    assert imported.status_code == 503 and "空间" in imported.get_data(as_text=True)
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    # Fail-closed and consistent: a refused submit leaves the attempt open, with no score.
    assert (submitted.status_code, attempt.is_open) in ((503, True), (200, False))
    assert db.scalar(select(func.count()).select_from(Question)) == questions_before

    filler.unlink()
    for seq, _ in refused:  # the page sends what was refused again, unchanged
        assert _save(cadre_client, attempt_id, seq).status_code == 200
    assert upload(editor_client, "bank.xlsx", questions_xlsx([QUESTION_ROW])).status_code in (200, 302)
    final = cadre_client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    assert final.status_code == 200 and final.get_json()["state"] == "submitted"
    db.expire_all()
    steps = db.execute(text("SELECT client_seq, count(*) FROM response_step WHERE attempt_id = :a AND writer = "
                            "'fullpage' GROUP BY client_seq"), {"a": attempt_id}).all()
    assert sorted(seq for seq, _ in steps) == [seq for seq, _ in acked + refused]
    assert all(n == 1 for _, n in steps)
    assert db.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    print(f"\nSEC-F3 SQLite on a full 8 MB tmpfs: saves acknowledged while full {len(acked)} (all found), refused "
          f"503 {len(refused)} (stored once each after the retry), lost 0")
