"""Question types: key parsing, validation and marking rules (domain.md §3, §7; case C-08)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from question_bank.models import MultiChoiceRule
from question_bank.types import REGISTRY, get_type, type_for_import_name

MULTIPLE = get_type("multiple_choice")
KEY_AC = ["A", "C"]


@pytest.mark.parametrize("answer, score", [
    (["A", "C"], "2"), (["A"], "0"), (["A", "B", "C"], "0"), (["A", "B", "C", "D"], "0"), ([], "0"),
])
def test_c08_all_or_nothing_gives_marks_only_for_the_exact_key(answer, score):
    assert MULTIPLE.mark(KEY_AC, answer, Decimal(2), MultiChoiceRule.ALL_OR_NOTHING) == Decimal(score)


@pytest.mark.parametrize("rule", [MultiChoiceRule.HALF, MultiChoiceRule.PARTIAL])
@pytest.mark.parametrize("answer, score", [(["A", "C"], "2"), (["A"], "1"), (["A", "B"], "0"), (["A", "B", "C"], "0")])
def test_c08_half_and_partial_rules_never_reward_a_wrong_option(rule, answer, score):
    assert MULTIPLE.mark(KEY_AC, answer, Decimal(2), rule) == Decimal(score)


def test_c08_partial_rule_pays_in_proportion_and_rounds_to_the_cent():
    key = ["A", "B", "C"]
    assert MULTIPLE.mark(key, ["A"], Decimal(2), MultiChoiceRule.PARTIAL) == Decimal("0.67")
    assert MULTIPLE.mark(key, ["A", "B"], Decimal(2), MultiChoiceRule.PARTIAL) == Decimal("1.33")
    assert MULTIPLE.mark(key, ["A"], Decimal(2), MultiChoiceRule.HALF) == Decimal("1.00")


@pytest.mark.parametrize("code", sorted(REGISTRY))
@pytest.mark.parametrize("rule", list(MultiChoiceRule))
def test_c08_no_response_under_any_rule_scores_below_zero(code, rule):
    qtype = get_type(code)
    key = True if code == "true_false" else ["A", "C"] if code != "single_choice" else ["A"]
    for answer in (None, [], ["B"], ["B", "D"], ["A", "B", "C", "D"], False, True):
        try:
            normalised = qtype.normalise_response(answer, 4)
        except ValueError:
            continue
        assert qtype.mark(key, normalised, Decimal(2), rule) >= 0


def test_single_choice_scores_only_the_key():
    single = get_type("single_choice")
    assert single.mark(["B"], ["B"], Decimal(2), MultiChoiceRule.HALF) == Decimal(2)
    assert single.mark(["B"], ["A"], Decimal(2), MultiChoiceRule.HALF) == 0
    assert single.mark(["B"], None, Decimal(2), MultiChoiceRule.HALF) == 0


def test_single_choice_refuses_two_chosen_options():
    with pytest.raises(ValueError):
        get_type("single_choice").normalise_response(["A", "B"], 4)


def test_true_false_reads_every_key_notation_of_the_template():
    tf = get_type("true_false")
    for word in ("对", "正确", "√", "T", "true", "Ｔ"):
        assert tf.parse_key(word, []) is True
    for word in ("错", "错误", "×", "F", "false"):
        assert tf.parse_key(word, []) is False
    with pytest.raises(ValueError):
        tf.parse_key("也许", [])


def test_true_false_marks_false_key_and_unanswered_differently():
    tf = get_type("true_false")
    assert tf.mark(False, False, Decimal(1), MultiChoiceRule.ALL_OR_NOTHING) == 1
    assert tf.mark(False, None, Decimal(1), MultiChoiceRule.ALL_OR_NOTHING) == 0


@pytest.mark.parametrize("text, key", [("ACD", ["A", "C", "D"]), ("A,C,D", ["A", "C", "D"]), ("ｃ、ａ", ["A", "C"]),
                                       (" b d ", ["B", "D"])])
def test_choice_keys_are_read_in_every_template_notation(text, key):
    assert MULTIPLE.parse_key(text, ["1", "2", "3", "4"]) == key


def test_choice_validation_names_a_key_letter_without_an_option():
    problems = get_type("single_choice").validate(["甲", "乙", "丙", "丁"], ["E"])
    assert any("E" in str(p) for p in problems)


def test_multiple_choice_needs_two_keys_and_indefinite_one():
    assert MULTIPLE.validate(["甲", "乙", "丙"], ["A"])
    assert not get_type("indefinite_choice").validate(["甲", "乙", "丙"], ["A"])


def test_import_names_find_their_types():
    assert type_for_import_name("单选").code == "single_choice"
    assert type_for_import_name("多选题").code == "multiple_choice"
    assert type_for_import_name("不定项").code == "indefinite_choice"
    assert type_for_import_name("判断").code == "true_false"
    assert type_for_import_name("作文") is None


def test_option_and_key_problems_say_which_field_they_concern():
    single = get_type("single_choice")
    assert [p.place for p in single.validate(["甲", ""], ["E"])] == ["options", "key"]
    assert [p.place for p in single.validate(["甲"], None)] == ["options", "key"]
    assert [p.place for p in MULTIPLE.validate(["甲", "乙", "丙"], ["A"])] == ["key"]
    assert [p.place for p in get_type("true_false").validate(["甲"], None)] == ["options", "key"]
