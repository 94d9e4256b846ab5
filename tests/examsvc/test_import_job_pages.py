"""A large upload's import off the request worker, through the Flask test client (issue 5): the
upload returns at once and leads to the job's page (progress bar, polled JSON, a refresh without
script), and once a worker has run it the page shows what the import in the request shows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from question_bank import import_worker
from question_bank.db import make_engine, make_session_factory
from question_bank.models import ImportBatch, ImportJob, JobState, Question, Role
from tests.examsvc.test_bank_import_pages import in_english
from tests.factories import questions_xlsx
from tests.question_bank.test_row_estimate import moodle_file
from tests.forms import upload

ROWS = [("单选", f"第{n}题：下列哪项属于行政处罚？", "警告", "表扬", "奖励", "记功", "A", "解析", "中", "处罚",
         "行政处罚法第九条", "行政处罚法", "2") for n in range(1, 7)]
JOB_URL = re.compile(r"/bank/import/jobs/(\d+)$")


@pytest.fixture
def background(app, monkeypatch):
    """Every upload of more than six rows (the header counts) goes to a background job."""
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_ROWS", 6)


@pytest.fixture
def run_worker(db_url, clock):
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    yield lambda: import_worker.run_one(factory, clock, "test-worker")
    engine.dispose()


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, username="editor", display_name="编辑甲")
    client.login(user.username)
    in_english(client)
    return user


def queued(client, data: bytes, **choices) -> str:
    response = upload(client, "big.xlsx", data, **choices)
    assert response.status_code == 302
    found = JOB_URL.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(0)


def counts(db) -> tuple[int, int]:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Question)), db.scalar(select(func.count()).select_from(ImportBatch))


def test_a_large_upload_returns_at_once_and_its_page_follows_the_job_to_the_batch(
        client, editor, db, background, run_worker):
    job_url = queued(client, questions_xlsx(ROWS))
    assert counts(db) == (0, 0)  # nothing read or written in the request

    page = client.get(job_url).get_data(as_text=True)
    assert "Waiting for an import worker" in page and "<progress" in page and "编辑甲" in page
    assert "js/import_job.js" in page and 'http-equiv="refresh"' in page  # script, and a refresh without it
    assert "<script>" not in page  # no inline script (CSP)
    status = client.get(job_url + "/status").get_json()
    assert (status["state"], status["finished"], status["percent"]) == ("queued", False, None)
    # The upload page lists the import in progress.
    assert job_url in client.get("/bank/import").get_data(as_text=True)

    assert run_worker().state == "done"

    status = client.get(job_url + "/status").get_json()
    assert status == {**status, "state": "done", "finished": True, "percent": 100, "rows_done": 6, "rows_total": 6,
                      "outcome": "imported", "text": "Finished: the questions were imported."}
    response = client.get(job_url)
    assert response.status_code == 302
    batch_id = db.scalar(select(ImportBatch.id))
    assert response.headers["Location"].endswith(f"/bank/batches/{batch_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "6 questions imported from big.xlsx into batch" in page
    assert counts(db) == (6, 1)
    assert job_url not in client.get("/bank/import").get_data(as_text=True)


def test_a_small_upload_is_still_imported_in_the_request(client, editor, db, background):
    response = upload(client, "small.xlsx", questions_xlsx(ROWS[:5]))
    assert response.status_code == 302 and "/bank/batches/" in response.headers["Location"]
    assert counts(db) == (5, 1)
    assert db.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_a_refused_large_file_shows_the_refusal_with_every_problem(client, editor, db, background, run_worker):
    bad = ROWS + [("单选", "没有答案的题", "甲", "乙", "丙", "丁", "", "", "中", "", "", "", "2")]
    job_url = queued(client, questions_xlsx(bad))
    run_worker()
    status = client.get(job_url + "/status").get_json()
    assert (status["state"], status["outcome"], status["finished"]) == ("done", "refused", True)
    assert "refused and nothing was imported" in status["text"] and "Finished." not in status["text"]
    response = client.get(job_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported." in page and "big.xlsx, sheet 题库, row 8" in page
    assert "/bank/import/refused/" in page  # the whole list for download, as in the request
    assert counts(db) == (0, 0)


def test_a_large_file_already_in_the_bank_offers_the_held_choice_which_runs_in_the_background_too(
        client, editor, db, background, run_worker):
    data = questions_xlsx(ROWS)
    queued(client, data)
    run_worker()
    job_url = queued(client, data)
    run_worker()
    status = client.get(job_url + "/status").get_json()
    assert (status["outcome"], status["finished"]) == ("held", True) and "held until its uploader" in status["text"]
    response = client.get(job_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Nothing was imported yet: this is already in the bank." in page
    action = re.search(r'action="(/bank/import/held/\d+)"', page).group(1)

    response = client.form_post(action, {"keep": "1"})
    assert response.status_code == 302 and JOB_URL.search(response.headers["Location"])
    run_worker()
    assert client.get(response.headers["Location"]).status_code == 302
    assert counts(db) == (12, 2)
    # The held job's page no longer offers a choice already made.
    page = client.get(job_url).get_data(as_text=True)
    assert "already chosen what to do" in page and "/bank/import/held/" not in page


def test_a_failed_job_says_why_and_leaves_the_bank_as_it_was(client, editor, db, background, run_worker, monkeypatch):
    from question_bank.services import importing

    job_url = queued(client, questions_xlsx(ROWS))
    monkeypatch.setattr(importing, "citation_report", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    assert run_worker().state == "failed"
    status = client.get(job_url + "/status").get_json()
    assert status["state"] == "failed" and status["finished"]
    assert "internal error; nothing was imported" in status["text"]
    page = client.get(job_url).get_data(as_text=True)
    assert "The import failed" in page and "Upload a file again" in page and "js/import_job.js" not in page
    assert counts(db) == (0, 0)


def test_only_the_uploader_and_the_bank_reviewers_see_a_job(client, client_factory, editor, make, db, background,
                                                             run_worker):
    job_url = queued(client, questions_xlsx(ROWS))
    other_editor, reviewer, cadre = (make.user(Role.BANK_EDITOR), make.user(Role.BANK_REVIEWER),
                                     make.user(Role.CADRE))
    for person, status in ((other_editor, 404), (cadre, 403), (reviewer, 200)):
        other = client_factory()
        other.login(person.username)
        assert other.get(job_url).status_code == status, person
        assert other.get(job_url + "/status").status_code == status, person
    # A held file's choice is its uploader's: a reviewer is told, not offered the buttons.
    data = questions_xlsx(ROWS)
    run_worker()
    held_url = queued(client, data)
    run_worker()
    watcher = client_factory()
    watcher.login(reviewer.username)
    in_english(watcher)
    page = watcher.get(held_url).get_data(as_text=True)
    assert "held until its uploader decides" in page and "/bank/import/held/" not in page


def test_the_job_page_in_chinese(client, editor, db, background):
    client.form_post("/lang/zh_CN", {"next": "/"})
    job_url = queued(client, questions_xlsx(ROWS))
    page = client.get(job_url).get_data(as_text=True)
    assert "Waiting for an import worker" not in page and "进度" in page


def test_the_import_worker_command_runs_the_queue_once(app, client, editor, db, background):
    queued(client, questions_xlsx(ROWS))
    queued(client, questions_xlsx([(row[0], row[1].replace("行政处罚", "行政许可"), *row[2:]) for row in ROWS]))
    result = app.test_cli_runner().invoke(args=["import-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "ran 2 import job(s)" in result.output
    assert counts(db) == (12, 2)


def test_the_demo_app_runs_queued_jobs_in_a_thread_of_its_own(db_url, session_clock, db, make, clock):
    import time

    from examsvc import create_app
    from question_bank.services import import_jobs, importing

    editor = make.user(Role.BANK_EDITOR)
    job = import_jobs.enqueue(db, clock, editor, "big.xlsx", questions_xlsx(ROWS), importing.ALL_OR_NOTHING,
                              importing.ASK, "auto")
    db.commit()
    demo = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "x", "CLOCK": session_clock,
                       "IMPORT_WORKER_THREAD": True})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.rollback()
            db.expire_all()  # a new snapshot and fresh objects: see what the thread committed
            if db.get(ImportJob, job.id).state == JobState.DONE:
                break
            demo.extensions["import_worker_stop"].wait(0.2)
        assert db.get(ImportJob, job.id).state == JobState.DONE
        assert counts(db) == (6, 1)
    finally:
        demo.extensions["import_worker_stop"].set()


def test_the_progress_follows_the_rows_read_checked_and_written(client, editor, db, background):
    job_url = queued(client, questions_xlsx(ROWS))
    job = db.scalar(select(ImportJob))
    assert job.rows_expected == 7  # the header and six rows, estimated at upload
    job.state, job.rows_expected, job.rows_done = JobState.RUNNING, 2000, 500
    db.commit()
    status = client.get(job_url + "/status").get_json()
    assert status["percent"] == 25 and "500 of about 2,000 rows read, checked and written" in status["text"]
    job.rows_done = 2500  # the estimate was short: the bar waits just below full until the job is done
    db.commit()
    assert client.get(job_url + "/status").get_json()["percent"] == 99
    job.rows_done, job.rows_total = 0, 1999  # a file read whole first (Moodle XML, GIFT, JSON Lines)
    db.commit()
    status = client.get(job_url + "/status").get_json()
    assert status["percent"] == 50 and "1,999 rows read; checking them" in status["text"]
    assert not status["finished"]


def test_a_moodle_xml_upload_goes_to_the_background_by_its_questions_not_its_lines(client, editor, db, background):
    # Pretty-printed, five questions take some seventy lines: still imported in the request.
    response = upload(client, "导出.xml", moodle_file(5, pretty=True))
    assert response.status_code == 302 and "/bank/batches/" in response.headers["Location"]
    assert counts(db) == (5, 1)
    # On one line, eight questions are more than the six the background takes over.
    response = upload(client, "再导出.xml", moodle_file(8, pretty=False))
    assert JOB_URL.search(response.headers["Location"])
    job = db.scalars(select(ImportJob)).one()
    assert job.rows_expected == 8  # the progress bar counts questions too
