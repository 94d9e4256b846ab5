"""The attempt service at its edges, as pages and other candidates reach it: whose attempt a call
may read or change, the limits of a save's fields and the refusal each bad one gets, what the
status a page polls says before and after the deadline, what a hand-in without a page records,
and what a late hand-in tells the page it did not take. (Each was found changeable without any
test noticing, under mutation: issue 8.)"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from question_bank.errors import AttemptVoided, Conflict, DeadlinePassed, InvalidInput, NotFound
from question_bank.models import Attempt, AttemptState, AuditEvent, QuestionVersion, RegradeKind, ResponseStep, Role
from question_bank.points import to_cents
from question_bank.services import attempts, deadlines, marking, proctoring, regrade
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change, ChangeReceipt, Outcome
from tests.conftest import at

WRITER_REFUSAL = "the page token is missing or malformed; reload the page"


@pytest.fixture
def setup(db, make):
    """A cadre on the roster of a 30-minute sitting of two single-choice questions (key B) drawn
    from three, and the bank's versions."""
    make.questions(3, "single_choice", key=["B"])
    versions = db.scalars(select(QuestionVersion)).all()
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    return cadre, sitting, versions


def problems_of(refused: pytest.ExceptionInfo) -> list[tuple[str, str]]:
    return [(problem.place, problem.message) for problem in refused.value.problems]


def test_another_candidate_cannot_save_into_my_attempt_and_nothing_is_stored(db, clock, make, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(NotFound):
        attempts.save_response(db, clock, make.cadre(), attempt.id, 1, ["A"], 1)
    assert current_responses(db, attempt.id) == {}


def test_a_candidate_reads_the_attempt_they_name_theirs_only(db, clock, make, setup):
    cadre, sitting, _ = setup
    other_sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    first = attempts.start_attempt(db, clock, cadre, sitting)
    second = attempts.start_attempt(db, clock, cadre, other_sitting)
    assert attempts.candidate_attempt(db, second.id, cadre) is second
    assert attempts.candidate_attempt(db, first.id, cadre) is first
    with pytest.raises(NotFound):
        attempts.candidate_attempt(db, first.id, make.cadre())


def test_the_attempt_in_progress_at_a_sitting_is_the_candidates_own(db, clock, make, setup):
    cadre, sitting, _ = setup
    later = make.cadre()
    sitting = make.sitting(sitting.paper, roster=[cadre, later])
    started = attempts.start_attempt(db, clock, cadre, sitting)
    assert attempts.open_attempt(db, sitting, cadre) is started
    assert attempts.open_attempt(db, sitting, later) is None


def test_a_start_records_first_use_of_its_questions_only_and_the_loaded_versions_show_it(db, clock, setup):
    cadre, sitting, versions = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    drawn = {item.question_version_id for item in attempt.items}
    # The versions loaded in this session before the start read their first use without a reload.
    assert {v.id: v.used_at for v in versions} == {v.id: (at("10:00:00") if v.id in drawn else None) for v in versions}
    db.expire_all()
    assert dict(db.execute(select(QuestionVersion.id, QuestionVersion.used_at)).all()) == {
        v.id: (at("10:00:00") if v.id in drawn else None) for v in versions}


def test_the_status_a_page_polls_counts_down_to_zero_at_the_deadline(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    polled_at = at("10:12:30") - dt.timedelta(milliseconds=250)
    clock.set(polled_at)
    polled = attempts.status(db, clock, attempts.touch(db, clock, cadre, attempt.id))
    # 1,050.25 s left: rounded up, so a page's countdown reaches zero at the deadline, not before.
    assert (polled.attempt_id, polled.state, polled.server_time, polled.deadline, polled.remaining_s) == (
        attempt.id, AttemptState.IN_PROGRESS, polled_at, at("10:30:00"), 1051)
    assert attempts.seconds_left(attempt, at("10:29:59")) == 1
    assert attempts.seconds_left(attempt, at("10:30:00")) == 0
    assert attempts.seconds_left(attempt, at("10:31:00")) == 0


def test_a_handed_in_attempt_shows_no_time_left_though_its_deadline_is_later(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:05:00"))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    polled = attempts.status(db, clock, attempts.touch(db, clock, cadre, attempt.id))
    assert (polled.state, polled.remaining_s) == (AttemptState.SUBMITTED, 0)


def test_a_page_token_the_service_makes_is_accepted_by_a_save(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    token = attempts.new_writer_token()
    receipt = attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 1, token, 0)
    assert (receipt.slot, receipt.outcome, receipt.stored_answer) == (2, Outcome.TAKEN, ["B"])


@pytest.mark.parametrize("writer", ["bad token!", "", "x" * 33, 123, None, "submit"])
def test_a_malformed_page_token_is_refused_by_name(db, clock, setup, writer):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1, writer, 0)
    assert problems_of(refused) == [("writer", WRITER_REFUSAL)]
    assert current_responses(db, attempt.id) == {}


def test_the_largest_question_number_and_save_number_are_accepted_as_numbers(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    # Question 10,000 is a valid number, so the refusal is that the paper has no such question.
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, attempts.MAX_SLOT, ["B"], 1, "pageA", 0)
    assert problems_of(refused) == [("slot", "there is no question %(slot)s on this paper")]
    with pytest.raises(InvalidInput) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, attempts.MAX_SLOT + 1, ["B"], 1, "pageA", 0)
    assert [place for place, _ in problems_of(refused)] == ["slot"]
    receipt = attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], attempts.MAX_SEQ, "pageA", 0)
    assert (receipt.seq, receipt.outcome) == (attempts.MAX_SEQ, Outcome.TAKEN)
    change = attempts.page_change(1, ["C"], 1, "pageB", attempts.MAX_SEQ)
    assert change.base == attempts.MAX_SEQ
    with pytest.raises(InvalidInput) as refused:
        attempts.page_change(1, ["C"], 1, "pageB", attempts.MAX_SEQ + 1)
    assert [place for place, _ in problems_of(refused)] == ["base"]


def test_a_save_to_a_voided_attempt_names_the_attempt_and_who_voided_it(db, clock, make, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    proctoring.void_attempt(db, clock, make.user(Role.EXAM_ADMIN), attempt.id, "替考")
    with pytest.raises(AttemptVoided) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    assert (refused.value.params["attempt_id"], refused.value.params["reason"]) == (attempt.id, "替考")


def test_a_save_to_an_attempt_the_sweep_closed_at_its_deadline_is_refused_as_late(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:31:00"))
    assert deadlines.sweep(db, clock) == [attempt.id]
    with pytest.raises(DeadlinePassed) as refused:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    assert refused.value.params["attempt_id"] == attempt.id
    with pytest.raises(DeadlinePassed) as refused_in_grace_order:
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
    assert refused_in_grace_order.value.params["attempt_id"] == attempt.id


def test_a_hand_in_without_a_page_is_recorded_as_the_submit_writers_first_change(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    outcome = attempts.submit_attempt(db, clock, cadre, attempt.id, {2: ["B"]})
    assert [(r.slot, r.seq, r.outcome) for r in outcome.receipts] == [(2, 1, Outcome.TAKEN)]
    steps = db.execute(select(ResponseStep.slot, ResponseStep.writer, ResponseStep.client_seq)
                       .where(ResponseStep.attempt_id == attempt.id)).all()
    assert [tuple(step) for step in steps] == [(2, attempts.SUBMIT_WRITER, 1)]


def test_a_time_up_hand_in_at_exactly_the_deadline_is_taken_and_ends_at_the_deadline(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:30:00"))
    outcome = attempts.submit_attempt(db, clock, cadre, attempt.id, {1: ["B"]}, time_up=True)
    assert outcome.closed_now and attempt.state == AttemptState.AUTO_SUBMITTED
    assert attempt.finished_at == at("10:30:00") and current_responses(db, attempt.id)[1].answer == ["B"]


def test_a_late_hand_in_lists_every_answer_it_did_not_take_past_a_question_the_paper_lacks(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:31:00"))
    # The page sent question 0 (no such question) before question 2, and its answer as a bare
    # letter, which is said back as the list of letters the page shows.
    late = attempts.submit_attempt(db, clock, cadre, attempt.id, {0: ["A"], 2: Change(2, "B", "pageA", 4, 0)})
    assert late.payload_ignored == "deadline_passed"
    assert late.not_taken == (ChangeReceipt(2, 4, Outcome.CLOSED, ["B"], None, 0),)


def test_the_attempts_allowed_are_counted_to_the_last_one_and_then_refused_by_name(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], attempts_allowed=2)
    for _ in range(2):
        attempts.submit_attempt(db, clock, cadre, attempts.start_attempt(db, clock, cadre, sitting).id)
    with pytest.raises(Conflict) as refused:
        attempts.start_attempt(db, clock, cadre, sitting)
    assert (refused.value.template, refused.value.params) == (
        "You have used all %(allowed)d attempt(s) at this sitting.", {"allowed": 2})


def test_starting_again_after_the_deadline_closes_the_attempt_at_its_deadline_first(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    clock.set(at("10:45:00"))
    with pytest.raises(Conflict):  # the one attempt allowed is used up once it is closed
        attempts.start_attempt(db, clock, cadre, sitting)
    db.rollback()
    db.refresh(attempt)
    assert attempt.state == AttemptState.IN_PROGRESS  # refused: nothing of the start was kept
    sitting.attempts_allowed = 2
    db.commit()
    second = attempts.start_attempt(db, clock, cadre, sitting)
    assert second.attempt_no == 2 and second.id != attempt.id
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:30:00"))


def test_a_paper_with_no_items_is_out_of_zero_points_as_a_decimal_sum(db):
    # A points figure is a Decimal everywhere (points.to_cents reads .is_finite(), which int 0 lacks).
    assert marking.full_score(Attempt()).is_finite() and to_cents(marking.full_score(Attempt())) == 0


def test_a_hand_in_after_its_only_question_was_removed_is_out_of_zero_points(db, clock, make):
    make.questions(1, "single_choice", key=["B"])
    admin, cadre, earlier = make.user(Role.EXAM_ADMIN), make.cadre(), make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[earlier, cadre])
    attempts.submit_attempt(db, clock, earlier, attempts.start_attempt(db, clock, earlier, sitting).id)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    regrade.apply(db, clock, admin, sitting.id, attempt.items[0].question_version.question_id,
                  RegradeKind.VOID_REMOVED, "超出考试范围")
    db.commit()
    attempts.submit_attempt(db, clock, cadre, attempt.id, {1: ["B"]})
    assert attempt.max_score.is_finite() and to_cents(attempt.max_score) == 0


def test_the_responses_held_come_in_question_order_whatever_order_they_were_saved_in(db, clock, setup):
    cadre, sitting, _ = setup
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["A"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 2)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 3)
    held = marking.current_responses(db, attempt.id)
    assert [(slot, step.answer) for slot, step in held.items()] == [(1, ["B"]), (2, ["C"])]


def test_a_start_is_audited_as_the_candidates_with_its_sitting_number_and_deadline(db, clock, setup):
    cadre, sitting, _ = setup
    started = attempts.start_attempt(db, clock, cadre, sitting)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.start")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (cadre.id, "attempt", str(started.id))
    # No pledge key at all when the caller took none (a batch start), not a pledge of None.
    assert event.after == {"sitting": sitting.id, "attempt_no": 1, "deadline": "2026-05-11T02:30:00+00:00"}


@pytest.fixture
def shuffled(make):
    """Two cadres on a sitting that shuffles questions and options: 5 of 10 four-option questions,
    whose last option ("以上都对") is pinned in place."""
    make.questions(10, "single_choice", key=["B"])
    for version in make.db.scalars(select(QuestionVersion)):
        version.pinned_options = [3]
    make.db.commit()
    cadres = [make.cadre(), make.cadre()]
    return cadres, make.sitting(make.paper([("single_choice", 5, 20, "行政处罚法")]), roster=cadres, shuffle=True)


def test_a_paper_is_rebuilt_exactly_from_its_seed(db, clock, shuffled):
    cadres, sitting = shuffled
    papers = [attempts.start_attempt(db, clock, cadre, sitting, seed=20261203) for cadre in cadres]
    assert [p.seed for p in papers] == [20261203, 20261203]
    first, second = ([(i.question_version_id, i.option_order) for i in p.items] for p in papers)
    assert first == second


def test_a_pinned_option_keeps_its_place_however_the_options_are_shuffled(db, clock, shuffled):
    cadres, sitting = shuffled
    attempt = attempts.start_attempt(db, clock, cadres[0], sitting)
    orders = [item.option_order for item in attempt.items]
    assert all(order[3] == 3 for order in orders), orders
    assert any(order != [0, 1, 2, 3] for order in orders), orders  # shuffled all the same
