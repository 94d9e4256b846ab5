"""Property tests (hypothesis) of the marking rules (domain.md §7, cases C-08 and C-20), per
question type and multiple-choice rule: every score lies in 0..mark in whole hundredths; the
exact key earns the mark; a wrong option earns 0 under every rule; a correct part of the key earns what the
paper's rule says (nothing, half, or the share of the key chosen, half up to the hundredth) and
each further correct option never lowers it; a fill-in scores an equal share
per right blank, more right blanks never scoring less; a short answer waits for a person unless
left empty.

Small, derandomised example counts: the same examples on every run."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.marking_rules import MultiChoiceRule
from question_bank.types import get_type

PROPERTY = settings(max_examples=80, derandomize=True, deadline=None)
LETTERS = "ABCDEFGH"
RULES = st.sampled_from(list(MultiChoiceRule))
#: Marks as a paper holds them: whole hundredths of a point, 0.01 to 100.
MARKS = st.decimals(Decimal("0.01"), Decimal("100"), places=2)
SET_TYPES = st.sampled_from(["multiple_choice", "indefinite_choice"])


@st.composite
def key_and_response(draw, qtype: str):
    """(key, response) over 2–8 options: any key the type allows, any set of chosen options."""
    count = draw(st.integers(2, 8))
    letters = list(LETTERS[:count])
    smallest = 2 if qtype == "multiple_choice" else 1
    key = sorted(draw(st.lists(st.sampled_from(letters), min_size=smallest, max_size=count, unique=True)))
    response = sorted(draw(st.lists(st.sampled_from(letters), max_size=count, unique=True)))
    return key, response, letters


def _in_range(score: Decimal, mark: Decimal) -> None:
    assert Decimal(0) <= score <= mark
    assert score == score.quantize(Decimal("0.01"))


@PROPERTY
@given(SET_TYPES.flatmap(lambda t: st.tuples(st.just(t), key_and_response(t))), MARKS, RULES)
def test_a_choice_score_lies_within_zero_and_the_mark_and_the_key_earns_it(case, mark, rule):
    qtype, (key, response, _) = case
    question = get_type(qtype)
    score = question.mark(key, response, mark, rule)
    _in_range(score, mark)
    assert question.mark(key, key, mark, rule) == mark
    if set(response) - set(key) or not response:
        assert score == 0
    elif set(response) != set(key):
        expected = {MultiChoiceRule.ALL_OR_NOTHING: Decimal(0),
                    MultiChoiceRule.HALF: (mark / 2).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"),
                    MultiChoiceRule.PARTIAL: (mark * len(response) / len(key)).quantize(Decimal("0.01"),
                                                                                          rounding="ROUND_HALF_UP")}
        assert score == expected[rule]


@PROPERTY
@given(SET_TYPES.flatmap(lambda t: st.tuples(st.just(t), key_and_response(t))), MARKS, RULES, st.data())
def test_choosing_one_more_correct_option_never_lowers_a_score_and_one_wrong_option_zeroes_it(case, mark, rule, data):
    qtype, (key, response, letters) = case
    question = get_type(qtype)
    right = [k for k in key if k not in response]
    wrong = [letter for letter in letters if letter not in key]
    before = question.mark(key, response, mark, rule)
    if right:
        added = data.draw(st.sampled_from(right))
        assert question.mark(key, sorted({*response, added}), mark, rule) >= before
    if wrong:
        added = data.draw(st.sampled_from(wrong))
        assert question.mark(key, sorted({*response, added}), mark, rule) == 0


@PROPERTY
@given(st.integers(2, 8).flatmap(lambda n: st.tuples(st.sampled_from(LETTERS[:n]), st.one_of(
    st.none(), st.lists(st.sampled_from(LETTERS[:n]), max_size=n, unique=True)))), MARKS, RULES)
def test_single_choice_scores_the_mark_for_the_key_alone_else_zero(case, mark, rule):
    key, response = case
    score = get_type("single_choice").mark([key], response, mark, rule)
    assert score == (mark if response == [key] else 0)


@PROPERTY
@given(st.booleans(), st.one_of(st.none(), st.booleans()), MARKS, RULES)
def test_true_false_scores_the_mark_only_for_the_key(key, response, mark, rule):
    assert get_type("true_false").mark(key, response, mark, rule) == (mark if response is key else 0)


@st.composite
def blanks(draw):
    """(key, right) : a fill-in key of 1–4 blanks and which blanks a response gets right."""
    count = draw(st.integers(1, 4))
    key = [draw(st.lists(st.text(st.sampled_from(list("行政处罚复议诉讼二五十")), min_size=1, max_size=4),
                         min_size=1, max_size=3, unique=True)) for _ in range(count)]
    right = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    return key, right


def _response(key, right) -> list[str]:
    # A right blank: an accepted answer, in full width or with space around it (never counted
    # against the candidate); a wrong one: a text no alternative equals.
    return [f" {alternatives[-1]} " if ok else "不对的答案" + "".join(alternatives) for alternatives, ok in zip(key, right)]


@PROPERTY
@given(blanks(), MARKS, RULES)
def test_a_fill_in_scores_an_equal_share_per_right_blank_and_more_right_never_scores_less(case, mark, rule):
    key, right = case
    question = get_type("fill_blank")
    score = question.mark(key, _response(key, right), mark, rule)
    _in_range(score, mark)
    assert score == (mark * sum(right) / len(key)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    for index, ok in enumerate(right):
        if not ok:
            better = [*right[:index], True, *right[index + 1:]]
            assert question.mark(key, _response(key, better), mark, rule) >= score
    assert question.mark(key, [""] * len(key), mark, rule) == 0


@PROPERTY
@given(st.one_of(st.none(), st.just(""), st.text(max_size=30)), MARKS, RULES)
def test_a_short_answer_waits_for_a_person_unless_left_empty(response, mark, rule):
    question = get_type("short_answer")
    score = question.mark("参考答案", response, mark, rule)
    assert score == (None if question.is_answered(response) else 0)
