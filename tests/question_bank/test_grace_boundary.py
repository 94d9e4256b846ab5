"""The grace boundary to the instant (domain.md §6, case C-04): a save that reaches the server at
exactly deadline + grace still counts and leaves the attempt open; one a microsecond later is
refused, and the attempt closes at its deadline with what was saved. The sweep draws the line at
the same instant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank.errors import DeadlinePassed
from question_bank.models import AttemptState
from question_bank.services import attempts, deadlines, quick_save
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change, Outcome
from tests.conftest import at

DEADLINE = at("10:30:00")
JUST_AFTER = dt.timedelta(microseconds=1)


@pytest.fixture(params=[30, 0, 45], ids=lambda g: f"grace {g} s")
def exam(request, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False, grace_s=request.param)
    return cadre, sitting, dt.timedelta(seconds=request.param)


def test_a_save_at_exactly_the_end_of_the_grace_counts(db, clock, exam):
    cadre, sitting, grace = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(DEADLINE + grace)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    assert attempt.state == AttemptState.IN_PROGRESS
    assert current_responses(db, attempt.id)[1].answer == ["B"]
    assert deadlines.sweep(db, clock) == []
    assert attempts.submit_attempt(db, clock, cadre, attempt.id).closed_now
    assert attempt.score == Decimal(50) and attempt.finished_at == DEADLINE


def test_a_save_just_after_the_grace_is_refused_and_the_attempt_closes_at_its_deadline(db, clock, exam):
    cadre, sitting, grace = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(DEADLINE - dt.timedelta(seconds=1))
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    clock.set(DEADLINE + grace + JUST_AFTER)
    with pytest.raises(DeadlinePassed):
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == DEADLINE
    assert 2 not in current_responses(db, attempt.id)
    assert attempt.score == Decimal(50)  # the answer saved in time counts, the late one does not


def test_the_sweep_closes_just_after_the_grace_and_not_at_it(db, clock, exam):
    cadre, sitting, grace = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    clock.set(DEADLINE + grace)
    assert deadlines.sweep(db, clock) == []
    assert attempt.state == AttemptState.IN_PROGRESS
    clock.set(DEADLINE + grace + JUST_AFTER)
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == DEADLINE


def test_the_autosave_fast_path_draws_the_line_at_the_same_instant(db, clock, exam):
    """``quick_save.save`` serves the exam page's autosaves; past deadline + grace it must store
    nothing and hand the save to the general path, which refuses it (outside trial: a fast path
    half a second lenient passed every other test)."""
    cadre, sitting, grace = exam
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(DEADLINE + grace)
    claimant = quick_save.Claimant.of(cadre)
    taken = quick_save.save(db, clock, claimant, attempt.id, Change(1, ["B"], "pageA", 1, 0), None, None)
    assert taken is not None and taken.outcome == Outcome.TAKEN
    clock.set(DEADLINE + grace + JUST_AFTER)
    assert quick_save.save(db, clock, claimant, attempt.id, Change(2, ["B"], "pageA", 2, 0), None, None) is None
    assert {slot: step.answer for slot, step in current_responses(db, attempt.id).items()} == {1: ["B"]}
