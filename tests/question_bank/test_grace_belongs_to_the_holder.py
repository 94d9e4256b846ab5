"""The grace after the deadline is for the changes already on their way from the page that held
the attempt at the deadline, never for a page opened late (issue-9 trial: a page opened a second
after the deadline took the attempt over, saved answers made after the deadline, and the first
page's hand-in was refused)."""

from __future__ import annotations

import datetime as dt

import pytest

from question_bank.errors import HandingIn, TakenOver
from question_bank.models import AttemptState, DeviceEventKind
from question_bank.services import attempts, presence
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change
from tests.scenarios import single_choice_exam

PHONE = presence.Client.of("10.0.0.7", "Mozilla/5.0 (iPhone) Mobile Safari")
PC = presence.Client.of("192.0.2.40", "Mozilla/5.0 (Windows NT 10.0) Chrome/120")


@pytest.fixture
def attempt(db, clock, make):
    exam = single_choice_exam(make, count=3, key="C")
    found = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    presence.claim(db, clock, found, "pcPage", None, PC)
    attempts.save_response(db, clock, found.user, found.id, 1, ["B"], 1, "pcPage", 0, page="pcPage")
    return found


def _after_deadline(clock, attempt, seconds):
    clock.set(attempt.deadline + dt.timedelta(seconds=seconds))


def test_a_takeover_after_the_deadline_is_refused_and_the_holders_hand_in_is_taken(db, clock, attempt):
    _after_deadline(clock, attempt, 1)
    with pytest.raises(HandingIn):
        presence.take_over(db, clock, attempt, "latePage", PHONE)
    assert attempt.active_page == "pcPage"
    with pytest.raises(TakenOver):
        attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["C"], 1, "latePage", 0, page="latePage")
    assert 2 not in current_responses(db, attempt.id)

    clock.advance(seconds=1)
    outcome = attempts.submit_attempt(db, clock, attempt.user, attempt.id,
                                      {3: Change(3, ["C"], "pcPage", 2, 0)}, page="pcPage", time_up=True)
    assert outcome.closed_now and outcome.not_taken == ()
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == attempt.deadline
    stored = current_responses(db, attempt.id)
    assert (stored[1].answer, stored[3].answer) == (["B"], ["C"]) and 2 not in stored


def test_a_claim_at_the_deadline_is_refused_even_as_a_reload_or_with_nobody_holding(db, clock, make, attempt):
    _after_deadline(clock, attempt, 0)
    with pytest.raises(HandingIn):
        presence.claim(db, clock, attempt, "reloadedPage", "pcPage", PC)
    with pytest.raises(HandingIn):
        presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    assert attempt.active_page == "pcPage"
    # Nobody asked, nothing moved: the device log shows no opening after the deadline.
    assert [e.kind for e in presence.device_log(db, attempt)] == [DeviceEventKind.OPENED]

    exam = single_choice_exam(make, count=1, key="C")
    unclaimed = attempts.start_attempt(db, clock, exam.cadre, exam.sitting)
    clock.set(unclaimed.deadline)
    with pytest.raises(HandingIn):
        presence.claim(db, clock, unclaimed, "latePage", None, PHONE)
    assert unclaimed.active_page is None


def test_the_page_holding_the_attempt_keeps_it_through_the_grace(db, clock, attempt):
    _after_deadline(clock, attempt, 2)
    assert presence.claim(db, clock, attempt, "pcPage", None, PC).held_here
    assert presence.take_over(db, clock, attempt, "pcPage", PC).held_here
    receipt = attempts.save_response(db, clock, attempt.user, attempt.id, 2, ["A"], 2, "pcPage", 0, page="pcPage")
    assert receipt.current and current_responses(db, attempt.id)[2].answer == ["A"]


def test_a_takeover_a_second_before_the_deadline_still_moves_the_attempt(db, clock, attempt):
    _after_deadline(clock, attempt, -1)
    assert presence.take_over(db, clock, attempt, "phonePage", PHONE).held_here
    assert attempt.active_page == "phonePage"
