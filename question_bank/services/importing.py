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
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.formats import spreadsheet, template
from question_bank.models import ImportBatch, Question, QuestionStatus, QuestionVersion, Role, User
from question_bank.services import audit, authoring
from question_bank.text import stem_fingerprint

ALL_OR_NOTHING = "all_or_nothing"
VALID_ONLY = "valid_only"
MODES = (ALL_OR_NOTHING, VALID_ONLY)
#: Fingerprints per IN (…) query: well below SQLite's and PostgreSQL's bind-parameter limits.
_LOOKUP_CHUNK = 500
#: Characters of a stem kept in the report's duplicate list (enough to recognise it).
_STEM_EXCERPT = 80


@dataclass
class ImportReport:
    """What an import did.

    ``batch`` is the new batch, or ``None`` when the file was refused and nothing was written.
    ``imported`` counts questions written; ``rows`` counts data rows read. ``errors`` lists every
    problem, each with its place (file, sheet, row, column). ``duplicates`` lists flagged rows:
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
            "errors": [{"place": p.place, "message": p.message, "params": p.params} for p in report.errors],
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
    """Insert the rows' questions into ``batch`` and flag duplicates; returns the duplicate flags.

    This is :func:`authoring.create_question` for many drafts at once (same rows, same version
    content through ``authoring._new_version``), written as a few multi-row statements instead of
    five round trips a row: categories are found once per distinct path, duplicates with one
    IN query per 500 stems, so a 1,000-row file takes a second or two on PostgreSQL too.
    """
    categories = {path: authoring.ensure_category(session, path)
                  for path in sorted({row.draft.category_path for row in rows})}
    in_bank = _existing_fingerprints(session, {stem_fingerprint(row.draft.stem) for row in rows})
    now = clock.now()
    made: list[tuple[int, Question, QuestionVersion]] = []
    for row in rows:
        question = Question(category=categories[row.draft.category_path], status=QuestionStatus.IN_REVIEW,
                            author_id=actor.id, import_batch=batch, created_at=now, updated_at=now)
        made.append((row.number, question, authoring._new_version(question, row.draft, 1, actor, clock)))
    session.add_all([item for _, question, version in made for item in (question, version)])
    session.flush()
    flags: list[dict[str, Any]] = []
    earlier: dict[str, tuple[int, int]] = {}
    for number, question, version in made:
        question.current_version_id = version.id
        fingerprint = version.stem_fingerprint
        resembled_row: int | None = None
        if fingerprint in in_bank:
            resembles = in_bank[fingerprint]
        elif fingerprint in earlier:
            resembled_row, resembles = earlier[fingerprint]
        else:
            earlier[fingerprint] = (number, question.id)
            continue
        question.duplicate_of_id = resembles
        flags.append({"row": number, "question_id": question.id, "resembles": resembles,
                      "resembles_row": resembled_row, "stem": version.stem[:_STEM_EXCERPT]})
    session.flush()
    return flags


def _existing_fingerprints(session: Session, fingerprints: set[str]) -> dict[str, int]:
    """Fingerprint → id of the oldest bank question whose current version has it, in a few IN queries."""
    found: dict[str, int] = {}
    wanted = sorted(fingerprints)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start:start + _LOOKUP_CHUNK]
        found.update((fingerprint, question_id) for fingerprint, question_id in session.execute(
            select(QuestionVersion.stem_fingerprint, func.min(Question.id))
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(QuestionVersion.stem_fingerprint.in_(chunk))
            .group_by(QuestionVersion.stem_fingerprint)
        ))
    return found


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
