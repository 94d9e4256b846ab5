"""What a candidate may see of a closed attempt, and when the rest comes (case C-19): the rules of
``results.disclose`` on records made in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank.models import Attempt, AttemptState, ResultPolicy, Sitting
from question_bank.services.results import disclose
from question_bank.services.score_check import CheckedScore, ScoreState

UTC = dt.timezone.utc
OPENS, CLOSES = dt.datetime(2026, 5, 11, 1, 0, tzinfo=UTC), dt.datetime(2026, 5, 11, 4, 0, tzinfo=UTC)
RECORDED = CheckedScore(ScoreState.RECORDED, Decimal("59.99"), Decimal(100), "fail", False)


def closed_attempt(policy: ResultPolicy, show_answers: bool = True, released: dt.datetime | None = None,
                   state: AttemptState = AttemptState.SUBMITTED) -> Attempt:
    sitting = Sitting(opens_at=OPENS, closes_at=CLOSES, results_policy=policy, show_answers=show_answers,
                      results_released_at=released)
    return Attempt(sitting=sitting, state=state)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, 11, hour, minute, tzinfo=UTC)


def test_after_close_nothing_before_the_close_and_everything_at_it():
    attempt = closed_attempt(ResultPolicy.AFTER_CLOSE)
    before = disclose(attempt, RECORDED, at(3, 59))
    assert (before.score_shown, before.answers_shown, before.score_from, before.answers_from) == (False, False, CLOSES, CLOSES)
    at_close = disclose(attempt, RECORDED, CLOSES)
    assert (at_close.score_shown, at_close.answers_shown, at_close.item_marks_shown) == (True, True, True)
    assert (at_close.score_from, at_close.answers_from) == (None, None)


def test_an_early_release_shows_the_score_and_keeps_the_key_until_the_close():
    shown = disclose(closed_attempt(ResultPolicy.AFTER_CLOSE, released=at(2)), RECORDED, at(2, 30))
    assert (shown.score_shown, shown.answers_shown, shown.score_from, shown.answers_from) == (True, False, None, CLOSES)
    assert not shown.item_marks_shown


def test_never_publishes_neither_score_nor_key_whatever_the_time():
    shown = disclose(closed_attempt(ResultPolicy.NEVER), RECORDED, at(9))
    assert (shown.score_shown, shown.answers_shown, shown.score_never, shown.answers_never) == (False, False, True, True)
    assert (shown.score_from, shown.answers_from) == (None, None)


@pytest.mark.parametrize("state", [ScoreState.UNMARKED, ScoreState.MISMATCH, ScoreState.UNRECORDED])
def test_a_score_not_in_the_ledger_is_not_shown_even_when_the_policy_allows(state):
    shown = disclose(closed_attempt(ResultPolicy.IMMEDIATELY), CheckedScore(state), at(2))
    assert (shown.score_shown, shown.score_from, shown.score_never, shown.result.state) == (False, None, False, state)


def test_an_open_attempt_shows_nothing():
    shown = disclose(closed_attempt(ResultPolicy.IMMEDIATELY, state=AttemptState.IN_PROGRESS), RECORDED, at(2))
    assert (shown.score_shown, shown.answers_shown) == (False, False)
