"""An import's report kept with its background job, and read back for the job's result page, so
that a job shows exactly what the same import run in the request would have shown (issue 5).

:func:`store` turns an :class:`importing.ImportReport` into a JSON document; :func:`load` makes the
report again, with its batch from the database (``None`` if the batch is gone).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from question_bank.models import ImportBatch
from question_bank.services.importing import ImportReport, read_stored_problem, stored_problem

#: Fields of the report kept as they are (plain JSON already).
_PLAIN = ("filename", "mode", "imported", "rows", "duplicates", "pinned", "refusal_id", "held", "same_file",
          "repeats", "citations")
#: Fields holding problems, kept as ``importing.stored_problem`` writes them.
_PROBLEMS = ("errors", "notes", "notices")


def store(report: ImportReport) -> dict[str, Any]:
    """The report as a JSON document: its plain fields, its problems stored, and ``batch_id``."""
    document: dict[str, Any] = {name: getattr(report, name) for name in _PLAIN}
    for name in _PROBLEMS:
        document[name] = [stored_problem(p) for p in getattr(report, name)]
    document["changed_answers"] = report.changed_answers
    document["batch_id"] = report.batch.id if report.batch is not None else None
    return document


def load(session: Session, document: dict[str, Any]) -> ImportReport:
    """The report :func:`store` kept, its batch read from ``session``."""
    report = ImportReport(**{name: document[name] for name in _PLAIN})
    # Reports stored before changed answers were told apart have none.
    report.changed_answers = document.get("changed_answers", [])
    for name in _PROBLEMS:
        setattr(report, name, [read_stored_problem(p) for p in document[name]])
    if document.get("batch_id") is not None:
        report.batch = session.get(ImportBatch, document["batch_id"])
    return report
