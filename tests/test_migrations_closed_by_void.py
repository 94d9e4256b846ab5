"""Migration b7d2e4f1a9c3 (issue-9 trial F7): a voided attempt's state is "closed_by_void" and the
state it had closed in moves to its void record. Downgraded with voided attempts present, each gets
back the state it closed in ("submitted", "auto_submitted"), which the older code knows; upgraded
again, each is "closed_by_void" with the state it closed in kept, and the ledger still reconciles
(its responses digest covers the state an attempt closed in). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from examsvc import database
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, AttemptState, Role
from question_bank.services import attempts, deadlines, proctoring, score_check
from tests import dbsetup
from tests.conftest import at
from tests.factories import Factory
from tests.scenarios import single_choice_exam

# The data is made with today's models, so at the head; the walk goes down past b7d2e4f1a9c3 and
# up again through it.
BEFORE = "3f7a2c9e8d41"


@pytest.fixture
def voided_database(tmp_path):
    """(engine, {attempt id: the state it closed in}): a database at the head with an attempt handed
    in and one closed at its deadline, both voided, and one handed in and left alone."""
    with dbsetup.test_database(tmp_path) as url:
        engine = make_engine(url)
        clock = FixedClock(at("10:00:00"))
        with make_session_factory(engine)() as db:
            make = Factory(db, clock)
            proctor = make.user(Role.EXAM_ADMIN)
            closed = {}
            for state in (AttemptState.SUBMITTED, AttemptState.AUTO_SUBMITTED, AttemptState.SUBMITTED):
                clock.set(at("10:00:00"))
                exam = single_choice_exam(make, count=5, minutes=30)
                attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
                attempts.save_response(db, clock, exam.cadre, attempt.id, 1, "B", 1)
                if state == AttemptState.SUBMITTED:
                    attempts.submit_attempt(db, clock, exam.cadre, attempt.id)
                else:
                    clock.set(at("10:45:00"))
                    deadlines.sweep(db, clock)
                closed[attempt.id] = state
                db.commit()
            for attempt_id in list(closed)[:2]:
                proctoring.void_attempt(db, clock, proctor, attempt_id, "替考")
            db.commit()
        yield engine, closed
        engine.dispose()


def states(engine) -> dict[int, str]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT id, state FROM attempt")).all())


def test_voided_attempts_go_back_to_the_state_they_closed_in_and_come_up_again_closed_by_void(voided_database):
    engine, closed = voided_database
    ids = list(closed)
    assert states(engine) == {ids[0]: "closed_by_void", ids[1]: "closed_by_void", ids[2]: "submitted"}

    database.downgrade(engine, BEFORE)
    assert states(engine) == {i: str(s) for i, s in closed.items()}
    assert "closed_state" not in {c["name"] for c in sa.inspect(engine).get_columns("attempt_void")}

    database.upgrade(engine, "head")
    assert states(engine) == {ids[0]: "closed_by_void", ids[1]: "closed_by_void", ids[2]: "submitted"}
    with make_session_factory(engine)() as db:
        for attempt_id in ids[:2]:
            attempt = db.get(Attempt, attempt_id)
            assert attempt.closed_state == closed[attempt_id] and attempt.band == "void"
        assert score_check.reconcile(db) == []
        assert db.scalar(select(sa.func.count()).select_from(Attempt)
                         .where(Attempt.state == AttemptState.CLOSED_BY_VOID)) == 2
