"""The attempt lifecycle at the service level: start, resume, save, submit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank.errors import AttemptClosed, DeadlinePassed, InvalidInput, NotDueYet, NotFound, WindowNotOpen
from question_bank.models import AttemptState, ResponseStep, Role
from question_bank.services import attempts, ledger, proctoring
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change, ChangeReceipt, Outcome
from tests.conftest import at


@pytest.fixture
def setup(make):
    make.questions(3, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    return cadre, sitting


def test_start_draws_the_blueprint_and_sets_the_deadline(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=7)
    assert [i.slot for i in attempt.items] == [1, 2]
    assert len({i.question_version.question_id for i in attempt.items}) == 2
    assert attempt.deadline == at("10:30:00")
    assert attempt.max_score == Decimal(100)


def test_starting_again_resumes_the_same_attempt(db, clock, setup):
    cadre, sitting = setup
    first = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    clock.advance(minutes=3)
    assert attempts.start_attempt(db, clock, cadre, sitting).id == first.id


def test_someone_off_the_roster_cannot_start(db, clock, make, setup):
    _, sitting = setup
    with pytest.raises(NotFound):
        attempts.start_attempt(db, clock, make.cadre(), sitting)


def test_someone_on_another_sittings_roster_only_cannot_start_this_one(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    theirs = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    other = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[make.cadre()])
    with pytest.raises(NotFound):
        attempts.start_attempt(db, clock, cadre, other)
    assert attempts.start_attempt(db, clock, cadre, theirs).sitting_id == theirs.id


def test_start_before_the_window_is_refused_with_the_window(db, clock, make):
    make.questions(2)
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], opens_at=at("11:00:00"))
    with pytest.raises(WindowNotOpen) as refused:
        attempts.start_attempt(db, clock, cadre, sitting)
    assert refused.value.template == "This sitting is open from %(opens)s to %(closes)s (server time)."
    assert refused.value.params == {"opens": sitting.opens_at, "closes": sitting.closes_at}


def test_submit_scores_the_saved_answers_and_writes_the_ledger(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["A"], 2)
    outcome = attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert outcome.closed_now and attempt.state == AttemptState.SUBMITTED
    assert attempt.score == Decimal(50) and attempt.passed is False
    assert ledger.verify(db).ok and ledger.verify(db).entries == 1


def test_a_retried_save_is_stored_once_and_an_older_one_does_not_win(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 5)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 5)
    late = attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 4)
    assert late.current is False
    assert current_responses(db, attempt.id)[1].answer == ["C"]
    assert db.query(ResponseStep).filter_by(attempt_id=attempt.id, client_seq=5).count() == 1


def test_a_save_for_an_option_the_question_lacks_is_refused(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput):
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["F"], 1)
    with pytest.raises(InvalidInput):
        attempts.save_response(db, clock, cadre, attempt.id, 9, ["A"], 2)


def test_save_after_submit_is_refused(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    with pytest.raises(AttemptClosed):
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)


def test_save_within_grace_counts_and_after_grace_is_refused(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:30:20"))
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    clock.set(at("10:30:31"))
    with pytest.raises(DeadlinePassed):
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")


def test_a_stale_tabs_submit_after_hand_in_lists_each_change_not_taken_with_what_the_slot_holds(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1, "pageA", 0)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 2, "pageA", 1)  # slot 1 at version 2
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {
        1: Change(1, ["A"], "pageB", 7, 0), 2: Change(2, ["B"], "pageB", 8, 0)})
    assert late.attempt is attempt and attempt.state == AttemptState.SUBMITTED
    assert (late.closed_now, late.payload_ignored, late.receipts) == (False, "already_submitted", ())
    assert late.not_taken == (ChangeReceipt(1, 7, Outcome.CLOSED, ["A"], ["C"], 2),
                              ChangeReceipt(2, 8, Outcome.CLOSED, ["B"], None, 0))
    assert current_responses(db, attempt.id)[1].answer == ["C"] and 2 not in current_responses(db, attempt.id)


def test_a_late_change_equal_to_what_is_stored_or_empty_where_nobody_answered_is_not_listed(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 1, "pageA", 0)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {
        1: Change(1, ["C"], "pageB", 3, 0), 2: Change(2, [], "pageB", 4, 0)})
    assert late.payload_ignored == "already_submitted" and late.not_taken == ()


def test_a_late_change_clearing_a_stored_answer_is_listed_as_lost(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 1, "pageA", 0)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {1: Change(1, [], "pageB", 5, 1)})
    assert late.not_taken == (ChangeReceipt(1, 5, Outcome.CLOSED, [], ["C"], 1),)
    assert current_responses(db, attempt.id)[1].answer == ["C"]


def test_a_late_answer_that_fits_no_question_is_reported_as_sent(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {
        1: Change(1, ["F"], "pageB", 2, 0), 2: Change(2, "zz", "pageB", 3, 0), 9: Change(9, ["A"], "pageB", 4, 0)})
    assert late.not_taken == (ChangeReceipt(1, 2, Outcome.CLOSED, ["F"], None, 0),
                              ChangeReceipt(2, 3, Outcome.CLOSED, "zz", None, 0))


PAGE_TOKEN_REFUSED = [("the page token is missing or malformed; reload the page", "page")]


@pytest.mark.parametrize("sent", [None, 123, "two words", "submit", "x" * 33])
def test_a_missing_or_malformed_page_token_is_refused_with_a_clear_reason(sent):
    with pytest.raises(InvalidInput) as refused:
        attempts.page_token(sent, required=True)
    assert [(p.message, p.place) for p in refused.value.problems] == PAGE_TOKEN_REFUSED


def test_a_well_formed_page_token_is_taken_and_an_absent_one_is_none_when_not_required():
    assert attempts.page_token("tab-2_Ab") == "tab-2_Ab"
    assert attempts.page_token("tab-2_Ab", required=True) == "tab-2_Ab"
    assert attempts.page_token(None) is None


def test_a_change_as_the_exam_page_sends_it_keeps_every_field():
    assert attempts.page_change(2, ["B", "D"], 7, "tab-2_Ab", 3) == Change(2, ["B", "D"], "tab-2_Ab", 7, 3)


def test_a_change_from_the_page_without_the_version_it_was_based_on_is_refused():
    with pytest.raises(InvalidInput) as refused:
        attempts.page_change(2, ["B"], 7, "tab-2_Ab", None)
    assert [(p.message, p.place) for p in refused.value.problems] == [
        ("the version the change is based on is missing or malformed; reload the page", "base")]


NO_SUCH_QUESTION = "there is no question %(slot)s on this paper"


def test_a_save_or_a_hand_in_naming_no_question_of_the_paper_says_which_number_and_stores_nothing(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 9, ["A"], 1)
    assert [(p.message, p.params, p.place) for p in refused.value.problems] == [(NO_SUCH_QUESTION, {"slot": 9}, "slot")]
    with pytest.raises(InvalidInput) as refused:
        attempts.submit_attempt(db, clock, cadre, attempt.id, {1: ["B"], 9: ["A"]})
    assert [(p.message, p.params, p.place) for p in refused.value.problems] == [(NO_SUCH_QUESTION, {"slot": 9}, "slot")]
    assert str(refused.value.problems[0]) == "slot: there is no question 9 on this paper"
    assert attempt.is_open


def test_a_save_based_on_a_malformed_version_is_refused_before_anything_is_read(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    for base in (-1, "2", 2**53):
        with pytest.raises(InvalidInput) as refused:
            attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1, "pageA", base)
        assert [p.place for p in refused.value.problems] == ["base"]
    assert 1 not in current_responses(db, attempt.id)


def test_a_save_to_a_handed_in_attempt_names_the_attempt_for_the_page_to_show_its_result(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    with pytest.raises(AttemptClosed) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    assert refused.value.params == {"attempt_id": attempt.id}


def test_the_status_shows_each_saved_answer_as_the_candidate_saw_it_and_its_version(db, clock, make):
    make.questions(1, "single_choice", key=["B"])
    make.questions(1, "multiple_choice", key=["A", "C"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 50, "行政处罚法"), ("multiple_choice", 1, 50, "行政处罚法")]),
                           roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 1, "pageA", 0)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["D", "A"], 2, "pageA", 0)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 3, "pageA", 1)
    shown = attempts.status(db, clock, attempts.touch(db, clock, cadre, attempt.id))
    assert shown.responses == {1: ["B"], 2: ["A", "D"]}
    assert shown.versions == {1: 2, 2: 1}
    assert (shown.answered, shown.total) == (2, 2)


def test_a_time_up_hand_in_before_the_servers_deadline_keeps_the_paper_open_and_says_how_long_is_left(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:29:58") + dt.timedelta(milliseconds=300))  # 1.7 s left: said as 2, rounded up
    with pytest.raises(NotDueYet) as refused:
        attempts.submit_attempt(db, clock, cadre, attempt.id, {1: ["B"]}, time_up=True)
    assert refused.value.params == {"remaining_s": 2}
    assert attempt.is_open and 1 not in current_responses(db, attempt.id)


def test_the_attempt_in_progress_and_the_attempts_made_are_counted_per_sitting(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    first = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    second = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    assert first.attempts_allowed == second.attempts_allowed == 1
    started = attempts.start_attempt(db, clock, cadre, second)
    assert attempts.open_attempt(db, first, cadre) is None
    assert attempts.open_attempt(db, second, cadre) is started
    attempts.submit_attempt(db, clock, cadre, started.id)
    # The one attempt used at the second sitting leaves the first's one attempt untouched.
    other = attempts.start_attempt(db, clock, cadre, first)
    assert other.id != started.id and other.attempt_no == 1 and other.is_open


def test_a_hand_in_after_the_grace_closes_the_attempt_at_its_deadline_and_lists_its_changes_as_not_taken(db, clock, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1, "pageA", 0)
    clock.set(at("10:30:31"))
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {
        1: Change(1, ["C"], "pageA", 2, 1), 2: Change(2, ["B"], "pageA", 3, 0)})
    assert (late.attempt, late.closed_now, late.payload_ignored) == (attempt, True, "deadline_passed")
    assert late.not_taken == (ChangeReceipt(1, 2, Outcome.CLOSED, ["C"], ["B"], 1),
                              ChangeReceipt(2, 3, Outcome.CLOSED, ["B"], None, 0))
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")
    assert current_responses(db, attempt.id)[1].answer == ["B"] and 2 not in current_responses(db, attempt.id)


def test_a_hand_in_to_a_voided_attempt_takes_nothing_and_lists_its_changes(db, clock, make, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    proctoring.void_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "替考")
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {1: Change(1, ["B"], "pageA", 1, 0)})
    assert (late.closed_now, late.payload_ignored) == (False, "voided")
    assert late.not_taken == (ChangeReceipt(1, 1, Outcome.CLOSED, ["B"], None, 0),)
    assert attempt.state == AttemptState.CLOSED_BY_VOID and 1 not in current_responses(db, attempt.id)


def test_another_candidate_cannot_hand_in_or_open_my_attempt(db, clock, make, setup):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    other = make.cadre()
    with pytest.raises(NotFound):
        attempts.submit_attempt(db, clock, other, attempt.id, {1: ["A"]})
    with pytest.raises(NotFound):
        attempts.touch(db, clock, other, attempt.id)
    assert attempt.is_open and 1 not in current_responses(db, attempt.id)


@pytest.mark.parametrize("slot", [0, -1, attempts.MAX_SLOT + 1, "1", 1.5, None, True])
def test_a_question_number_that_is_no_whole_number_in_range_is_refused_with_the_range(db, clock, setup, slot):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, slot, ["B"], 1)
    assert [str(p) for p in refused.value.problems] == ["slot: the question number must be a whole number from 1 to 10000"]
    assert current_responses(db, attempt.id) == {}


@pytest.mark.parametrize("seq", [0, -3, attempts.MAX_SEQ + 1, "7", 7.0, None])
def test_a_sequence_number_that_is_no_whole_number_from_1_is_refused_by_name(db, clock, setup, seq):
    cadre, sitting = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], seq)
    assert [str(p) for p in refused.value.problems] == ["seq: the sequence number must be a whole number from 1"]
    assert current_responses(db, attempt.id) == {}


def test_a_questions_first_use_is_the_first_start_that_drew_it_and_a_later_start_keeps_it(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    first, second = make.cadre(), make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[first, second])
    drawn = [item.question_version for item in attempts.start_attempt(db, clock, first, sitting).items]
    assert [version.used_at for version in drawn] == [at("10:00:00")] * 2
    clock.advance(minutes=5)
    again = [item.question_version for item in attempts.start_attempt(db, clock, second, sitting).items]
    assert {version.id for version in again} == {version.id for version in drawn}
    assert [version.used_at for version in again] == [at("10:00:00")] * 2



def test_a_start_records_the_accepted_pledge_time_and_none_without_a_pledge(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    pledged, batch = make.cadre(), make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[pledged, batch])
    assert attempts.start_attempt(db, clock, pledged, sitting, pledge="本人承诺独立作答").pledge_accepted_at == at("10:00:00")
    assert attempts.start_attempt(db, clock, batch, sitting).pledge_accepted_at is None


@pytest.mark.parametrize("shuffled", [True, False])
def test_options_are_shuffled_per_attempt_only_where_the_sitting_says_so(db, clock, make, shuffled):
    make.questions(6, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 6, 10, "行政处罚法")]), roster=[cadre], shuffle=shuffled)
    orders = [item.option_order for item in attempts.start_attempt(db, clock, cadre, sitting, seed=11).items]
    assert all(sorted(order) == [0, 1, 2, 3] for order in orders)
    assert any(order != [0, 1, 2, 3] for order in orders) is shuffled
