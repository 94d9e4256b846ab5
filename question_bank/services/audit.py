"""Writing audit events (domain.md §9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import AuditEvent, User


def record(
    session: Session,
    clock: Clock,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one audit event in the caller's transaction, so the event exists iff the change does.

    ``action`` is a dotted verb ("question.update"); ``before``/``after`` are JSON-able snapshots.
    """
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        detail=detail,
    )
    session.add(event)
    return event
