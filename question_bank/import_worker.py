"""The worker that runs queued bank imports (``services.import_jobs``): the CLI's
``flask import-worker`` on any number of hosts, and the demo's thread.

Unlike the services, this module owns its transactions: a claim is committed before the import
starts (so other workers see it), the import and the job's outcome are committed together (so a
job is never "done" without its batch, nor a batch written for a job someone else took over), and
a failure rolls the whole import back before the job is marked failed: all or nothing stays all or
nothing. While the import runs, a heartbeat thread writes the job's heartbeat and progress through
its own connection; on SQLite, whose one writer is the import by then, a beat that cannot get the
lock at once is skipped rather than waited for.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from question_bank.clock import Clock
from question_bank.db import SQLITE_BUSY_TIMEOUT_MS
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.models import ImportJob, User
from question_bank.services import audit, held_imports, import_jobs

logger = logging.getLogger(__name__)

#: Seconds between heartbeats of a running job (well inside ``import_jobs.STALE_AFTER``).
HEARTBEAT_SECONDS = 2.0


def worker_name() -> str:
    """A name no other worker has: host, process and a random part."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Outcome:
    """What :func:`run_one` did: the job's id (None: the queue was empty), its final state, and
    the jobs :func:`import_jobs.recover_stalled` re-queued or failed before the claim."""

    job_id: int | None
    state: str | None
    recovered: list[tuple[int, str]]


class Heartbeat:
    """Writes ``import_jobs.beat`` for one job every :data:`HEARTBEAT_SECONDS` on its own
    connection until stopped; the import tells it its progress through :meth:`progress`."""

    def __init__(self, engine: Engine, clock: Clock, job_id: int, worker: str) -> None:
        self.engine, self.clock, self.job_id, self.worker = engine, clock, job_id, worker
        self.done, self.total = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-job-{job_id}-heartbeat", daemon=True)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.beat()

    def beat(self) -> None:
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as connection:
                # Set on the driver's connection, outside any transaction: never queue behind the
                # import's own write lock.
                raw = connection.connection.driver_connection
                if sqlite:
                    raw.execute("PRAGMA busy_timeout=0")
                try:
                    with Session(bind=connection) as session:
                        import_jobs.beat(session, self.clock, self.job_id, self.worker, self.done, self.total)
                        session.commit()
                finally:
                    if sqlite:
                        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        except OperationalError:
            logger.debug("heartbeat of import job %s skipped: the database is busy", self.job_id)


def run_one(factory: sessionmaker[Session], clock: Clock, worker: str | None = None,
            stale_after: dt.timedelta = import_jobs.STALE_AFTER,
            on_claimed: Callable[[int], None] | None = None) -> Outcome:
    """Recover stalled jobs, claim the oldest queued one and run it to ``done`` or ``failed``.
    ``on_claimed(job_id)`` is called between the claim and the import (tests stop a worker there).
    Never raises for a bad file or a failed import: the job says why; the log has the details."""
    worker = worker or worker_name()
    engine = factory.kw["bind"]
    # What the worker audits says it came from this worker (AuditEvent.origin).
    sessions = _stamped(factory, worker)
    with sessions() as session:
        recovered = [(job_id, str(state)) for job_id, state in import_jobs.recover_stalled(session, clock, stale_after)]
        session.commit()
    with sessions() as session:
        job = import_jobs.claim_next(session, clock, worker)
        job_id = job.id if job is not None else None
        session.commit()
    if job_id is None:
        return Outcome(None, None, recovered)
    if on_claimed is not None:
        on_claimed(job_id)
    with Heartbeat(engine, clock, job_id, worker) as heartbeat:
        state = _import(sessions, clock, job_id, worker, heartbeat.progress)
    return Outcome(job_id, state, recovered)


def _stamped(factory: sessionmaker[Session], worker: str) -> Callable[[], Session]:
    """``factory`` making sessions whose audit events carry the worker's origin."""
    def open_session() -> Session:
        return factory(info={audit.ORIGIN_KEY: audit.worker_origin(worker)})
    return open_session


def _import(factory: Callable[[], Session], clock: Clock, job_id: int, worker: str,
            progress: Callable[[int, int], None]) -> str:
    with factory() as session:
        job = session.get(ImportJob, job_id)
        actor = session.get(User, job.uploaded_by_id)
        try:
            report, held = held_imports.import_or_hold(session, clock, actor, job.filename, job.data or b"", job.mode,
                                                       job.repeats, job.file_format, progress, background=True)
            if import_jobs.finish(session, clock, job_id, worker, report, held):
                session.commit()
                return "done"
            session.rollback()
            logger.warning("import job %s was taken from worker %s while it ran; its import was rolled back",
                           job_id, worker)
            return "lost"
        except (InvalidInput, PermissionDenied) as exc:
            session.rollback()
            problems = list(getattr(exc, "problems", [])) or [Problem(_NOT_ALLOWED)]
        except Exception:  # noqa: BLE001 - a worker outlives any one file; the job shows it failed
            session.rollback()
            logger.exception("import job %s failed", job_id)
            problems = []
    with factory() as session:
        import_jobs.fail(session, clock, job_id, worker, problems)
        session.commit()
    return "failed"


#: Why a job fails when its uploader is no longer a bank editor by the time it runs.
_NOT_ALLOWED = N_("the uploader is no longer a bank editor, so the file was not imported")


def run_forever(factory: sessionmaker[Session], clock: Clock, stop: threading.Event, poll_seconds: float = 2.0,
                stale_after: dt.timedelta = import_jobs.STALE_AFTER) -> None:
    """Run jobs until ``stop`` is set, waiting ``poll_seconds`` whenever the queue is empty. A
    database that is away is logged and tried again: the loop outlives it."""
    worker = worker_name()
    while not stop.is_set():
        try:
            outcome = run_one(factory, clock, worker, stale_after)
        except Exception:  # noqa: BLE001 - e.g. the database restarting; try again after a pause
            logger.exception("import worker %s: could not poll the job table", worker)
            outcome = Outcome(None, None, [])
        if outcome.job_id is None:
            stop.wait(poll_seconds)
