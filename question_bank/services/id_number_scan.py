"""Finding ID numbers stored unmasked in free text (issue-10 trial F10-03): text people type or
paste (audit details, question text, reasons, notes, answers) may hold a resident ID number written
any way (spaces, hyphens, full width, a final x/X/ｘ: ``idnumbers.written_numbers``). Pages and
exports mask them when they show such text; this finds where they are stored, for someone to
decide what to do with each (``flask --app wsgi audit-id-numbers``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from question_bank import idnumbers
from question_bank.models import (
    AttemptReopening, AttemptVoid, AuditEvent, ImportBatch, LawReviewFlag, ManualMark, Mark, Paper, QuestionVersion,
    Regrade, RefusedChange, ResponseStep, RosterEntry, ScoreChange, ScoreRecord, Sitting, StudyList, User,
)

#: Every column of free text a person types or pastes into, by model: the audit log's details and
#: snapshots, question text, candidates' answers, reasons, comments and notes, sitting texts, posts
#: and names. JSON columns are read as their JSON text (strings inside them included).
FREE_TEXT = (
    (AuditEvent, ("detail", "before", "after", "origin")),
    (QuestionVersion, ("stem", "options", "explanation", "rubric", "legal_basis", "tags")),
    (ImportBatch, ("review_note",)),
    (ResponseStep, ("answer",)),
    (RefusedChange, ("answer",)),
    (Mark, ("reason",)),
    (ManualMark, ("comment",)),
    (Regrade, ("reason",)),
    (ScoreChange, ("reason", "decision_note")),
    (ScoreRecord, ("reason",)),
    (LawReviewFlag, ("note",)),
    (AttemptVoid, ("reason",)),
    (AttemptReopening, ("reason",)),
    (Paper, ("description",)),
    (Sitting, ("rules_text", "pledge_text")),
    (StudyList, ("audience_note",)),
    (RosterEntry, ("current_post", "proposed_post")),
    (User, ("display_name", "current_post", "proposed_post")),
)

#: Rows read per round trip.
BATCH_ROWS = 1000


@dataclass(frozen=True)
class Finding:
    """An ID number stored unmasked: the table, the row's id, the column, and the number as masks
    show it (``idnumbers.mask``: never the number itself, so the report can be kept or mailed)."""

    table: str
    row_id: int
    field: str
    masked: str

    def line(self) -> str:
        return f"{self.table}\t{self.row_id}\t{self.field}\t{self.masked}"


def _as_text(value: Any) -> str:
    """A column's value as the text searched: JSON as its text, then URL-decoded ("+", "%20",
    percent-encoded full-width digits), since a query string kept before read events decoded it
    holds numbers encoded (issue-10 tester, item 1); decoding text that is not encoded changes no
    digit, only "+" into a space, which is read as a separator anyway."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return unquote_plus(text, errors="replace")


def scan(session: Session) -> Iterator[Finding]:
    """Every unmasked ID number in the columns of :data:`FREE_TEXT`, table by table in that order,
    rows by their key (``id``; an attempt's for ``attempt_void``); one finding per number (a column
    holding two gives two)."""
    for model, fields in FREE_TEXT:
        (key,) = inspect(model).primary_key
        columns = [getattr(model, name) for name in fields]
        query = select(key, *columns).order_by(key).execution_options(yield_per=BATCH_ROWS)
        for row in session.execute(query):
            for name, value in zip(fields, row[1:]):
                for number in idnumbers.written_numbers(_as_text(value)):
                    yield Finding(model.__tablename__, row[0], name, idnumbers.mask(number))
