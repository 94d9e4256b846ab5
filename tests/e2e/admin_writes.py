"""Writes a browser test makes as an administrator would, while the exam page keeps the app busy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, Sitting


def commit_as_the_app_does(db: Session, change: Callable[[Session], None]) -> None:
    """Apply ``change`` in a session of its own that writes as the app does (on SQLite an IMMEDIATE
    transaction, which waits its turn for the write lock), commit, and let ``db`` see the result.

    The test's own session reads in deferred transactions; one that has read and then writes while
    the page's polls and presence claims commit fails at once with "database is locked" on SQLite
    (a retry can meet the same), where a worker's IMMEDIATE transaction simply waits."""
    engine = make_engine(db.get_bind().url.render_as_string(hide_password=False))
    try:
        with make_session_factory(engine)() as writer:
            change(writer)
            writer.commit()
    finally:
        engine.dispose()
    db.rollback()
    db.expire_all()


def lengthen_deadline(db: Session, attempt_id: int, by: dt.timedelta) -> Attempt:
    """Move the attempt's deadline later by ``by`` (as granting extra time does) and commit."""

    def change(writer: Session) -> None:
        writer.get(Attempt, attempt_id).deadline += by

    commit_as_the_app_does(db, change)
    return db.get(Attempt, attempt_id)


def set_allowed_networks(db: Session, sitting_id: int, networks: str | None) -> None:
    """Set the sitting's allowed networks (stored form: one network a line) and commit."""

    def change(writer: Session) -> None:
        writer.get(Sitting, sitting_id).allowed_networks = networks

    commit_as_the_app_does(db, change)
