"""A bank import worked in the background (issue 5, "big files off the request worker"): the upload
request stores the file as an :class:`ImportJob` and returns; a worker (``flask import-worker``, or
the demo's thread) claims it, runs the one importer on it and keeps the outcome here.

States: ``queued`` → ``running`` → ``done`` or ``failed``. A running job's worker writes
``heartbeat_at`` while it works; a job whose heartbeat stopped is put back in the queue, or failed
when it has been tried too often (``services.import_jobs.recover_stalled``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from question_bank.db import Base, JSONDocument, UTCDateTime


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Base):
    """One uploaded question file waiting for, or worked by, an import worker.

    ``data`` is the file as uploaded (cleared once the job is finished: a held upload keeps its
    own copy). ``rows_done`` / ``rows_total`` are the progress: while the file is read, ``rows_done`` rows
    read and ``rows_total`` 0; once it is read, 0 of ``rows_total`` while the rows are checked and
    written; all of them when done. ``result`` is the import's report as ``services.import_job_reports`` stores it;
    ``failure`` the reason a failed job gives (a message and its parameters, translated when shown).
    ``worker`` names the claim (host, process, random part) so that only the claimant finishes it.
    """

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[JobState] = mapped_column(String(10), index=True, default=JobState.QUEUED)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    filename: Mapped[str] = mapped_column(String(255))
    #: "all_or_nothing" or "valid_only"; "ask", "skip" or "keep"; a key of READERS or "auto".
    mode: Mapped[str] = mapped_column(String(20))
    repeats: Mapped[str] = mapped_column(String(10))
    file_format: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    #: The rows (questions) the upload was estimated to hold (``formats.row_estimate``), for the progress
    #: while the file is read and ``rows_total`` is not known yet; 0 if not estimated.
    rows_expected: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"), nullable=True)
    held_import_id: Mapped[int | None] = mapped_column(ForeignKey("held_import.id", ondelete="SET NULL"),
                                                       nullable=True)
    refusal_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
