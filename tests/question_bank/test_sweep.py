"""The sweep (cron's sweep-overdue) closes what is overdue and nothing else: only the sittings it
is asked about, each attempt at its own deadline by its own sitting's grace, earliest deadline
first."""

from __future__ import annotations

from question_bank.models import AttemptState
from question_bank.services import attempts, deadlines
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
