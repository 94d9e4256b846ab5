"""Importing questions from the Excel/CSV template into one batch for review (domain.md §3, case C-13).

An import is all-or-nothing unless the editor asks for the valid rows only:

- ``all_or_nothing`` (default): any row with a problem refuses the whole file; the report lists
  every problem of every row, and nothing is written.
- ``valid_only``: the sound rows are imported, the others are reported and left out.

Either way every row is parsed and judged before anything is written, and the writing happens in a
savepoint, so a failure half way leaves nothing behind. What is imported arrives as one
:class:`ImportBatch` in review, its questions ``in_review``, to be approved or rejected as one by
someone other than the uploader (``review.decide_batch``).

Near-duplicate stems (same :func:`~question_bank.text.stem_fingerprint`) are imported but flagged,
against the bank and against earlier rows of the same file: ``Question.duplicate_of`` points to the
question resembled, and the batch report lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Place, Problem
from question_bank.formats import spreadsheet, template
from question_bank.models import ImportBatch, Question, QuestionStatus, Role, User
from question_bank.services import audit, authoring

ALL_OR_NOTHING = "all_or_nothing"
VALID_ONLY = "valid_only"
MODES = (ALL_OR_NOTHING, VALID_ONLY)
#: Characters of a stem kept in the report's duplicate list (enough to recognise it).
_STEM_EXCERPT = 80


@dataclass
class ImportReport:
    """What an import did.

    ``batch`` is the new batch, or ``None`` when the file was refused and nothing was written.
    ``imported`` counts questions written; ``rows`` counts data rows read. ``errors`` lists every
    problem, each with its :class:`~question_bank.errors.Place` (file, sheet, row, column); the
    batch's stored report keeps them as :func:`stored_problem` writes them. ``duplicates`` lists
    flagged rows:
    ``{"row", "question_id", "resembles", "resembles_row", "stem"}`` where ``resembles`` is the id
    of the question resembled and ``resembles_row`` the earlier row of this file when that is what
    it repeats (``None`` when it repeats a question already in the bank).
    """

    filename: str
    mode: str
    batch: ImportBatch | None = None
    imported: int = 0
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.batch is None


def clean_filename(filename: str) -> str:
    """The uploaded file's own name: no directories (browsers may send ``C:\\fakepath\\…``), at most
    200 characters, never empty."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    return name[-200:] or "upload"


def import_questions(session: Session, clock: Clock, actor: User, filename: str, data: bytes,
                     mode: str = ALL_OR_NOTHING) -> ImportReport:
    """Import the questions of an .xlsx or CSV template file (see ``question_bank.formats``).

    Returns an :class:`ImportReport`; a refused file (unreadable, or any row error in
    all-or-nothing mode, or no sound row at all) gives ``batch=None`` and writes nothing.
    Raises :class:`PermissionDenied` unless ``actor`` is a bank editor, ``InvalidInput`` for an
    unknown mode. Audit event ``batch.import``. Flushes, never commits.
    """
    if not actor.has_role(Role.BANK_EDITOR):
        raise PermissionDenied()
    if mode not in MODES:
        raise InvalidInput([Problem(N_("unknown import mode %(mode)s"), {"mode": mode}, "mode")])
    name = clean_filename(filename)
    report = ImportReport(filename=name, mode=mode)
    try:
        table = spreadsheet.read_table(name, data)
        sheet_name, parsed = template.parse_sheet(name, table)
    except InvalidInput as exc:
        report.errors = list(exc.problems)
        return report
    report.rows = len(parsed)
    report.errors = [problem for row in parsed for problem in row.problems]
    sound = [row for row in parsed if row.draft is not None]
    if (report.errors and mode == ALL_OR_NOTHING) or not sound:
        return report  # every row was bad (there is at least one row), or all-or-nothing refused

    with session.begin_nested():
        batch = ImportBatch(
            filename=name, file_format=table.file_format, mode=mode, encoding=table.encoding,
            uploaded_by_id=actor.id, uploaded_at=clock.now(), question_count=len(sound), report={},
        )
        session.add(batch)
        session.flush()
        report.duplicates = _write_questions(session, clock, actor, batch, sound)
        batch.report = {
            "sheet": sheet_name,
            "rows": report.rows,
            "errors": [stored_problem(p) for p in report.errors],
            "duplicates": report.duplicates,
        }
        session.flush()
        audit.record(session, clock, actor, "batch.import", "import_batch", batch.id, after={
            "filename": name, "format": table.file_format, "encoding": table.encoding, "mode": mode,
            "rows": report.rows, "questions": len(sound), "errors": len(report.errors),
            "duplicates": len(report.duplicates),
        })
    report.batch = batch
    report.imported = len(sound)
    return report


def _write_questions(session: Session, clock: Clock, actor: User, batch: ImportBatch,
                     rows: list[template.ParsedRow]) -> list[dict[str, Any]]:
    """Insert the rows' questions into ``batch`` (:func:`authoring.create_questions`, a few
    multi-row statements for the whole file); returns the duplicate flags of the report."""
    created = authoring.create_questions(session, clock, actor, [row.draft for row in rows],
                                         status=QuestionStatus.IN_REVIEW, batch=batch)
    return [
        {"row": row.number, "question_id": made.question.id, "resembles": made.resembles,
         "resembles_row": rows[made.resembles_draft].number if made.resembles_draft is not None else None,
         "stem": made.version.stem[:_STEM_EXCERPT]}
        for row, made in zip(rows, created) if made.resembles is not None
    ]


def stored_problem(problem: Problem) -> dict[str, Any]:
    """A problem as a batch's JSON report keeps it: ``{"place", "message", "params"}``, the place as
    :meth:`Place.to_json` gives it (a string for a plain field name). Read back with
    :func:`read_stored_problem`; reports written before places had parts hold a string there."""
    place = problem.place.to_json() if isinstance(problem.place, Place) else problem.place
    return {"place": place, "message": problem.message, "params": problem.params}


def read_stored_problem(stored: dict[str, Any]) -> Problem:
    """The problem :func:`stored_problem` wrote (or an older report's, whose place is a string)."""
    return Problem(stored.get("message", ""), stored.get("params") or {}, Place.from_json(stored.get("place")))


def recent_batches(session: Session, page: int = 1, per_page: int = 20) -> tuple[list[ImportBatch], int]:
    """A page of import batches, newest first, with their uploaders loaded; and how many there are."""
    total = session.scalar(select(func.count()).select_from(ImportBatch)) or 0
    batches = session.scalars(
        select(ImportBatch).options(joinedload(ImportBatch.uploaded_by), joinedload(ImportBatch.reviewed_by))
        .order_by(ImportBatch.uploaded_at.desc(), ImportBatch.id.desc())
        .offset(max(page - 1, 0) * per_page).limit(per_page)
    ).all()
    return list(batches), total


def batch_question_count(session: Session, batch: ImportBatch) -> int:
    """How many questions the batch holds now."""
    return session.scalar(select(func.count()).select_from(Question).where(Question.import_batch_id == batch.id)) or 0
