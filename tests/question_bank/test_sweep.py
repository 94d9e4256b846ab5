"""The sweep (cron's sweep-overdue) closes what is overdue and nothing else: only the sittings it
is asked about, each attempt at its own deadline by its own sitting's grace, earliest deadline
first (equal deadlines in the order the attempts were started). On PostgreSQL, an attempt another
worker holds locked is passed over, not waited for, and an attempt whose deadline another worker
moved closes at the deadline it has now."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from question_bank.db import make_session_factory
from question_bank.models import Attempt, AttemptState, Role, Sitting, User
from question_bank.services import attempts, deadlines, presence, roster
from tests.conftest import at


def _attempt(db, clock, make, *, grace_s: int, minutes: int):
    make.questions(1, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], minutes=minutes,
                           grace_s=grace_s)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    return sitting, attempt


def test_the_sweep_of_one_sitting_leaves_the_others_open(db, clock, make):
    first_sitting, first = _attempt(db, clock, make, grace_s=30, minutes=30)
    _, second = _attempt(db, clock, make, grace_s=30, minutes=30)
    clock.set(at("11:00:00"))
    assert deadlines.sweep(db, clock, [first_sitting.id]) == [first.id]
    assert first.state == AttemptState.AUTO_SUBMITTED and second.state == AttemptState.IN_PROGRESS
    assert deadlines.sweep(db, clock) == [second.id]


def test_each_attempt_is_judged_by_its_own_sittings_grace_earliest_deadline_first(db, clock, make):
    # Started in this order; deadlines 10:40 (grace 10 min), 10:41 (no grace), 10:20 (no grace).
    _, generous = _attempt(db, clock, make, grace_s=600, minutes=40)
    _, strict = _attempt(db, clock, make, grace_s=0, minutes=41)
    _, early = _attempt(db, clock, make, grace_s=0, minutes=20)
    clock.set(at("10:45:00"))
    # The generous one is still in its grace: the sweep passes over it and closes the later one.
    assert deadlines.sweep(db, clock) == [early.id, strict.id]
    assert generous.state == AttemptState.IN_PROGRESS
    assert (early.finished_at, strict.finished_at) == (at("10:20:00"), at("10:41:00"))
    clock.set(at("10:50:01"))
    assert deadlines.sweep(db, clock) == [generous.id]
    assert generous.finished_at == at("10:40:00")


def test_attempts_with_the_same_deadline_are_closed_and_listed_in_the_order_they_were_started(db, clock, make):
    make.questions(1, "single_choice", key=["B"])
    earlier_on_roster, later_on_roster = make.cadre(), make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]),
                           roster=[earlier_on_roster, later_on_roster])
    # Both start at 10:00:00 (deadline 10:30:00), the one further down the roster first.
    first = attempts.start_attempt(db, clock, later_on_roster, sitting)
    second = attempts.start_attempt(db, clock, earlier_on_roster, sitting)
    db.commit()
    # The first one's exam page opens: its row is written again (on PostgreSQL its new version now
    # lies after the second attempt's in the table, and the roster order puts the second first too).
    presence.claim(db, clock, attempts.lock_attempt(db, first.id), "phone-page", None, presence.Client("", ""))
    db.commit()
    clock.set(at("10:45:00"))
    # cron's sweep-overdue prints them in this order, and the score ledger has their entries in it.
    assert deadlines.sweep(db, clock) == [first.id, second.id]
    assert (first.finished_at, second.finished_at) == (at("10:30:00"), at("10:30:00"))


def _postgresql_only(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks and a SQLite transaction reads one snapshot: one writer at a time, "
                    "so no other connection can hold or change an attempt while the sweep runs")


def test_the_sweep_passes_over_an_attempt_a_request_is_closing_and_closes_the_others(db, clock, make, engine):
    _postgresql_only(engine)
    _, busy = _attempt(db, clock, make, grace_s=30, minutes=30)
    _, idle = _attempt(db, clock, make, grace_s=30, minutes=30)
    clock.set(at("10:45:00"))
    request = make_session_factory(engine)()
    try:
        attempts.lock_attempt(request, busy.id)  # a hand-in on another worker holds the attempt's row
        # Waiting for that lock would fail after 10 s instead of hanging the test.
        db.execute(text("SET LOCAL lock_timeout = '10s'"))
        assert deadlines.sweep(db, clock) == [idle.id]
        db.commit()
        assert busy.state == AttemptState.IN_PROGRESS
    finally:
        request.rollback()
        request.close()
    # The request let go without closing it: the next sweep does.
    assert deadlines.sweep(db, clock) == [busy.id]
    assert (busy.state, busy.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:30:00"))


def test_extra_time_given_on_another_worker_moves_the_deadline_the_sweep_closes_at(db, clock, make, engine):
    _postgresql_only(engine)
    sitting, attempt = _attempt(db, clock, make, grace_s=30, minutes=30)
    proctor_id, entry_id = make.user(Role.EXAM_ADMIN).id, sitting.roster[0].id
    db.commit()
    assert attempt.deadline == at("10:30:00")  # the sweep's session has the attempt as it was
    with make_session_factory(engine)() as other:
        roster.set_extra_time(other, clock, other.get(User, proctor_id), other.get(Sitting, sitting.id), entry_id, 600)
        other.commit()
    clock.set(at("10:45:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:40:00"))
    assert db.get(Attempt, attempt.id).deadline == at("10:40:00")
