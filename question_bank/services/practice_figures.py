"""Practice figures for HR's study progress (issue 11, "Progress for HR"): per cadre, practice
questions answered and answered right in a period, and the size of the wrong-answer book now.

Only practice counts here; exam answers are in the score record. The interface is fixed (the study
progress report calls it): :class:`PracticeFigures` and :func:`practice_figures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from question_bank.models import PracticeItem
from question_bank.services.wrong_book import book_sizes

_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PracticeFigures:
    """One cadre's practice: ``answered`` questions and ``correct`` (wholly right) answers in the
    period asked for, and ``wrong_book``, the questions in their wrong-answer book now."""

    answered: int
    correct: int
    wrong_book: int

    @property
    def accuracy(self) -> Decimal | None:
        """correct ÷ answered as a fraction from 0 to 1, rounded half up to 4 places
        (``Decimal("0.6667")``); None when nothing was answered."""
        if self.answered == 0:
            return None
        return (Decimal(self.correct) / Decimal(self.answered)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def practice_figures(session: Session, user_ids: Collection[int], since: dt.datetime | None = None,
                     until: dt.datetime | None = None, *, now: dt.datetime | None = None) -> dict[int, PracticeFigures]:
    """User id → :class:`PracticeFigures` for every id in ``user_ids`` (zeros for a cadre who never
    practised). Answers count by the server time they were stored: ``since <= answered_at < until``
    (either bound may be left open; aware datetimes).

    ``wrong_book`` is the size of the book as it stands. Wrong exam answers join a book when its
    cadre opens or practises it; pass ``now`` (the server clock) to count as well those whose keys
    the cadre may see by then but which the book has not taken in yet (``wrong_book.book_sizes``).
    Without ``now`` the book is counted as last opened."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = (select(PracticeItem.user_id, func.count(),
                    func.coalesce(func.sum(case((PracticeItem.correct.is_(True), 1), else_=0)), 0))
             .where(PracticeItem.user_id.in_(ids), PracticeItem.answered_at.is_not(None))
             .group_by(PracticeItem.user_id))
    if since is not None:
        query = query.where(PracticeItem.answered_at >= since)
    if until is not None:
        query = query.where(PracticeItem.answered_at < until)
    counts = {user_id: (int(answered), int(correct)) for user_id, answered, correct in session.execute(query)}
    sizes = book_sizes(session, ids, now)
    return {user_id: PracticeFigures(*counts.get(user_id, (0, 0)), sizes[user_id]) for user_id in ids}
