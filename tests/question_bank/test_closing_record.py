"""What closing an attempt leaves for an auditor (domain.md §9): the audit event says who closed it
(the candidate, or nobody for the automatic close), which attempt, when it finished, and with what
score and band; the score ledger entry says why (submitted / auto_submitted) and who. An attempt
waiting for a marker has an event that says so and no ledger entry yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from question_bank.models import AttemptItem, AuditEvent, Mark, ScoreRecord
from question_bank.services import attempts, deadlines
from tests.conftest import at


def utc(moment) -> str:
    """How the audit log writes a time: ISO 8601 in UTC."""
    return moment.astimezone(dt.timezone.utc).isoformat()


def _closing_event(db, attempt_id: int) -> AuditEvent:
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action.like("attempt.%submitted"),
                                                  AuditEvent.object_id == str(attempt_id)))
    return event


def _ledger(db, attempt_id: int) -> list[ScoreRecord]:
    return list(db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt_id)))


def test_a_hand_in_records_who_which_attempt_when_and_the_score(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    clock.set(at("10:12:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    event = _closing_event(db, attempt.id)
    assert (event.action, event.actor_id, event.object_type, event.object_id) == (
        "attempt.submitted", cadre.id, "attempt", str(attempt.id))
    assert event.after == {"finished_at": utc(at("10:12:00")), "score": "50.00", "band": "fail",
                           "awaiting_marking": False}
    [record] = _ledger(db, attempt.id)
    assert (record.reason, record.actor_id, record.score) == ("submitted", cadre.id, Decimal(50))
    assert attempt.submitted_by_id == cadre.id  # the attempt's own record of who handed it in


def test_an_automatic_close_records_nobody_and_the_deadline(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False, pass_mark=50)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 1)
    db.commit()
    clock.set(at("10:45:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    event = _closing_event(db, attempt.id)
    assert (event.action, event.actor_id) == ("attempt.auto_submitted", None)
    assert event.after == {"finished_at": utc(at("10:30:00")), "score": "50.00", "band": "pass",
                           "awaiting_marking": False}
    [record] = _ledger(db, attempt.id)
    assert (record.reason, record.actor_id, record.passed) == ("auto_submitted", None, True)


def test_a_hand_in_within_the_grace_closes_at_the_deadline_and_records_the_candidate_who_sent_it(db, clock, make):
    # The page's hand-in reached the server 10 s after the deadline, within the 30 s grace: time had
    # run out, so the attempt is auto-submitted at its deadline, but it was the candidate's request.
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False, pass_mark=50)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:30:10"))
    assert attempts.submit_attempt(db, clock, cadre, attempt.id, {1: ["B"]}).closed_now
    event = _closing_event(db, attempt.id)
    assert (event.action, event.actor_id) == ("attempt.auto_submitted", cadre.id)
    assert event.after == {"finished_at": utc(at("10:30:00")), "score": "50.00", "band": "pass",
                           "awaiting_marking": False}
    [record] = _ledger(db, attempt.id)
    assert (record.reason, record.actor_id, record.score) == ("auto_submitted", cadre.id, Decimal(50))
    assert attempt.submitted_by_id == cadre.id


def test_an_attempt_waiting_for_a_marker_says_so_and_has_no_ledger_entry_yet(db, clock, make):
    make.question("short_answer")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("short_answer", 1, 100, "行政处罚法")]), roster=[cadre])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, "行政机关应当依法行使职权", 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    event = _closing_event(db, attempt.id)
    assert event.after == {"finished_at": utc(at("10:00:00")), "score": None, "band": None,
                           "awaiting_marking": True}
    assert _ledger(db, attempt.id) == []


def test_a_short_answer_left_empty_scores_0_at_once_and_the_machine_marks_carry_no_reason(db, clock, make):
    make.question("single_choice", key=["B"])
    make.question("short_answer")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 60, "行政处罚法"), ("short_answer", 1, 40, "行政处罚法")]),
                           roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score == Decimal(60) and attempt.passed is True
    assert _closing_event(db, attempt.id).after["awaiting_marking"] is False
    marks = db.scalars(select(Mark).join(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                       .order_by(AttemptItem.slot)).all()
    # The choice is marked from the key (no reason to give); the empty short answer says why it has 0.
    assert [(m.score, m.reason, m.marker_id) for m in marks] == [(Decimal(60), "", None), (Decimal(0), "unanswered", None)]
