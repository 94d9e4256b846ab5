"""Markers' marks checked against the audit log (issue 6, "the score record": responses and marks
get the same tamper evidence as scores).

Each :class:`ManualMark` (one marker's mark and comment in one round) is written in the same
transaction as its audit event "mark.given", and the audit log is a hash chain
(``services.audit.verify``). So a manual mark changed, added or deleted in the database without
the service (``UPDATE manual_mark SET score = …``) no longer matches its event: :func:`check`
names it. The counted :class:`Mark` and the attempt's total are checked by the score ledger's
digests (``score_check.reconcile``); this covers the rounds behind them, which a third marker and
an auditor read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.models import AttemptItem, AuditEvent, ManualMark

#: The audit action written with every manual mark (``manual_marking.give_mark``).
MARK_GIVEN = "mark.given"


@dataclass(frozen=True)
class MarkMismatch:
    """A manual mark that disagrees with the audit log: ``attempt_id``, the item's ``slot`` and
    marking ``round``, and ``detail`` in English (for the command line)."""

    attempt_id: int
    slot: int
    round: int
    detail: str


def _as_recorded(mark: ManualMark) -> tuple[int | None, str, str]:
    return mark.marker_id, f"{mark.score:.2f}", mark.comment


def _as_audited(event: AuditEvent) -> tuple[int | None, str, str]:
    after = event.after or {}
    return event.actor_id, str(after.get("score")), str(after.get("comment", ""))


def check(session: Session, attempt_ids: Sequence[int]) -> list[MarkMismatch]:
    """Every manual mark of the attempts' items against its "mark.given" event, and every such
    event against its mark: a mark whose marker, points or comment differ from the event, a mark
    without an event, and an event whose mark is gone. Three queries; ordered by attempt, slot
    and round."""
    if not attempt_ids:
        return []
    slots = {item_id: (attempt_id, slot) for item_id, attempt_id, slot in session.execute(
        select(AttemptItem.id, AttemptItem.attempt_id, AttemptItem.slot)
        .where(AttemptItem.attempt_id.in_(list(attempt_ids))))}
    if not slots:
        return []
    marks = {(m.attempt_item_id, m.marking, m.round): m for m in session.scalars(
        select(ManualMark).where(ManualMark.attempt_item_id.in_(list(slots))))}
    events = {}
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == MARK_GIVEN, AuditEvent.object_type == "attempt_item",
            AuditEvent.object_id.in_([str(i) for i in slots])).order_by(AuditEvent.id)):
        after = event.after or {}
        events[(int(event.object_id), int(after.get("marking", 1)), int(after.get("round", 0)))] = event
    found = []
    for item_id, marking, round_ in sorted(set(marks) | set(events), key=lambda k: (*slots[k[0]], k[1], k[2])):
        mark, event = marks.get((item_id, marking, round_)), events.get((item_id, marking, round_))
        if mark is None:
            detail = f"the audit log records a round-{round_} mark that is no longer in manual_mark"
        elif event is None:
            detail = f"round-{round_} mark {mark.id} has no audit event: it was not given through the marking queue"
        elif _as_recorded(mark) != _as_audited(event):
            detail = (f"round-{round_} mark {mark.id} says marker {mark.marker_id}, {mark.score:.2f} points; "
                      f"audit event {event.id} says marker {event.actor_id}, {(event.after or {}).get('score')} points"
                      + ("" if mark.comment == (event.after or {}).get("comment", "") else ", another comment"))
        else:
            continue
        found.append(MarkMismatch(*slots[item_id], round_, detail))
    return found
