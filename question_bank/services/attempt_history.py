"""The history of an attempt's answers for the exam administrator: every attempt to change each
slot, taken or refused, with the page that made it and when it arrived (case C-18)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.errors import NotFound
from question_bank.models import Attempt, RefusedChange, ResponseSource, ResponseStep, ScoreRecord, User
from question_bank.services import sittings, validity
from question_bank.services.delivery import to_display
from question_bank.services.slot_changes import Outcome


@dataclass(frozen=True)
class HistoryEntry:
    """One change that reached the server for a slot: its ``outcome`` (taken, superseded, refused
    as stale, or refused because another page had taken the attempt over), the ``version`` it made
    (taken changes only), the ``base`` version the page had seen (None only for steps stored before
    bases were recorded, and for changes from callers without a page), the answer in the letters
    the candidate saw, the page (``writer``) and its number, how it came and when it arrived."""

    slot: int
    outcome: Outcome
    version: int | None
    base: int | None
    answer: Any
    writer: str
    seq: int
    source: ResponseSource
    received_at: dt.datetime
    #: For a refusal: the version stored when it arrived, which it would have replaced.
    stored_version: int | None = None


def attempt_for_admin(session: Session, actor: User, attempt_id: int) -> Attempt:
    """An attempt of a sitting the exam admin may see (``sittings.get_sitting``'s rule). Raises
    :class:`NotFound` otherwise, exactly as for an attempt that does not exist."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound()
    sittings.get_sitting(session, actor, attempt.sitting_id)
    return attempt


@dataclass(frozen=True)
class AttemptRecord:
    """An attempt as the exam administrator's page shows it: the attempt, the law versions it
    tested, and its score ledger entries in order (each with the list of law versions it kept)."""

    attempt: Attempt
    tested: list[validity.TestedVersion]
    entries: list[ScoreRecord]


def attempt_record(session: Session, actor: User, attempt_id: int) -> AttemptRecord:
    """One attempt for an exam administrator whose subtree holds its sitting. Raises
    :class:`NotFound` otherwise, as for an attempt that does not exist (``sittings.get_sitting``)."""
    attempt = attempt_for_admin(session, actor, attempt_id)
    entries = list(session.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id)
                                   .order_by(ScoreRecord.id)))
    return AttemptRecord(attempt, validity.tested_versions(session, attempt.id), entries)


def slot_history(session: Session, attempt: Attempt) -> dict[int, list[HistoryEntry]]:
    """Slot → every change to it in arrival order (slots nobody changed are left out)."""
    items = {item.slot: item for item in attempt.items}
    entries: list[tuple[dt.datetime, int, HistoryEntry]] = []
    versions: dict[int, int] = {}
    for step in session.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)
                                .order_by(ResponseStep.id)):
        version = None
        if not step.superseded:
            version = versions[step.slot] = versions.get(step.slot, 0) + 1
        entries.append((step.received_at, 0, HistoryEntry(
            step.slot, Outcome.SUPERSEDED if step.superseded else Outcome.TAKEN, version, step.base_version,
            to_display(items[step.slot], step.answer), step.writer, step.client_seq, step.source, step.received_at)))
    for refused in session.scalars(select(RefusedChange).where(RefusedChange.attempt_id == attempt.id)
                                   .order_by(RefusedChange.id)):
        entries.append((refused.received_at, 1, HistoryEntry(
            refused.slot, Outcome(refused.reason), None, refused.base_version, to_display(items[refused.slot], refused.answer),
            refused.writer, refused.client_seq, refused.source, refused.received_at, refused.stored_version)))
    history: dict[int, list[HistoryEntry]] = {}
    for _, _, entry in sorted(entries, key=lambda e: (e[2].slot, e[0], e[1])):
        history.setdefault(entry.slot, []).append(entry)
    return history
