"""A re-opening the candidate never used changes nothing of how the attempt ended (issue-9 trial: a
hand-in at 15:15:57, re-opened with a deadline 2 s later, showed as "到时自动交卷" at the
re-opening's deadline); a re-opened attempt says so on the score sheet, with its periods, and a
short attempt's duration is never 0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sqlalchemy import select

from question_bank.models import AttemptState, AuditEvent, Role
from question_bank.reports import score_sheet
from question_bank.services import attempts, deadlines, ledger, proctoring
from question_bank.services.marking import current_responses
from tests.conftest import at
from tests.scenarios import single_choice_exam


@pytest.fixture
def handed_in(db, clock, make):
    """One of two questions answered right (50 points), handed in by the candidate at 10:05:07;
    re-opened by the proctor at 10:20:00 until 10:20:02. Returns (attempt, proctor)."""
    exam = single_choice_exam(make, count=2, key="C")
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["C"], 1)
    clock.set(at("10:05:07"))
    attempts.submit_attempt(db, clock, exam.cadre, attempt.id)
    proctor = make.user(Role.EXAM_ADMIN)
    clock.set(at("10:20:00"))
    proctoring.reopen_attempt(db, clock, proctor, attempt.id, "手机故障", at("10:20:02"))
    return attempt, proctor


def test_a_reopening_never_used_keeps_the_candidates_own_hand_in(db, clock, handed_in):
    attempt, _ = handed_in
    old_deadline = proctoring.reopenings(db, attempt.id)[0].old_deadline
    clock.set(at("10:30:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert attempt.state == AttemptState.SUBMITTED
    assert (attempt.finished_at, attempt.deadline) == (at("10:05:07"), old_deadline)
    assert attempt.submitted_by_id == attempt.user_id
    assert attempt.score == Decimal(50)
    assert len(proctoring.reopenings(db, attempt.id)) == 1  # the re-opening stays on record
    assert ledger.verify(db).ok
    assert score_sheet.answering_seconds(attempt) == 307  # 10:00:00 to 10:05:07; nothing after


def test_a_reopening_used_to_change_an_answer_ends_at_its_deadline(db, clock, handed_in):
    attempt, _ = handed_in
    clock.set(at("10:20:01"))
    attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 2)
    clock.set(at("10:30:00"))
    deadlines.sweep(db, clock)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:20:02")
    assert attempt.score == Decimal(100)
    assert score_sheet.answering_seconds(attempt) == 307 + 2


def test_the_audit_entry_of_the_restored_hand_in_names_the_unused_reopening(db, clock, handed_in):
    attempt, _ = handed_in
    [reopening] = proctoring.reopenings(db, attempt.id)
    clock.set(at("10:30:00"))
    deadlines.sweep(db, clock)
    closings = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "attempt",
                                                   AuditEvent.object_id == str(attempt.id),
                                                   AuditEvent.action.like("attempt.%submitted"))
                          .order_by(AuditEvent.id)).all()
    # The candidate's hand-in, then the close at the re-opening's deadline by nobody, which says the
    # hand-in stands because the re-opening was never used, and which re-opening that was.
    assert [(event.action, event.actor_id) for event in closings] == [
        ("attempt.submitted", attempt.user_id), ("attempt.submitted", None)]
    assert closings[1].after == {"finished_at": at("10:05:07").astimezone(dt.timezone.utc).isoformat(),
                                 "score": "50.00", "band": "fail", "awaiting_marking": False,
                                 "reopening_unused": reopening.id}


def test_an_answer_saved_at_the_very_instant_of_the_reopening_uses_it(db, clock, handed_in):
    attempt, _ = handed_in
    # The save reached the server on the same clock reading as the proctor's re-opening (10:20:00).
    attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 2)
    clock.set(at("10:30:00"))
    deadlines.sweep(db, clock)
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:20:02"))
    assert attempt.score == Decimal(100)  # the answer given in the re-opening counts


def test_another_candidates_answers_after_the_reopening_do_not_use_it(db, clock, make, handed_in):
    attempt, _ = handed_in
    other = single_choice_exam(make, count=2, key="C")  # another sitting, running at the same time
    theirs = attempts.start_attempt(db, clock, other.cadre, other.sitting)
    clock.set(at("10:20:01"))
    attempts.save_response(db, clock, other.cadre, theirs.id, 1, ["C"], 1)
    clock.set(at("10:30:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert (attempt.state, attempt.finished_at) == (AttemptState.SUBMITTED, at("10:05:07"))
    assert attempt.score == Decimal(50)


def test_the_latest_reopening_decides_a_second_one_never_used_keeps_the_hand_in_of_the_first(db, clock, handed_in):
    attempt, proctor = handed_in
    # The first re-opening is used: the second answer, handed in at 10:20:01.
    clock.set(at("10:20:01"))
    attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 2)
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    # Re-opened again at 10:40 until 10:45, and never used.
    clock.set(at("10:40:00"))
    proctoring.reopen_attempt(db, clock, proctor, attempt.id, "再次故障", at("10:45:00"))
    clock.set(at("10:50:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    assert (attempt.state, attempt.finished_at, attempt.deadline) == (
        AttemptState.SUBMITTED, at("10:20:01"), at("10:20:02"))
    assert attempt.submitted_by_id == attempt.user_id
    assert attempt.score == Decimal(100)


def test_a_time_up_hand_in_of_an_unused_reopening_keeps_the_hand_in_too(db, clock, handed_in):
    attempt, _ = handed_in
    clock.set(at("10:20:03"))
    outcome = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {}, time_up=True)
    assert outcome.closed_now
    assert (attempt.state, attempt.finished_at) == (AttemptState.SUBMITTED, at("10:05:07"))
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_an_unused_reopening_of_an_auto_submitted_attempt_keeps_it_auto_submitted(db, clock, make):
    exam = single_choice_exam(make, count=2, key="C", minutes=30)
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    clock.set(at("11:00:00"))
    deadlines.sweep(db, clock)
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:30:00"))
    proctoring.reopen_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "停电", at("11:10:00"))
    clock.set(at("11:20:00"))
    deadlines.sweep(db, clock)
    assert (attempt.state, attempt.finished_at, attempt.deadline) == (
        AttemptState.AUTO_SUBMITTED, at("10:30:00"), at("10:30:00"))
    assert attempt.submitted_by_id is None


def test_the_sheet_names_each_reopened_period_and_one_never_used(db, clock, handed_in):
    attempt, proctor = handed_in
    clock.set(at("10:30:00"))
    deadlines.sweep(db, clock)
    note = score_sheet.reopen_note(attempt)
    assert note == "；曾重新开放 2026-05-11 10:20:00 至 10:20:02（重新开放后未作答）"

    # Re-opened again and used this time: both periods, the second with its hand-in.
    clock.set(at("10:40:00"))
    proctoring.reopen_attempt(db, clock, proctor, attempt.id, "再次故障", at("10:50:00"))
    clock.set(at("10:41:00"))
    attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 3)
    clock.set(at("10:42:30"))
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    db.expire(attempt, ["reopenings"])
    assert score_sheet.reopen_note(attempt) == (
        "；曾重新开放 2026-05-11 10:20:00 至 10:20:02（重新开放后未作答），2026-05-11 10:40:00 至 10:42:30")
    assert score_sheet.answering_seconds(attempt) == 307 + 150


def test_a_never_reopened_attempt_has_no_note(db, clock, make):
    exam = single_choice_exam(make, count=1, key="C")
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    attempts.submit_attempt(db, clock, exam.cadre, attempt.id)
    assert score_sheet.reopen_note(attempt) == "" and score_sheet.reopened_periods(attempt) == []


def test_an_attempt_of_a_few_seconds_takes_a_tenth_of_a_minute_not_zero(db, clock, make):
    exam = single_choice_exam(make, count=1, key="C")
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["C"], 1)
    clock.advance(seconds=2)
    attempts.submit_attempt(db, clock, exam.cadre, attempt.id)
    assert score_sheet.minutes_answering(attempt) == Decimal("0.1")
    assert clock.now() - attempt.started_at == dt.timedelta(seconds=2)
