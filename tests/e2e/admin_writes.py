"""Writes a browser test makes as an administrator would, while the exam page keeps the app busy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from question_bank.models import Attempt, Sitting


def commit_retrying(db: Session, change: Callable[[], None]) -> None:
    """Apply ``change`` (which edits objects it loads from ``db``) and commit.

    The page keeps writing (polls, presence): on a busy machine SQLite may refuse this write while
    one of those holds the lock, so it is tried again on a fresh transaction, as a worker would."""
    for tries_left in (2, 1, 0):
        try:
            change()
            db.commit()
            return
        except OperationalError:
            db.rollback()
            if not tries_left:
                raise


def lengthen_deadline(db: Session, attempt_id: int, by: dt.timedelta) -> Attempt:
    """Move the attempt's deadline later by ``by`` (as granting extra time does) and commit."""

    def change() -> None:
        db.get(Attempt, attempt_id).deadline += by

    commit_retrying(db, change)
    return db.get(Attempt, attempt_id)


def set_allowed_networks(db: Session, sitting_id: int, networks: str | None) -> None:
    """Set the sitting's allowed networks (stored form: one network a line) and commit."""

    def change() -> None:
        db.get(Sitting, sitting_id).allowed_networks = networks

    commit_retrying(db, change)
