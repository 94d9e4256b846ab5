"""What a candidate may see of their results, and when (domain.md §5, case C-19, SEC-A5).

Nothing of a result (score, band, pass, per-question marks, key, explanation) reaches a candidate
before the sitting's policy or an early release allows it, and the pages say truthfully when it
will (:class:`Disclosure`). A score is shown only when it agrees with the score ledger
(``score_check``); otherwise the candidate is told it is being checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.models import HALF_CENT, Attempt, AttemptItem, Mark, QuestionCitation, RegradeKind, ResultPolicy
from question_bank.services import item_overrides, score_check
from question_bank.services.citing import refs_of
from question_bank.services.delivery import ItemView, item_view, to_display
from question_bank.services.marking import current_responses
from question_bank.services.score_check import CheckedScore
from question_bank.types import get_type


@dataclass(frozen=True)
class Disclosure:
    """What the candidate may see of a closed attempt now, and when the rest comes.

    - ``score_shown``: score, band and pass now (only a score that agrees with the ledger);
    - ``answers_shown``: the key, explanations and legal basis of each question now; the marks of
      each question only with ``score_shown`` too;
    - ``score_from`` / ``answers_from``: the moment (UTC) they will be shown when that is later;
    - ``score_never`` / ``answers_never``: the sitting does not publish them to candidates;
    - ``result``: the checked score (its state tells "being checked" and "awaiting marking" apart).
    """

    score_shown: bool
    answers_shown: bool
    score_from: dt.datetime | None
    answers_from: dt.datetime | None
    score_never: bool
    answers_never: bool
    result: CheckedScore

    @property
    def item_marks_shown(self) -> bool:
        return self.score_shown and self.answers_shown


def disclose(attempt: Attempt, result: CheckedScore, now: dt.datetime) -> Disclosure:
    """The disclosure of ``attempt`` at ``now`` (pure: no database). Rules: scores by the sitting's
    policy or an early release; keys and explanations, where the sitting shows them, with the
    scores and never before the window closes unless the policy shows results at once (an early
    release must not hand the key to someone who may still sit)."""
    sitting = attempt.sitting
    never = sitting.results_policy == ResultPolicy.NEVER
    answers_never = never or not sitting.show_answers
    if attempt.is_open:
        return Disclosure(False, False, None, None, never, answers_never, result)
    policy_allows = sitting.results_visible(now)
    keys_due = sitting.results_policy == ResultPolicy.IMMEDIATELY or now >= sitting.closes_at
    score_from = None if policy_allows or never else sitting.results_from()
    answers_from = None
    if not answers_never and not (policy_allows and keys_due):
        answers_from = max(sitting.results_from() or sitting.closes_at, sitting.closes_at)
    return Disclosure(
        score_shown=policy_allows and result.trusted,
        answers_shown=policy_allows and keys_due and not answers_never,
        score_from=score_from,
        answers_from=answers_from,
        score_never=never,
        answers_never=answers_never,
        result=result,
    )


def disclosure(session: Session, attempt: Attempt, now: dt.datetime) -> Disclosure:
    """:func:`disclose` with the attempt's score checked against the ledger."""
    return disclose(attempt, score_check.checked_score(session, attempt), now)


@dataclass(frozen=True)
class ReviewItem:
    """One question after submission. ``key_display`` (the key in the letters the candidate saw;
    the accepted answers of each blank; the reference answer), ``explanation``, ``legal_basis``,
    ``score`` and ``blank_results`` (for fill-in: whether each blank was right) are None unless
    answers are shown (``score`` unless the marks are too), and ``legal_refs`` (the legal basis resolved to law articles, for
    links) is then empty. ``awaiting_marking`` says a person has not marked the item yet;
    ``voided`` is the regrade kind of a question voided for the sitting ("void_removed": out of the
    total; "void_full_marks": full marks to all), None otherwise."""

    view: ItemView
    answered: bool
    score: Decimal | None
    key_display: Any
    explanation: str | None
    legal_basis: str | None
    awaiting_marking: bool = False
    blank_results: list[bool] | None = None
    legal_refs: list[QuestionCitation] = field(default_factory=list)
    voided: str | None = None


def latest_marks(session: Session, attempt: Attempt) -> dict[int, Decimal]:
    """Slot → points of the newest mark of each item (none for an item whose newest mark set the
    marks before it aside: it awaits marking again, ``services.remarking``); an agreed mean with
    half a hundredth exactly (30.005: ``Mark.exact``)."""
    rows = session.execute(
        select(AttemptItem.slot, Mark.score, Mark.half_cent)
        .join(Mark, Mark.attempt_item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id == attempt.id)
        .order_by(Mark.id)
    )
    newest = {slot: (score + HALF_CENT if half and score is not None else score) for slot, score, half in rows}
    return {slot: score for slot, score in newest.items() if score is not None}


def review(session: Session, attempt: Attempt, shown: Disclosure) -> list[ReviewItem]:
    """The candidate's own answers to a closed attempt, with keys, explanations and marks only as
    far as ``shown`` allows."""
    responses = current_responses(session, attempt.id)
    reveal = shown.answers_shown
    marks = latest_marks(session, attempt)
    refs = refs_of(session, [item.question_version_id for item in attempt.items]) if reveal else {}
    overrides = item_overrides.for_sitting(session, attempt.sitting_id)
    items = []
    for item in attempt.items:
        step = responses.get(item.slot)
        version = item.question_version
        qtype = get_type(version.qtype)
        response = step.answer if step else None
        per_blank = getattr(qtype, "blank_results", None)
        key = item_overrides.key_in_force(version, overrides.get(version.question_id))
        items.append(ReviewItem(
            view=item_view(item, response),
            answered=response is not None and qtype.is_answered(response),
            score=marks.get(item.slot) if shown.item_marks_shown else None,
            key_display=to_display(item, key) if reveal else None,
            explanation=version.explanation if reveal else None,
            legal_basis=version.legal_basis if reveal else None,
            awaiting_marking=item.slot not in marks,
            blank_results=per_blank(key, response) if reveal and per_blank else None,
            legal_refs=refs.get(version.id, []),
            voided=_voided_kind(overrides.get(version.question_id)),
        ))
    return items


def _voided_kind(override: item_overrides.Override | None) -> str | None:
    if override is None or override.kind == RegradeKind.KEY_CORRECTED:
        return None
    return str(override.kind)
