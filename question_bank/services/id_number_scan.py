"""Finding ID numbers stored unmasked in free text (issue-10 trial F10-03): text people type or
paste (audit details, question text, reasons, notes, answers) may hold a resident ID number written
any way (spaces, hyphens, full width, a final x/X/ｘ: ``idnumbers.written_numbers``). Pages and
exports mask them when they show such text; this finds where they are stored, for someone to
decide what to do with each (``flask --app wsgi audit-id-numbers``).

Audit events are masked when they are written (``audit.record``); events written before that
cannot be rewritten (the log is append-only and hash-chained). They are not hidden either: an
auditor who has reviewed them lists each in an acknowledgement file (:func:`read_acknowledgements`),
by event id and entry hash, so that an acknowledgement covers exactly the event reviewed and
nothing written since. The scan still reports them, apart (:func:`sort_findings`); only findings
nobody acknowledged fail it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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


#: The one table whose findings may be acknowledged: the append-only audit log. Every other row
#: can be corrected, and should be.
ACKNOWLEDGEABLE = AuditEvent.__tablename__
_ACK_LINE = re.compile(r"audit_event\s+(\d+)\s+([0-9a-f]{64})(?:\s.*)?")


class BadAcknowledgements(ValueError):
    """An acknowledgement file that cannot be read: ``line`` (from 1) and what is wrong with it."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


def read_acknowledgements(text: str) -> dict[int, str]:
    """An acknowledgement file's events: audit event id → its entry hash (64 lower-case hex digits,
    as ``flask audit-id-numbers`` prints it). One event a line, ``audit_event <id> <entry hash>``,
    anything after the hash a free note (who reviewed it, when, why); blank lines and lines
    starting with ``#`` are skipped. Raises :class:`BadAcknowledgements` for any other line, and for
    an event listed twice with different hashes."""
    found: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        matched = _ACK_LINE.fullmatch(line)
        if matched is None:
            raise BadAcknowledgements(number, "expected `audit_event <id> <entry hash>` (only audit events, "
                                              "which cannot be rewritten, may be acknowledged)")
        event_id, entry_hash = int(matched.group(1)), matched.group(2)
        if found.get(event_id, entry_hash) != entry_hash:
            raise BadAcknowledgements(number, f"audit event {event_id} is listed with two different hashes")
        found[event_id] = entry_hash
    return found


@dataclass
class SortedFindings:
    """The scan's findings sorted against an acknowledgement file: ``open`` (nobody acknowledged
    them: the scan fails), ``acknowledged`` (historical audit events reviewed: reported, not
    failed), ``hashes`` (the entry hash of every audit event in either, to copy into the file), and
    ``stale`` (acknowledged event ids whose event has another hash now, or none: the file does not
    describe this database, and those acknowledgements count for nothing)."""

    open: list[Finding] = field(default_factory=list)
    acknowledged: list[Finding] = field(default_factory=list)
    hashes: dict[int, str] = field(default_factory=dict)
    stale: list[int] = field(default_factory=list)


def sort_findings(session: Session, findings: Iterable[Finding], acknowledged: dict[int, str]) -> SortedFindings:
    """Sort ``findings`` (:func:`scan`) against ``acknowledged`` (:func:`read_acknowledgements`): a
    finding in an audit event is acknowledged only when the event's stored entry hash is the one
    listed."""
    findings = list(findings)
    event_ids = {f.row_id for f in findings if f.table == ACKNOWLEDGEABLE} | set(acknowledged)
    stored = {event_id: entry_hash for event_id, entry_hash in session.execute(
        select(AuditEvent.id, AuditEvent.entry_hash).where(AuditEvent.id.in_(event_ids)))} if event_ids else {}
    result = SortedFindings(hashes=dict(stored))
    result.stale = sorted(i for i, h in acknowledged.items() if stored.get(i) != h)
    for finding in findings:
        covered = finding.table == ACKNOWLEDGEABLE and acknowledged.get(finding.row_id) == stored.get(finding.row_id)
        (result.acknowledged if covered else result.open).append(finding)
    return result
