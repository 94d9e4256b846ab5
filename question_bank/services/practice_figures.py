"""Practice figures per cadre (questions answered in practice, answered correctly, wrong-answer
book size), for HR's study progress.

Practice is not recorded yet in this branch: every user gets zero figures. The practice branch
replaces this module with the real one behind the same interface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PracticeFigures:
    """One cadre's practice: questions answered, answered correctly, wrong-answer book size."""

    answered: int
    correct: int
    wrong_book: int

    @property
    def accuracy(self) -> Decimal | None:
        """Share answered correctly, 0–1 (exact); ``None`` when nothing was answered."""
        return Decimal(self.correct) / Decimal(self.answered) if self.answered else None


def practice_figures(session: Session, user_ids: Collection[int], since: dt.datetime | None = None,
                     until: dt.datetime | None = None) -> dict[int, PracticeFigures]:
    """Figures for every id in ``user_ids`` over [since, until) (``None`` = unbounded). Practice
    is not recorded yet: every user's figures are zero."""
    return {user_id: PracticeFigures(0, 0, 0) for user_id in user_ids}
