"""One active device per attempt at the service level: a page claims its attempt, another page is
asked before it takes over, and the page taken over can no longer change answers."""

from __future__ import annotations

import pytest

from question_bank.errors import AttemptClosed, InvalidInput, TakenOver
from question_bank.models import AttemptState, DeviceEventKind
from question_bank.services import attempts, presence
from question_bank.services.marking import current_responses
from tests.scenarios import single_choice_exam

PHONE = presence.Client.of("10.0.0.7", "Mozilla/5.0 (iPhone) Mobile Safari")
PC = presence.Client.of("192.0.2.40", "Mozilla/5.0 (Windows NT 10.0) Chrome/120")


@pytest.fixture
def attempt(db, clock, make):
    exam = single_choice_exam(make, count=2, key="C")
    return attempts.start_attempt(db, clock, exam.cadre, exam.sitting)


def test_the_first_page_gets_the_attempt_and_a_second_is_asked(db, clock, attempt):
    assert presence.claim(db, clock, attempt, "phonePage", None, PHONE).held_here
    asked = presence.claim(db, clock, attempt, "pcPage", None, PC)
    assert not asked.held_here and attempt.active_page == "phonePage"
    assert [e.kind for e in presence.device_log(db, attempt)] == [DeviceEventKind.OPENED, DeviceEventKind.ASKED]


def test_a_reload_in_the_same_tab_keeps_the_attempt_without_asking(db, clock, attempt):
    presence.claim(db, clock, attempt, "load1", None, PHONE)
    assert presence.claim(db, clock, attempt, "load2", "load1", PHONE).held_here
    assert attempt.active_page == "load2"


def test_after_a_takeover_the_first_page_cannot_save_or_submit(db, clock, attempt):
    presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["A"], 1, "phonePage", 0, page="phonePage")
    presence.claim(db, clock, attempt, "pcPage", None, PC)
    clock.advance(seconds=30)
    presence.take_over(db, clock, attempt, "pcPage", PC)
    with pytest.raises(TakenOver):
        attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["B"], 2, "phonePage", 1, page="phonePage")
    with pytest.raises(TakenOver):
        attempts.submit_attempt(db, clock, attempt.user, attempt.id, page="phonePage")
    # A save that does not say which page sends it is malformed, not taken over: the field is named.
    with pytest.raises(InvalidInput) as missing:
        attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["B"], 3, "phonePage", 1)
    assert [p.place for p in missing.value.problems] == ["page"]
    assert attempt.state == AttemptState.IN_PROGRESS
    assert current_responses(db, attempt.id)[1].answer == ["A"]
    attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["C"], 1, "pcPage", 1, page="pcPage")
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_the_takeover_logs_both_devices_with_addresses_and_browsers(db, clock, attempt):
    presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    presence.claim(db, clock, attempt, "pcPage", None, PC)
    presence.take_over(db, clock, attempt, "pcPage", PC)
    took = presence.device_log(db, attempt)[-1]
    assert took.kind == DeviceEventKind.TOOK_OVER
    assert (took.page, took.ip, took.user_agent) == ("pcPage", PC.ip, PC.user_agent)
    assert (took.other_page, took.other_ip, took.other_user_agent) == ("phonePage", PHONE.ip, PHONE.user_agent)


def test_the_first_page_can_take_the_attempt_back(db, clock, attempt):
    presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    presence.take_over(db, clock, attempt, "pcPage", PC)
    presence.take_over(db, clock, attempt, "phonePage", PHONE)
    assert presence.held_here(attempt, "phonePage") and not presence.held_here(attempt, "pcPage")


def test_a_closed_attempt_cannot_be_claimed_or_taken_over(db, clock, attempt):
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    with pytest.raises(AttemptClosed):
        presence.claim(db, clock, attempt, "late", None, PC)
    with pytest.raises(AttemptClosed):
        presence.take_over(db, clock, attempt, "late", PC)
    assert attempt.active_page is None


def test_the_answer_history_lists_a_save_refused_after_a_takeover_with_its_reason_and_every_base(db, clock, attempt):
    from question_bank.services.attempt_history import slot_history
    from question_bank.services.slot_changes import Outcome

    presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["A"], 1, "phonePage", 0, page="phonePage")
    presence.take_over(db, clock, attempt, "pcPage", PC)
    for _ in range(2):  # the retry of the same refused change is listed once
        clock.advance(seconds=5)
        with pytest.raises(TakenOver):
            attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["B"], 2, "phonePage", 1, page="phonePage")
    clock.advance(seconds=5)
    attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["C"], 1, "pcPage", 1, page="pcPage")

    entries = slot_history(db, attempt)[1]
    assert [(e.writer, e.outcome, e.base, e.answer) for e in entries] == [
        ("phonePage", Outcome.TAKEN, 0, ["A"]),
        ("phonePage", Outcome.TAKEN_OVER, 1, ["B"]),
        ("pcPage", Outcome.TAKEN, 1, ["C"]),
    ]
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_a_hand_in_from_a_page_taken_over_lists_each_of_its_changes_in_the_history_as_taken_over(db, clock, attempt):
    from question_bank.services.attempt_history import slot_history
    from question_bank.services.slot_changes import Change, Outcome

    presence.claim(db, clock, attempt, "phonePage", None, PHONE)
    presence.take_over(db, clock, attempt, "pcPage", PC)
    clock.advance(seconds=5)
    with pytest.raises(TakenOver):
        attempts.submit_attempt(db, clock, attempt.user, attempt.id, {
            1: Change(1, ["B"], "phonePage", 1, 0), 2: Change(2, ["A"], "phonePage", 2, 0)}, page="phonePage")
    history = slot_history(db, attempt)
    assert [(e.writer, e.outcome, e.answer) for e in history[1]] == [("phonePage", Outcome.TAKEN_OVER, ["B"])]
    assert [(e.writer, e.outcome, e.answer) for e in history[2]] == [("phonePage", Outcome.TAKEN_OVER, ["A"])]
    assert attempt.state == AttemptState.IN_PROGRESS and current_responses(db, attempt.id) == {}


def test_a_save_sent_without_a_page_is_listed_in_the_history_as_written_directly(db, clock, attempt):
    from question_bank.services.attempt_history import slot_history

    attempts.save_response(db, clock, attempt.user, attempt.id, 1, ["B"], 1)
    assert [e.writer for e in slot_history(db, attempt)[1]] == ["direct"]
