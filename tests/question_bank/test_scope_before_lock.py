"""The scope is judged before a row lock is taken (issue 8, tester finding): a proctor of another unit
voiding or re-opening an attempt, a marker of another unit opening or marking a response, and a
cadre opening another cadre's practice run, are answered NotFound exactly as for an id that does not
exist, and hold no lock on the row, so the person whose it is goes on at once.

On PostgreSQL a lock left with the refused actor's transaction makes the other session's lock fail
after :data:`PATIENCE`. SQLite has no row locks (one writer at a time, readers never block it), so
there the other session goes on whatever the first did; the refusals are checked on both.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from question_bank.db import make_session_factory
from question_bank.errors import NotFound
from question_bank.models import Attempt, AttemptState, PracticeSource, Role, User
from question_bank.services import manual_marking, practice, proctoring
from tests.conftest import at
from tests.scenarios import handed_in, short_answer_awaiting_marking

#: How long the other session waits for a lock before it fails (a guard, not a measure).
PATIENCE = "2s"


def _other_session(engine):
    session = make_session_factory(engine)()
    if engine.dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{PATIENCE}'"))
    return session


@pytest.fixture
def elsewhere(make):
    """A unit beside the province's own sittings' (they are held by the province itself)."""
    return make.unit("乙市")


def test_a_proctor_of_another_unit_is_answered_as_for_a_missing_attempt_and_locks_nothing(
        db, clock, make, engine, elsewhere):
    make.question("single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    attempt = handed_in(db, clock, cadre, sitting, {1: ["B"]})
    proctor_id, attempt_id = make.user(Role.EXAM_ADMIN).id, attempt.id
    stranger = make.user(Role.EXAM_ADMIN, unit=elsewhere)
    db.commit()
    for asked in (attempt_id, attempt_id + 1000):
        with pytest.raises(NotFound):
            proctoring.void_attempt(db, clock, stranger, asked, "替考")
        with pytest.raises(NotFound):
            proctoring.reopen_attempt(db, clock, stranger, asked, "设备故障", at("10:50:00"))
    # The refused requests' transaction is still open, as it would be until the request ends.
    with _other_session(engine) as other:
        proctoring.void_attempt(other, clock, other.get(User, proctor_id), attempt_id, "替考")
        other.commit()
    db.rollback()
    assert db.get(Attempt, attempt_id).state == AttemptState.CLOSED_BY_VOID


def test_a_marker_of_another_unit_is_answered_as_for_a_missing_response_and_locks_nothing(
        db, clock, make, engine, elsewhere):
    attempt = short_answer_awaiting_marking(db, clock, make)
    item_id, attempt_id = attempt.items[0].id, attempt.id
    marker_id = make.user(Role.MARKER).id
    stranger = make.user(Role.MARKER, Role.SENIOR_MARKER, unit=elsewhere)
    db.commit()
    for asked in (item_id, item_id + 1000):
        with pytest.raises(NotFound):
            manual_marking.script(db, stranger, asked)
        with pytest.raises(NotFound):
            manual_marking.give_mark(db, clock, stranger, asked, Decimal("60"), "")
    with _other_session(engine) as other:
        outcome = manual_marking.give_mark(other, clock, other.get(User, marker_id), item_id, Decimal("80"), "")
        other.commit()
    assert outcome.total == Decimal("80")
    db.rollback()
    assert db.get(Attempt, attempt_id).score == Decimal("80")


def test_another_cadres_practice_run_is_answered_as_a_missing_one_and_stays_unlocked(db, clock, make, engine):
    questions = make.questions(2, category="行政法/处罚")
    owner, stranger = make.cadre(), make.cadre()
    run = practice.start_practice(db, clock, owner, PracticeSource.CATEGORY, questions[0].category_id)
    run_id, owner_id = run.id, owner.id
    db.commit()
    for asked in (run_id, run_id + 1000):
        with pytest.raises(NotFound):
            practice.current_item(db, clock, stranger, asked)
    with _other_session(engine) as other:
        assert practice.current_item(other, clock, other.get(User, owner_id), run_id) is not None
        other.commit()
    db.rollback()
