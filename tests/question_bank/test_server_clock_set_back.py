"""The server's clock set back mid-sitting (SEC-F2 as filed with issue 9) neither drops nor
misorders a save: saves are ordered by the page's own numbers and the slot versions, never by the
time they arrived, and nothing compares the ages of saves by the clock. The deadline stays the
server's wall-clock time (shared by every worker and host), so a clock set back never ends an
attempt early."""

from __future__ import annotations

from question_bank.models import Attempt, AttemptState
from question_bank.services import attempts
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Outcome
from tests.conftest import at
from tests.scenarios import single_choice_exam


def test_a_server_clock_set_back_between_saves_neither_drops_nor_misorders_them(db, make, clock):
    exam = single_choice_exam(make, count=3)
    attempt = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    db.commit()
    clock.set(at("10:10:00"))
    first = attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["A"], 1, "page-a", 0)
    db.commit()
    clock.set(at("10:02:00"))  # the server's clock is set back eight minutes
    second = attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["B"], 2, "page-a", first.stored_version)
    # The first save's retry arrives last, stamped earlier than either: it changes nothing.
    retry = attempts.save_response(db, clock, exam.cadre, attempt.id, 1, ["A"], 1, "page-a", 0)
    other = attempts.save_response(db, clock, exam.cadre, attempt.id, 2, ["C"], 3, "page-a", 0)
    db.commit()
    assert second.outcome == Outcome.TAKEN and retry.stored_answer == ["B"] and other.current
    db.expire_all()
    assert {s: f.answer for s, f in current_responses(db, attempt.id).items()} == {1: ["B"], 2: ["C"]}
    assert db.get(Attempt, attempt.id).state == AttemptState.IN_PROGRESS
