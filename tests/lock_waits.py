"""Two transactions on two connections, the second started while the first still holds its locks:
how the tests show that something waits for a lock instead of reading past it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from question_bank.db import make_session_factory

#: Longest wait for the other connection to come to the lock, or to finish (a guard, not a measure).
PATIENCE_S = 60


def second_during_first(engine, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> Any:
    """Run ``first`` and, before it commits, ``second`` on another connection; return what the
    second returned or raised. On PostgreSQL it must come to wait for a lock the first holds."""
    sessions = make_session_factory(engine)
    with sessions() as first_session:
        first(first_session)
        if engine.dialect.name != "postgresql":
            first_session.commit()
            with sessions() as second_session:
                return outcome_of(second_session, second)
        second_session = sessions()
        pid = second_session.scalar(text("SELECT pg_backend_pid()"))
        # A lock never let go fails the second after a while instead of hanging the test.
        second_session.execute(text(f"SET LOCAL lock_timeout = '{PATIENCE_S}s'"))
        outcome: list[Any] = []
        thread = threading.Thread(target=lambda: outcome.append(outcome_of(second_session, second)))
        thread.start()
        try:
            give_up = time.monotonic() + PATIENCE_S
            while thread.is_alive() and not _blocked(engine, pid) and time.monotonic() < give_up:
                time.sleep(0.02)
            waited = thread.is_alive()
            first_session.commit()
        finally:
            thread.join(timeout=2 * PATIENCE_S)
            second_session.close()
    assert waited, f"the second went ahead while the first was open: {outcome}"
    [result] = outcome
    return result


def outcome_of(session: Session, work: Callable[[Session], Any]) -> Any:
    """What ``work`` returned, committed, or the error it raised, rolled back."""
    try:
        result = work(session)
        session.commit()
        return result
    except Exception as exc:  # noqa: BLE001 (the test looks at which error it was)
        session.rollback()
        return exc


def _blocked(engine, pid: int) -> bool:
    with engine.connect() as connection:
        return bool(connection.scalar(text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid}))
