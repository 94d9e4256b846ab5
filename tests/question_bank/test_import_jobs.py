"""Bank imports as background jobs (issue 5, "big files off the request worker"): a job is queued,
claimed by one worker only however many race for it, run to the same outcome as the import in a
request, recovered when its worker dies, and a job that fails half way leaves the bank as it was."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from question_bank import import_worker
from question_bank.db import make_engine, make_session_factory
from question_bank.models import AuditEvent, HeldImport, ImportBatch, ImportJob, JobState, Question, Role
from question_bank.services import import_jobs, importing
from question_bank.services.import_job_reports import load
from tests.factories import questions_xlsx

ROWS = [("单选", f"第{n}题：下列哪项属于行政处罚？", "警告", "表扬", "奖励", "记功", "A", "解析", "中", "处罚",
         "行政处罚法第九条", "行政处罚法", "2") for n in range(1, 6)]


@pytest.fixture
def factory(db_url):
    """Sessions as a worker has them: on SQLite every transaction BEGIN IMMEDIATE (the app's engine)."""
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def queue(db, clock, editor, data: bytes, filename: str = "big.xlsx", mode: str = importing.ALL_OR_NOTHING,
          repeats: str = importing.ASK) -> int:
    job = import_jobs.enqueue(db, clock, editor, filename, data, mode, repeats, "auto")
    db.commit()
    return job.id


def fresh(db, job_id: int) -> ImportJob:
    db.rollback()  # a new snapshot: see what the workers committed
    db.expire_all()
    return db.get(ImportJob, job_id)


def counts(db) -> tuple[int, int]:
    db.rollback()  # a new snapshot: see what the workers committed
    return db.scalar(select(func.count()).select_from(Question)), db.scalar(select(func.count()).select_from(ImportBatch))


def test_a_queued_job_runs_to_done_with_its_batch_and_report(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    job = fresh(db, job_id)
    assert (job.state, job.rows_done, job.rows_total, job.attempts) == (JobState.QUEUED, 0, 0, 0)
    assert counts(db) == (0, 0)  # queuing reads nothing and writes no question

    outcome = import_worker.run_one(factory, clock, "worker-1")

    assert (outcome.job_id, outcome.state) == (job_id, "done")
    job = fresh(db, job_id)
    assert job.state == JobState.DONE and job.attempts == 1 and job.worker == "worker-1"
    assert (job.rows_done, job.rows_total) == (5, 5)
    assert job.data is None  # the file is not kept once imported
    assert counts(db) == (5, 1)
    report = load(db, job.result)
    assert report.batch.id == job.batch_id and report.imported == 5 and report.rows == 5 and not report.refused
    assert report.batch.uploaded_by_id == editor.id
    # The queue is empty now: the next run finds nothing.
    assert import_worker.run_one(factory, clock, "worker-1").job_id is None


def test_a_refused_file_is_a_finished_job_whose_report_lists_the_problems(db, clock, editor, factory):
    bad = ROWS[:2] + [("单选", "没有答案的题", "甲", "乙", "丙", "丁", "", "", "中", "", "", "", "2")]
    job_id = queue(db, clock, editor, questions_xlsx(bad))
    import_worker.run_one(factory, clock, "worker-1")
    job = fresh(db, job_id)
    report = load(db, job.result)
    assert job.state == JobState.DONE and report.refused and job.refusal_id == report.refusal_id
    assert {p.place.row for p in report.errors} == {4}
    assert counts(db) == (0, 0)


def test_a_file_already_in_the_bank_is_held_for_its_uploader(db, clock, editor, factory):
    data = questions_xlsx(ROWS)
    queue(db, clock, editor, data)
    import_worker.run_one(factory, clock, "worker-1")
    second = queue(db, clock, editor, data)
    import_worker.run_one(factory, clock, "worker-1")
    job = fresh(db, second)
    report = load(db, job.result)
    assert report.held and report.same_file is not None and len(report.repeats) == 5
    held = db.get(HeldImport, job.held_import_id)
    assert held.uploaded_by_id == editor.id and held.data == data
    assert counts(db) == (5, 1)


def test_two_workers_racing_for_one_job_run_it_once(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    start = threading.Barrier(2)
    outcomes = {}

    def work(name: str) -> None:
        start.wait(timeout=30)
        outcomes[name] = import_worker.run_one(factory, clock, name)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("host-a", "host-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ran = [name for name, outcome in outcomes.items() if outcome.job_id == job_id]
    assert len(outcomes) == 2 and len(ran) == 1
    job = fresh(db, job_id)
    assert job.state == JobState.DONE and job.attempts == 1 and job.worker == ran[0]
    assert counts(db) == (5, 1)


def test_a_claimed_job_is_not_claimed_again(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    with factory() as first:
        assert import_jobs.claim_next(first, clock, "host-a").id == job_id
        first.commit()
    with factory() as second:
        assert import_jobs.claim_next(second, clock, "host-b") is None


def test_a_claim_holds_its_row_lock_until_it_commits(db, clock, editor, factory, db_url):
    """PostgreSQL: another worker skips the locked job and takes the next one without waiting.
    SQLite: the claim's transaction is BEGIN IMMEDIATE, so a second claim cannot start beside it."""
    first_id = queue(db, clock, editor, questions_xlsx(ROWS))
    second_id = queue(db, clock, editor, questions_xlsx(ROWS[:2]))
    impatient = make_engine(db_url)  # another host's worker, which does not wait for a lock
    if impatient.dialect.name == "sqlite":
        event.listen(impatient, "connect", lambda connection, _record: connection.execute("PRAGMA busy_timeout=0"))
    with factory() as first, make_session_factory(impatient)() as second:
        assert import_jobs.claim_next(first, clock, "host-a").id == first_id  # not committed yet
        if impatient.dialect.name == "postgresql":
            assert import_jobs.claim_next(second, clock, "host-b").id == second_id
            second.commit()
        else:
            with pytest.raises(OperationalError, match="locked"):
                import_jobs.claim_next(second, clock, "host-b")
            second.rollback()
        first.commit()
    impatient.dispose()


def test_a_job_whose_worker_died_is_queued_again_and_run_by_another(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    with factory() as dead:
        import_jobs.claim_next(dead, clock, "dead-worker")
        dead.commit()
    # Within the heartbeat window the job is left to its worker.
    assert import_worker.run_one(factory, clock, "live-worker").job_id is None
    assert fresh(db, job_id).state == JobState.RUNNING

    clock.advance(seconds=import_jobs.STALE_AFTER.total_seconds() + 1)
    outcome = import_worker.run_one(factory, clock, "live-worker")

    assert outcome.recovered == [(job_id, "queued")] and outcome.job_id == job_id and outcome.state == "done"
    job = fresh(db, job_id)
    assert job.state == JobState.DONE and job.attempts == 2 and job.worker == "live-worker"
    assert counts(db) == (5, 1)


def test_a_job_that_keeps_losing_its_worker_fails_visibly(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    for n in range(import_jobs.MAX_ATTEMPTS):
        with factory() as session:
            import_jobs.recover_stalled(session, clock)
            assert import_jobs.claim_next(session, clock, f"dying-{n}").id == job_id
            session.commit()
        clock.advance(seconds=import_jobs.STALE_AFTER.total_seconds() + 1)
    outcome = import_worker.run_one(factory, clock, "live-worker")
    assert outcome.recovered == [(job_id, "failed")] and outcome.job_id is None
    job = fresh(db, job_id)
    assert job.state == JobState.FAILED and job.failure["message"] == import_jobs.WORKER_LOST
    assert job.failure["params"] == {"attempts": import_jobs.MAX_ATTEMPTS}
    assert counts(db) == (0, 0)


def test_a_slow_worker_whose_job_was_taken_over_cannot_finish_it(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    with factory() as session:
        import_jobs.claim_next(session, clock, "slow-worker")
        session.commit()
    clock.advance(seconds=import_jobs.STALE_AFTER.total_seconds() + 1)
    with factory() as session:
        import_jobs.recover_stalled(session, clock)
        import_jobs.claim_next(session, clock, "new-worker")
        session.commit()
    with factory() as session:
        report = importing.ImportReport(filename="big.xlsx", mode=importing.ALL_OR_NOTHING)
        assert not import_jobs.finish(session, clock, job_id, "slow-worker", report, None)
        assert not import_jobs.beat(session, clock, job_id, "slow-worker", 1, 5)
        session.rollback()
    assert fresh(db, job_id).worker == "new-worker"


def test_a_job_failing_half_way_leaves_the_bank_as_it_was(db, clock, editor, factory, monkeypatch):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))

    def broken(*_args, **_kwargs):  # after the questions and the batch were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "citation_report", broken)
    outcome = import_worker.run_one(factory, clock, "worker-1")

    assert outcome.state == "failed"
    job = fresh(db, job_id)
    assert job.state == JobState.FAILED and job.failure["message"] == import_jobs.INTERNAL_ERROR
    assert job.batch_id is None and job.data is None
    assert counts(db) == (0, 0)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "batch.import")) == 0


def test_a_job_whose_uploader_lost_the_editor_role_fails_and_imports_nothing(db, clock, editor, factory, make):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    monkey = make.user(Role.BANK_REVIEWER)
    fresh(db, job_id).uploaded_by_id = monkey.id  # as if the editor role had been taken away
    db.commit()
    assert import_worker.run_one(factory, clock, "worker-1").state == "failed"
    assert fresh(db, job_id).state == JobState.FAILED
    assert counts(db) == (0, 0)


def test_the_heartbeat_writes_progress_while_the_import_runs(db, clock, editor, factory):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    with factory() as session:
        import_jobs.claim_next(session, clock, "worker-1")
        session.commit()
    clock.advance(seconds=30)
    heartbeat = import_worker.Heartbeat(factory.kw["bind"], clock, job_id, "worker-1")
    heartbeat.progress(2, 5)
    heartbeat.beat()
    job = fresh(db, job_id)
    assert (job.rows_done, job.rows_total) == (2, 5) and job.heartbeat_at == clock.now()


def test_a_job_is_seen_by_its_uploader_and_the_bank_reviewers_only(db, clock, editor, make):
    job_id = queue(db, clock, editor, questions_xlsx(ROWS))
    assert import_jobs.job_for(db, editor, job_id).id == job_id
    assert import_jobs.job_for(db, make.user(Role.BANK_REVIEWER), job_id).id == job_id
    from question_bank.errors import NotFound
    for other in (make.user(Role.BANK_EDITOR), make.user(Role.EXAM_ADMIN)):
        with pytest.raises(NotFound):
            import_jobs.job_for(db, other, job_id)


def test_queuing_refuses_an_unknown_choice_and_anyone_not_an_editor(db, clock, editor, make):
    from question_bank.errors import InvalidInput, PermissionDenied
    with pytest.raises(InvalidInput):
        import_jobs.enqueue(db, clock, editor, "a.xlsx", b"x", "everything", importing.ASK, "auto")
    with pytest.raises(PermissionDenied):
        import_jobs.enqueue(db, clock, make.user(Role.BANK_REVIEWER), "a.xlsx", b"x", importing.ALL_OR_NOTHING,
                            importing.ASK, "auto")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_the_import_tells_its_progress_as_it_reads_checks_and_writes(db, clock, editor):
    heard = []
    rows = [(*ROWS[0][:1], f"第{n}题：下列哪项属于行政处罚？", *ROWS[0][2:]) for n in range(600)]
    importing.import_questions(db, clock, editor, "big.xlsx", questions_xlsx(rows),
                               progress=lambda done, total: heard.append((done, total)))
    # Rows read (each part checked and written as it is read), the total unknown; then all done.
    assert heard == [(importing.PROGRESS_EVERY, 0), (2 * importing.PROGRESS_EVERY, 0), (600, 600)]


def test_a_job_reads_with_the_longer_time_limit_a_request_does_not_get(db, clock, editor, factory, monkeypatch):
    """A 20,000-row file read on a busy machine can pass the request's 30 s reading limit; the
    job, holding no request, reads it within BACKGROUND_LIMITS (the other limits the same)."""
    from question_bank.formats import spreadsheet

    used = []
    real = spreadsheet.read_table
    monkeypatch.setattr(spreadsheet, "read_table", lambda name, data, limits=spreadsheet.LIMITS:
                        used.append(limits) or real(name, data, limits))
    queue(db, clock, editor, questions_xlsx(ROWS))
    import_worker.run_one(factory, clock, "worker-1")
    importing.import_questions(db, clock, editor, "small.xlsx", questions_xlsx(ROWS[:2]))
    assert [limits.max_seconds for limits in used] == [spreadsheet.BACKGROUND_LIMITS.max_seconds,
                                                        spreadsheet.LIMITS.max_seconds]
    assert spreadsheet.BACKGROUND_LIMITS.max_seconds > spreadsheet.LIMITS.max_seconds
    assert spreadsheet.BACKGROUND_LIMITS.max_rows == spreadsheet.LIMITS.max_rows
