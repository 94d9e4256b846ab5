"""What a candidate may see of their results, by the sitting's policy (domain.md §5, SEC-A5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.models import Attempt, AttemptItem, Mark, QuestionCitation
from question_bank.services.citing import refs_of
from question_bank.services.delivery import ItemView, item_view, to_display
from question_bank.services.marking import current_responses
from question_bank.types import get_type


@dataclass(frozen=True)
class ReviewItem:
    """One question after submission. ``key_display`` (the key in the letters the candidate saw;
    the accepted answers of each blank; the reference answer), ``explanation``, ``legal_basis``,
    ``score`` and ``blank_results`` (for fill-in: whether each blank was right) are None unless
    the sitting shows answers, and ``legal_refs`` (the legal basis resolved to law articles, for
    links) is then empty. ``awaiting_marking`` says a person has not marked the item yet."""

    view: ItemView
    answered: bool
    score: Decimal | None
    key_display: Any
    explanation: str | None
    legal_basis: str | None
    awaiting_marking: bool = False
    blank_results: list[bool] | None = None
    legal_refs: list[QuestionCitation] = field(default_factory=list)


def score_visible(attempt: Attempt, now: dt.datetime) -> bool:
    return not attempt.is_open and attempt.score is not None and attempt.sitting.results_visible(now)


def answers_visible(attempt: Attempt, now: dt.datetime) -> bool:
    return score_visible(attempt, now) and attempt.sitting.show_answers


def latest_marks(session: Session, attempt: Attempt) -> dict[int, Decimal]:
    """Slot → points of the newest mark of each item."""
    rows = session.execute(
        select(AttemptItem.slot, Mark.score)
        .join(Mark, Mark.attempt_item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id == attempt.id)
        .order_by(Mark.id)
    )
    return {slot: score for slot, score in rows}


def review(session: Session, attempt: Attempt, now: dt.datetime) -> list[ReviewItem]:
    """The candidate's own answers to a closed attempt, with keys and explanations only when the
    sitting releases them."""
    responses = current_responses(session, attempt.id)
    reveal = answers_visible(attempt, now)
    marks = latest_marks(session, attempt)
    refs = refs_of(session, [item.question_version_id for item in attempt.items]) if reveal else {}
    items = []
    for item in attempt.items:
        step = responses.get(item.slot)
        version = item.question_version
        qtype = get_type(version.qtype)
        response = step.answer if step else None
        per_blank = getattr(qtype, "blank_results", None)
        items.append(ReviewItem(
            view=item_view(item, response),
            answered=response is not None and qtype.is_answered(response),
            score=marks.get(item.slot) if reveal else None,
            key_display=to_display(item, version.key) if reveal else None,
            explanation=version.explanation if reveal else None,
            legal_basis=version.legal_basis if reveal else None,
            awaiting_marking=item.slot not in marks,
            blank_results=per_blank(version.key, response) if reveal and per_blank else None,
            legal_refs=refs.get(version.id, []),
        ))
    return items
