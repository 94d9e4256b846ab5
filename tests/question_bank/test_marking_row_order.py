"""A hand-in is marked on each slot's latest save (``marking.current_responses``' rule), whatever
order the database keeps the saves in. A database promises no order without ORDER BY: on
PostgreSQL a save rolled back after its step was written, and a vacuum (autovacuum runs one by
itself), free that row's place in the table, and a later save takes it, so read in stored order
the later save comes before an earlier one. SQLite keeps a table in id order, but its planner may
return unordered rows otherwise; ``reverse_unordered_selects`` is its switch for that (as in
``test_ledger``'s chain-order test)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text

from question_bank.models import ResponseStep
from question_bank.services import attempts, ledger, score_check


def _stored_order(db, attempt_id: int) -> list[int]:
    """The attempt's steps' ids in the order the database returns whole rows when asked for no order."""
    return [row.id for row in db.execute(select(ResponseStep.__table__).where(ResponseStep.attempt_id == attempt_id))]


def test_the_latest_save_is_marked_whatever_order_the_database_returns_the_saves_in(engine, db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 1)
    db.commit()
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 2)
    db.rollback()  # the request failed after its step was written
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 2)
    db.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (INDEX_CLEANUP ON, DISABLE_PAGE_SKIPPING) response_step"))
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 3)  # the answer that counts
        db.commit()
        assert _stored_order(db, attempt.id) != sorted(_stored_order(db, attempt.id))  # it took the failed save's place
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    else:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 3)
        db.commit()
        connection = db.connection()  # the pragma is the connection's: set back before the pool has it again
        connection.execute(text("PRAGMA reverse_unordered_selects = ON"))
        try:
            assert _stored_order(db, attempt.id) == sorted(_stored_order(db, attempt.id), reverse=True)
            attempts.submit_attempt(db, clock, cadre, attempt.id)
        finally:
            connection.execute(text("PRAGMA reverse_unordered_selects = OFF"))
    db.commit()
    assert attempt.score == Decimal(100) and attempt.passed
    assert ledger.verify(db).ok and score_check.reconcile(db) == []
