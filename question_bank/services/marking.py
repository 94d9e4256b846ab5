"""Automatic marking of an attempt, and the grade band its score falls in (domain.md §7)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import Attempt, Mark, ResponseStep, Sitting, User
from question_bank.types import get_type


class GradeBand(StrEnum):
    """优秀 / 合格 / 不合格, by the sitting's excellent mark and pass mark (default 90 and 60)."""

    EXCELLENT = "excellent"
    PASS = "pass"
    FAIL = "fail"


def band_for(sitting: Sitting, score: Decimal) -> GradeBand:
    if score >= sitting.excellent_mark:
        return GradeBand.EXCELLENT
    if score >= sitting.pass_mark:
        return GradeBand.PASS
    return GradeBand.FAIL


def current_responses(session: Session, attempt_id: int) -> dict[int, ResponseStep]:
    """The response of each answered slot: its latest stored step that a later save of the same
    page had not already superseded (see ``ResponseStep``)."""
    latest: dict[int, ResponseStep] = {}
    steps = session.scalars(
        select(ResponseStep)
        .where(ResponseStep.attempt_id == attempt_id, ResponseStep.superseded.is_(False))
        .order_by(ResponseStep.slot, ResponseStep.id)
    )
    for step in steps:
        latest[step.slot] = step
    return latest


def mark_attempt(session: Session, clock: Clock, attempt: Attempt, marker: User | None = None, reason: str = "") -> Decimal:
    """Mark every item from its current response and key; set the attempt's score, pass and band.

    Adds one :class:`Mark` per item (insert-only). Returns the total in points, which is always the
    sum of the item scores (case C-08).
    """
    responses = current_responses(session, attempt.id)
    rule = attempt.sitting.paper.multi_rule
    now = clock.now()
    total = Decimal(0)
    for item in attempt.items:
        version = item.question_version
        step = responses.get(item.slot)
        score = get_type(version.qtype).mark(version.key, step.answer if step else None, item.mark, rule)
        session.add(Mark(attempt_item=item, score=score, marked_at=now, marker_id=marker.id if marker else None,
                         reason=reason))
        total += score
    attempt.score = total
    band = band_for(attempt.sitting, total)
    attempt.band = band
    attempt.passed = band != GradeBand.FAIL
    session.flush()
    return total
