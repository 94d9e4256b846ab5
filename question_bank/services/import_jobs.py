"""Bank imports as background jobs (issue 5, "big files off the request worker").

The upload request calls :func:`enqueue` (the file is stored, nothing is read) and returns; a
worker (``question_bank.import_worker``) calls :func:`claim_next`, runs the one importer
(``services.held_imports.import_or_hold``) and records the outcome with :func:`finish` in the
import's own transaction, or :func:`fail` after rolling it back. A job is claimed under a row lock
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the session's transaction is already
``BEGIN IMMEDIATE``, ``question_bank.db.make_engine``), and finished only by the worker whose claim
it holds (``worker`` and ``state`` in the UPDATE's WHERE), so however many workers on however many
hosts poll the table, one job's import is committed at most once.

A worker writes the job's heartbeat while it works; :func:`recover_stalled` puts a job whose
heartbeat stopped (its worker died) back in the queue, or fails it visibly after
:data:`MAX_ATTEMPTS` claims, so no job stays "running" forever.

Every function flushes and never commits: the worker owns the transactions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, NotFound, Problem
from question_bank.models import HeldImport, ImportJob, JobState, Role, User
from question_bank.services import import_formats, importing, protection
from question_bank.services.import_job_reports import store
from question_bank.formats.guarded import clean_filename

#: A running job whose heartbeat is older than this is taken to have lost its worker.
STALE_AFTER = dt.timedelta(minutes=5)
#: Claims a job gets before a stalled one is failed instead of queued again (a file that kills
#: its worker every time must not kill every worker in turn).
MAX_ATTEMPTS = 2
#: The failure a stalled job shows once it has used up its attempts.
WORKER_LOST = N_("the import worker stopped while importing this file (tried %(attempts)d times); nothing was "
                 "imported — upload it again, or ask the administrator to look at the worker's log")
#: The failure shown for an unexpected error (the details go to the worker's log).
INTERNAL_ERROR = N_("the import stopped because of an internal error; nothing was imported — upload the file again, "
                    "or ask the administrator to look at the worker's log")


def enqueue(session: Session, clock: Clock, actor: User, filename: str, data: bytes, mode: str, repeats: str,
            file_format: str, rows_expected: int = 0) -> ImportJob:
    """Store an upload as a queued job for ``actor`` (a bank editor). The choices are checked now,
    so a wrong one is refused in the request (``rows_expected``: the estimated rows, for the
    progress while the file is read): :class:`InvalidInput` for an unknown mode, repeats
    choice or format, :class:`PermissionDenied` for anyone not a bank editor. Flushes."""
    protection.require_role(actor, Role.BANK_EDITOR)
    problems = []
    if mode not in importing.MODES:
        problems.append(Problem(N_("unknown import mode %(mode)s"), {"mode": mode[:20]}, "mode"))
    if repeats not in importing.REPEAT_CHOICES:
        problems.append(Problem(N_("unknown choice for repeats %(value)s"), {"value": repeats[:20]}, "repeats"))
    if file_format != import_formats.AUTO and file_format not in import_formats.READERS:
        problems.append(Problem(N_("unknown import format %(format)s"), {"format": file_format[:20]}, "format"))
    if problems:
        raise InvalidInput(problems)
    job = ImportJob(state=JobState.QUEUED, uploaded_by_id=actor.id, created_at=clock.now(),
                    filename=clean_filename(filename), mode=mode, repeats=repeats, file_format=file_format,
                    size_bytes=len(data), data=data, attempts=0, rows_done=0, rows_total=0,
                    rows_expected=rows_expected)
    session.add(job)
    session.flush()
    return job


def claim_next(session: Session, clock: Clock, worker: str) -> ImportJob | None:
    """Claim the oldest queued job for ``worker`` (state ``running``, heartbeat now, one more
    attempt), or None when the queue is empty. Rows another transaction has locked are skipped
    (PostgreSQL), or the whole claim waits for the one writer (SQLite). Commit at once, before
    the import starts, so that the claim is seen. Flushes."""
    query = select(ImportJob).where(ImportJob.state == JobState.QUEUED).order_by(ImportJob.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is None:
        return None
    now = clock.now()
    job.state, job.worker, job.attempts = JobState.RUNNING, worker, job.attempts + 1
    job.started_at = job.heartbeat_at = now
    job.rows_done = job.rows_total = 0
    session.flush()
    return job


def recover_stalled(session: Session, clock: Clock, stale_after: dt.timedelta = STALE_AFTER,
                    max_attempts: int = MAX_ATTEMPTS) -> list[tuple[int, JobState]]:
    """Put every running job whose heartbeat is older than ``stale_after`` back in the queue, or
    fail it (:data:`WORKER_LOST`) when it has had ``max_attempts`` claims; returns ``(job id, new
    state)`` pairs. A worker that was only slow finds its claim gone and rolls its import back
    (:func:`finish`). Flushes."""
    cutoff = clock.now() - stale_after
    query = (select(ImportJob).where(ImportJob.state == JobState.RUNNING, ImportJob.heartbeat_at < cutoff)
             .order_by(ImportJob.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    changed = []
    for job in session.scalars(query):
        job.worker = None
        if job.attempts >= max_attempts:
            job.state, job.finished_at, job.data = JobState.FAILED, clock.now(), None
            job.failure = {"message": WORKER_LOST, "params": {"attempts": job.attempts}}
        else:
            job.state = JobState.QUEUED
        changed.append((job.id, job.state))
    session.flush()
    return changed


def beat(session: Session, clock: Clock, job_id: int, worker: str, rows_done: int, rows_total: int) -> bool:
    """Write the heartbeat and progress of ``worker``'s running job; False when the claim is no
    longer ``worker``'s. Flushes."""
    result = session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.worker == worker, ImportJob.state == JobState.RUNNING,
    ).values(heartbeat_at=clock.now(), rows_done=rows_done, rows_total=rows_total))
    return result.rowcount == 1


def finish(session: Session, clock: Clock, job_id: int, worker: str, report: importing.ImportReport,
           held: HeldImport | None) -> bool:
    """Record the import's outcome on ``worker``'s job in the import's own transaction: the report
    (:func:`import_job_reports.store`), the batch, the refusal or the held upload. Returns False,
    changing nothing, when the job is no longer ``worker``'s (it was given up as stalled): the
    caller must then roll the import back. Flushes."""
    result = session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.worker == worker, ImportJob.state == JobState.RUNNING,
    ).values(state=JobState.DONE, finished_at=clock.now(), heartbeat_at=clock.now(), data=None,
             rows_done=report.rows, rows_total=report.rows, result=store(report),
             batch_id=report.batch.id if report.batch is not None else None,
             refusal_id=report.refusal_id, held_import_id=held.id if held is not None else None))
    return result.rowcount == 1


def fail(session: Session, clock: Clock, job_id: int, worker: str, problems: list[Problem]) -> bool:
    """Mark ``worker``'s job failed with the first of ``problems`` (what the page shows); False
    when the claim is no longer ``worker``'s. Call after rolling the import back. Flushes."""
    first = problems[0] if problems else Problem(INTERNAL_ERROR)
    place = first.place if isinstance(first.place, str) else ""
    result = session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.worker == worker, ImportJob.state == JobState.RUNNING,
    ).values(state=JobState.FAILED, finished_at=clock.now(), data=None,
             failure={"message": first.message, "params": first.params, "place": place}))
    return result.rowcount == 1


def job_for(session: Session, actor: User, job_id: int) -> ImportJob:
    """The job ``job_id`` as ``actor`` may see it: its uploader, or a bank reviewer (who decides
    the batch it makes). To anyone else, as for an unknown id, :class:`NotFound`."""
    job = session.get(ImportJob, job_id)
    if job is None or not (job.uploaded_by_id == actor.id or actor.has_role(Role.BANK_REVIEWER)):
        raise NotFound()
    return job


def active_jobs(session: Session, actor: User) -> list[ImportJob]:
    """``actor``'s jobs still queued or running, oldest first (the upload page lists them)."""
    return list(session.scalars(select(ImportJob).where(
        ImportJob.uploaded_by_id == actor.id, ImportJob.state.in_((JobState.QUEUED, JobState.RUNNING)),
    ).order_by(ImportJob.id)))
