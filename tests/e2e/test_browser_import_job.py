"""A large import in a phone's browser (issue 5): the upload lands on the job's page, whose script
moves the progress bar as the job goes on and opens the new batch when it is done; the page runs
under the app's Content-Security-Policy (no inline script)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from question_bank import import_worker
from question_bank.db import make_engine, make_session_factory
from question_bank.models import ImportJob, JobState, Role
from tests.factories import questions_xlsx

ROWS = [("单选", f"第{n}题：下列哪项属于行政处罚？", "警告", "表扬", "奖励", "记功", "A", "解析", "中", "处罚",
         "行政处罚法第九条", "行政处罚法", "2") for n in range(1, 9)]
TIMEOUT = 30_000


def set_job(db, job_id: int, **values) -> None:
    db.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
    db.commit()


@pytest.fixture
def background(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_ROWS", 5)


def test_the_progress_bar_follows_the_job_and_the_batch_opens_when_it_is_done(
        phone, live_server, sign_in, make, db, clock, db_url, background, tmp_path):
    make.user(Role.BANK_EDITOR, username="editor")
    errors = []
    phone.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(phone, "editor")
    phone.goto(f"{live_server}/bank/import")
    upload = tmp_path / "big.xlsx"
    upload.write_bytes(questions_xlsx(ROWS))
    phone.set_input_files("input[type=file]", str(upload))
    phone.click("form.card button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/bank/import/jobs/\d+$"), timeout=TIMEOUT)
    box = phone.locator("[data-import-job]")
    expect(box).to_have_attribute("data-state", "queued", timeout=TIMEOUT)

    job_id = db.scalar(select(ImportJob.id))
    # Each change is a transaction that starts with its write: on SQLite a read transaction that
    # then writes is refused at once ("database is locked") if the page's server wrote in between.
    db.commit()
    set_job(db, job_id, state=JobState.RUNNING, rows_expected=200, rows_done=100)  # as a worker reading it reports
    expect(box).to_have_attribute("data-state", "running", timeout=TIMEOUT)
    expect(phone.locator("[data-progress]")).to_have_js_property("value", 50, timeout=TIMEOUT)

    set_job(db, job_id, state=JobState.QUEUED, rows_done=0)  # back in the queue for the worker below
    engine = make_engine(db_url)
    try:
        assert import_worker.run_one(make_session_factory(engine), clock, "e2e-worker").state == "done"
    finally:
        engine.dispose()
    expect(phone).to_have_url(re.compile(r"/bank/batches/\d+$"), timeout=TIMEOUT)
    expect(phone.locator("main")).to_contain_text("big.xlsx", timeout=TIMEOUT)
    assert not [e for e in errors if "Content Security Policy" in e], errors
