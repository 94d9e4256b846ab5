"""Case C-18 at the service level: a change from another page that arrives late never replaces a
newer answer, in an autosave and in the final submit payload, and the slot's history shows every
attempt to change it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank.errors import InvalidInput
from question_bank.models import RefusedChange, ResponseStep
from question_bank.services import attempts
from question_bank.services.attempt_history import slot_history
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change, Outcome
from tests.scenarios import single_choice_exam


@pytest.fixture
def attempt(db, clock, make):
    exam = single_choice_exam(make, count=2, key="C")
    return attempts.start_attempt(db, clock, exam.cadre, exam.sitting)


def _save(db, clock, attempt, answer, writer, seq, base, slot=1):
    return attempts.save_response(db, clock, attempt.user, attempt.id, slot, answer, seq, writer, base)


def test_a_late_change_from_another_page_is_refused_and_says_what_is_stored(db, clock, attempt):
    # Page A saves "C"; page B, loaded before (it saw no answer: version 0), sends its "A" late.
    assert _save(db, clock, attempt, ["C"], "pageA", 1, 0).outcome == Outcome.TAKEN
    clock.advance(seconds=5)
    late = _save(db, clock, attempt, ["A"], "pageB", 1, 0)
    assert late.outcome == Outcome.STALE and not late.current
    assert (late.stored_answer, late.stored_version, late.answer) == (["C"], 1, ["A"])
    assert current_responses(db, attempt.id)[1].answer == ["C"]
    assert attempts.status(db, clock, attempt).versions == {1: 1}


def test_a_retried_stale_change_is_refused_again_without_a_second_record(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    for _ in range(3):
        assert _save(db, clock, attempt, ["A"], "pageB", 1, 0).outcome == Outcome.STALE
    assert db.query(RefusedChange).filter_by(attempt_id=attempt.id).count() == 1
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_a_change_made_after_seeing_the_stored_version_is_taken(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    _save(db, clock, attempt, ["A"], "pageB", 1, 0)  # stale: B then shows "C" (version 1)
    taken = _save(db, clock, attempt, ["D"], "pageB", 2, 1)
    assert taken.outcome == Outcome.TAKEN and (taken.stored_answer, taken.stored_version) == (["D"], 2)
    # And page A, which has not seen "D" yet, cannot replace it either.
    assert _save(db, clock, attempt, ["B"], "pageA", 2, 1).outcome == Outcome.STALE
    assert current_responses(db, attempt.id)[1].answer == ["D"]


def test_a_page_changing_twice_before_its_first_save_is_acknowledged_keeps_both(db, clock, attempt):
    # Both changes are based on version 0: the page's own newer version never makes it stale.
    assert _save(db, clock, attempt, ["A"], "pageA", 1, 0).outcome == Outcome.TAKEN
    assert _save(db, clock, attempt, ["B"], "pageA", 2, 0).outcome == Outcome.TAKEN
    assert current_responses(db, attempt.id)[1].answer == ["B"]


def test_a_retry_of_a_taken_change_stores_nothing_and_an_older_arrival_of_the_same_page_does_not_win(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 5, 0)
    again = _save(db, clock, attempt, ["C"], "pageA", 5, 0)
    assert again.outcome == Outcome.TAKEN and again.stored_version == 1
    older = _save(db, clock, attempt, ["A"], "pageA", 4, 0)
    assert older.outcome == Outcome.SUPERSEDED and older.stored_answer == ["C"]
    assert db.query(ResponseStep).filter_by(attempt_id=attempt.id, slot=1).count() == 2
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_a_closed_tabs_queued_change_resent_later_does_not_replace_the_newer_answer(db, clock, attempt):
    # Tab 1 made "A" (seq 3, based on nothing stored) and was closed before sending it. Tab 2 then
    # saved "C". After signing in again, a new page resends tab 1's change under tab 1's token.
    _save(db, clock, attempt, ["C"], "tab2", 1, 0)
    clock.advance(minutes=4)
    resent = _save(db, clock, attempt, ["A"], "tab1", 3, 0)
    assert resent.outcome == Outcome.STALE and resent.stored_answer == ["C"]
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_a_queued_change_resent_when_nothing_newer_is_stored_is_taken(db, clock, attempt):
    assert _save(db, clock, attempt, ["A"], "tab1", 3, 0).outcome == Outcome.TAKEN
    assert current_responses(db, attempt.id)[1].answer == ["A"]


def test_a_base_the_slot_never_had_is_refused_as_invalid(db, clock, attempt):
    with pytest.raises(InvalidInput):
        _save(db, clock, attempt, ["A"], "pageA", 1, 4)
    assert db.query(ResponseStep).count() == 0


def test_a_stale_change_in_the_submit_payload_is_not_taken_and_the_score_uses_the_stored_answer(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)  # the key: 50 points
    outcome = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {
        1: Change(1, ["A"], "pageB", 7, 0),  # stale
        2: Change(2, ["C"], "pageB", 8, 0),  # nobody else changed question 2: taken
    })
    assert [(r.slot, r.answer, r.stored_answer) for r in outcome.not_taken] == [(1, ["A"], ["C"])]
    assert {r.slot: r.outcome for r in outcome.receipts} == {1: Outcome.STALE, 2: Outcome.TAKEN}
    assert current_responses(db, attempt.id)[1].answer == ["C"]
    assert outcome.attempt.score == Decimal(100)


def test_a_submit_payload_change_made_after_seeing_the_stored_version_is_taken(db, clock, attempt):
    _save(db, clock, attempt, ["A"], "pageA", 1, 0)
    outcome = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {1: Change(1, ["C"], "pageB", 7, 1)})
    assert outcome.not_taken == () and outcome.attempt.score == Decimal(50)


def test_a_submit_payload_repeating_an_acknowledged_save_stores_it_once(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 4, 0)
    outcome = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {1: Change(1, ["C"], "pageA", 4, 0)})
    assert outcome.not_taken == ()
    assert db.query(ResponseStep).filter_by(attempt_id=attempt.id, slot=1).count() == 1


def test_a_stale_tabs_submit_after_hand_in_is_told_which_answers_were_not_taken(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    late = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {
        1: Change(1, ["A"], "pageB", 3, 0), 2: Change(2, ["B"], "pageB", 4, 0)})
    assert not late.closed_now and late.payload_ignored == "already_submitted"
    assert [(r.slot, r.answer, r.stored_answer) for r in late.not_taken] == [(1, ["A"], ["C"]), (2, ["B"], None)]
    assert current_responses(db, attempt.id)[1].answer == ["C"] and 2 not in current_responses(db, attempt.id)


def test_a_stale_tabs_late_hand_in_lists_only_real_losses_as_closed_with_the_stored_version(db, clock, attempt, make):
    """Issue-9 trial: a slot the stale tab sent unchanged, or left empty where nobody answered, was
    listed as "stale" with stored version 0. Only answers that differ from what is stored are
    listed, as "closed" (the paper was handed in; nobody changed them), with the slot's version."""
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    _save(db, clock, attempt, ["A"], "pageA", 2, 1)  # slot 1 now at version 2
    attempts.submit_attempt(db, clock, attempt.user, attempt.id, {2: Change(2, ["B"], "pageA", 3, 0)})
    late = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {
        1: Change(1, ["A"], "pageB", 7, 2), 2: Change(2, ["B"], "pageB", 8, 0)})
    assert late.payload_ignored == "already_submitted" and late.not_taken == ()

    changed = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {1: Change(1, ["D"], "pageB", 9, 0)})
    assert [(r.slot, r.outcome, r.answer, r.stored_answer, r.stored_version) for r in changed.not_taken] == [
        (1, Outcome.CLOSED, ["D"], ["A"], 2)]


def test_an_empty_answer_to_an_unanswered_slot_sent_after_hand_in_is_not_a_loss(db, clock, attempt):
    attempts.submit_attempt(db, clock, attempt.user, attempt.id)
    late = attempts.submit_attempt(db, clock, attempt.user, attempt.id, {
        1: Change(1, [], "pageB", 1, 0), 2: Change(2, ["B"], "pageB", 2, 0)})
    assert [(r.slot, r.outcome, r.stored_answer, r.stored_version) for r in late.not_taken] == [
        (2, Outcome.CLOSED, None, 0)]


def test_a_hand_in_sent_again_after_the_deadline_closed_the_attempt_is_refused_for_the_deadline(db, clock, attempt):
    """A page whose time-up hand-in got through with its reply lost sends it again: its changes
    were not taken because time was up, not because anyone had handed the paper in."""
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    clock.set(attempt.deadline + dt.timedelta(minutes=2))
    payload = {2: Change(2, ["B"], "pageA", 2, 0)}
    first = attempts.submit_attempt(db, clock, attempt.user, attempt.id, payload, time_up=True)
    again = attempts.submit_attempt(db, clock, attempt.user, attempt.id, payload, time_up=True)
    assert (first.closed_now, first.payload_ignored) == (True, "deadline_passed")
    assert (again.closed_now, again.payload_ignored) == (False, "deadline_passed")
    assert [(r.slot, r.answer) for r in again.not_taken] == [(2, ["B"])]


def test_the_history_shows_every_attempt_to_change_a_slot_with_page_and_arrival(db, clock, attempt):
    _save(db, clock, attempt, ["C"], "pageA", 1, 0)
    clock.advance(seconds=10)
    _save(db, clock, attempt, ["A"], "pageB", 1, 0)
    clock.advance(seconds=10)
    _save(db, clock, attempt, ["D"], "pageB", 2, 1)
    first = clock.now()
    history = slot_history(db, attempt)[1]
    assert [(e.outcome, e.version, e.answer, e.writer) for e in history] == [
        (Outcome.TAKEN, 1, ["C"], "pageA"), (Outcome.STALE, None, ["A"], "pageB"), (Outcome.TAKEN, 2, ["D"], "pageB")]
    assert history[1].base == 0 and history[-1].received_at == first
    assert history[0].received_at < history[1].received_at < history[2].received_at
