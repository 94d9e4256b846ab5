"""Writes a browser test makes as an administrator would, while the exam page keeps the app busy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from question_bank.models import Attempt


def lengthen_deadline(db: Session, attempt_id: int, by: dt.timedelta) -> Attempt:
    """Move the attempt's deadline later by ``by`` (as granting extra time does) and commit.

    The page keeps writing (polls, presence): on a busy machine SQLite may refuse this write while
    one of those holds the lock, so it is tried again on a fresh transaction, as a worker would."""
    for tries_left in (2, 1, 0):
        try:
            attempt = db.get(Attempt, attempt_id)
            attempt.deadline += by
            db.commit()
            return attempt
        except OperationalError:
            db.rollback()
            if not tries_left:
                raise
    raise AssertionError("unreachable")
