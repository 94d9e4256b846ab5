"""Question types: key parsing, validation and marking rules (domain.md §3, §7; case C-08)."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import examsvc
from question_bank.errors import Problem, fill
from question_bank.field_limits import (MAX_ALTERNATIVES, MAX_ANSWER_CHARS, MAX_BLANKS, MAX_REFERENCE_CHARS,
                                        MAX_RESPONSE_CHARS)
from question_bank.marking_rules import MultiChoiceRule
from question_bank.types import REGISTRY, get_type, type_for_import_name
from question_bank.types.base import key_problem, problem_of, round_score
from question_bank.types.choice import pinning_proposals, read_letters
from question_bank.types.fill_blank import read_answer, written_answer
from question_bank.types.short_answer import NO_REFERENCE

#: The Chinese catalogue the pages translate the types' messages with (found beside the app, so
#: that a mutation run, which copies only the domain, reads the same file).
CATALOGUE = Path(examsvc.__file__).parent / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


@functools.cache
def _chinese_catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="zh_CN")


def in_chinese(problem: Problem | ValueError) -> str:
    """A type's problem (or the ``ValueError`` it raised) as the Chinese page shows it: its message
    translated and its figures filled in. Fails when the message is not one the translators have,
    since the page would then show English to a Chinese editor or candidate."""
    if isinstance(problem, ValueError):
        problem = problem_of(problem)
    entry = _chinese_catalogue().get(problem.message)
    assert entry is not None and entry.string, f"no Chinese for {problem.message!r}"
    return fill(entry.string, problem.params)

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


#: A sound key of each type, for the tests that run over every type.
SAMPLE_KEYS = {"single_choice": ["A"], "multiple_choice": ["A", "C"], "indefinite_choice": ["A", "C"],
               "true_false": True, "fill_blank": [["甲"], ["乙", "丙"]], "short_answer": "参考答案"}


def test_every_registered_type_has_a_sample_key_here():
    assert set(SAMPLE_KEYS) == set(REGISTRY)


@pytest.mark.parametrize("code", sorted(REGISTRY))
@pytest.mark.parametrize("rule", list(MultiChoiceRule))
def test_c08_no_response_under_any_rule_scores_below_zero(code, rule):
    qtype = get_type(code)
    key = SAMPLE_KEYS[code]
    for answer in (None, [], ["B"], ["B", "D"], ["A", "B", "C", "D"], False, True, "", ["乙", ""], ["", "丙"], "答"):
        try:
            normalised = qtype.normalise_response(answer, 4, 2)
        except ValueError:
            continue
        score = qtype.mark(key, normalised, Decimal(2), rule)
        assert score is None or score >= 0


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


@pytest.mark.parametrize("text, key", [(" 对 ", True), ("yes", True), ("ｙｅｓ", True), ("✔", True), ("Y", True),
                                       (" 错误", False), ("no", False), ("✘", False), ("ｆ", False), ("否", False)])
def test_true_false_keys_are_read_whatever_their_width_case_or_surrounding_spaces(text, key):
    assert get_type("true_false").parse_key(text, []) is key


@pytest.mark.parametrize("text, message", [("", "the key is empty"), ("  ", "the key is empty"),
                                           ("对错", "a true/false key is")])
def test_an_empty_or_unreadable_true_false_key_is_refused_saying_which(text, message):
    with pytest.raises(ValueError, match=message):
        get_type("true_false").parse_key(text, [])


def test_a_true_false_key_is_written_back_as_dui_or_cuo():
    tf = get_type("true_false")
    assert (tf.format_key(True), tf.format_key(False)) == ("对", "错")


@pytest.mark.parametrize("raw, response", [("T", True), ("true", True), (True, True), ("F", False), ("false", False),
                                           (False, False), (None, None), ("", None)])
def test_a_true_false_answer_from_the_exam_page_is_read_as_true_false_or_unanswered(raw, response):
    assert get_type("true_false").normalise_response(raw, 0) is response


@pytest.mark.parametrize("raw", ["t", "yes", "对", 1, 0, "T ", "A", ["T"]])
def test_a_true_false_answer_in_any_other_form_is_refused_not_guessed(raw):
    with pytest.raises(ValueError, match="T or F"):
        get_type("true_false").normalise_response(raw, 0)


def test_a_true_false_key_must_be_true_or_false_not_a_word_or_number():
    tf = get_type("true_false")
    assert tf.validate([], True) == [] and tf.validate([], False) == []
    for key in ("对", 1, None):
        [problem] = tf.validate([], key)
        assert problem.place == "key"


def test_true_false_marks_false_key_and_unanswered_differently():
    tf = get_type("true_false")
    assert tf.mark(False, False, Decimal(1), MultiChoiceRule.ALL_OR_NOTHING) == 1
    assert tf.mark(False, None, Decimal(1), MultiChoiceRule.ALL_OR_NOTHING) == 0


@pytest.mark.parametrize("text, key", [("ACD", ["A", "C", "D"]), ("A,C,D", ["A", "C", "D"]), ("ｃ、ａ", ["A", "C"]),
                                       (" b d ", ["B", "D"])])
def test_choice_keys_are_read_in_every_template_notation(text, key):
    assert MULTIPLE.parse_key(text, ["1", "2", "3", "4"]) == key


@pytest.mark.parametrize("text", ["", "  ", "、，", None])
def test_an_empty_choice_key_is_refused_as_empty(text):
    with pytest.raises(ValueError) as refused:
        get_type("multiple_choice").parse_key(text, ["甲", "乙", "丙"])
    assert problem_of(refused.value).message == "the key is empty"


@pytest.mark.parametrize("text, value", [("AZ", "Z"), ("A1", "1"), ("I", "I"), ("a、z", "Z")])
def test_a_choice_key_holding_other_than_option_letters_names_what_it_holds(text, value):
    with pytest.raises(ValueError) as refused:
        get_type("multiple_choice").parse_key(text, ["甲", "乙", "丙"])
    problem = problem_of(refused.value)
    assert (problem.message, problem.params) == ("the key may only hold option letters A–H, not %(value)s",
                                                 {"value": value})


@pytest.mark.parametrize("key", [None, "", []])
def test_a_missing_key_is_said_to_be_missing_at_the_key(key):
    problem = key_problem(key, "a true/false key is true or false (对/错)")
    assert (problem.message, problem.place) == ("the key is missing", "key")


@pytest.mark.parametrize("key", ["x", [1], 0])
def test_a_key_of_the_wrong_shape_is_told_the_shape_wanted_at_the_key(key):
    problem = key_problem(key, "a true/false key is true or false (对/错)")
    assert (problem.message, problem.place) == ("a true/false key is true or false (对/错)", "key")


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


def test_every_type_round_trips_its_key_through_the_template_notation():
    for code, key in SAMPLE_KEYS.items():
        qtype = get_type(code)
        assert qtype.parse_key(qtype.format_key(key), ["1", "2", "3", "4"]) == key


# --- two identical options, a key on an empty option ---------------------------------------------

_SAME = "options %(first)s and %(second)s are the same"
_SAME_FOLDED = ("options %(first)s and %(second)s are the same apart from full-width/half-width characters, "
                "upper/lower case or spaces")


@pytest.mark.parametrize("options, message", [
    (["警告", "罚款", "警告"], _SAME), (["警告", "罚款", "警告 "], _SAME), (["罚款", "警告", "罚 款"], _SAME_FOLDED),
    (["PM2.5", "罚款", "ＰＭ２．５"], _SAME_FOLDED), (["ICP许可证", "罚款", "icp许可证"], _SAME_FOLDED),
    (["警告", "罚款", "\u200b警告"], _SAME_FOLDED), (["ABC公司", "罚款", "ＡＢＣ公司"], _SAME_FOLDED),
    (["abc", "罚款", "ABC"], _SAME_FOLDED),
])
def test_two_options_that_read_the_same_are_refused_on_the_second_saying_why(options, message):
    problems = get_type("single_choice").validate(options, ["B"])
    assert [(p.place, p.message, p.params) for p in problems] == [("option_C", message, {"first": "A", "second": "C"})]


@pytest.mark.parametrize("qtype, text, letters", [("multiple_choice", "AAB", "A"), ("multiple_choice", "A,B,b", "B"),
                                                 ("single_choice", "ＡA", "A"), ("multiple_choice", "ABCC D D", "C、D")])
def test_a_choice_key_giving_a_letter_twice_is_refused_not_shortened(qtype, text, letters):
    with pytest.raises(ValueError) as caught:
        get_type(qtype).parse_key(text, ["1", "2", "3", "4"])
    assert caught.value.args == ("the key %(value)s gives option %(letters)s more than once; write each letter once",
                                 {"value": text, "letters": letters})


def test_options_that_differ_in_punctuation_inside_are_different_options():
    assert get_type("single_choice").validate(["2.5倍", "25倍", "罚款"], ["B"]) == []
    assert [p.place for p in get_type("single_choice").validate(["《行政处罚法》", "行政处罚法。", "罚款"], ["B"])] == [
        "option_B"]


def test_a_key_on_an_empty_option_is_refused_at_the_key():
    problems = get_type("single_choice").validate(["甲", "", "丙"], ["B"])
    assert [(p.place, p.message) for p in problems] == [
        ("options", "options must be filled in from A without gaps"),
        ("key", "the key names option %(letters)s, which is empty")]


# --- fill in the blank (case C-09) ---------------------------------------------------------------

FILL = get_type("fill_blank")
ONE = Decimal(1)


@pytest.mark.parametrize("key", [[["行政复议"]], [["行政复议 "]]])
@pytest.mark.parametrize("answer", ["行政复议", " 行政复议 ", "行政复议\u3000"])
def test_c09_the_answer_matches_a_key_saved_with_or_without_a_trailing_space(key, answer):
    assert FILL.mark(key, FILL.normalise_response([answer], 0, 1), ONE, MultiChoiceRule.ALL_OR_NOTHING) == ONE


@pytest.mark.parametrize("key", [[["行政复议"]], [["行政复议 "]]])
def test_c09_a_wrong_or_empty_answer_scores_nothing_without_an_error(key):
    rule = MultiChoiceRule.ALL_OR_NOTHING
    assert FILL.mark(key, ["行政诉讼"], ONE, rule) == 0
    assert FILL.mark(key, FILL.normalise_response([""], 0, 1), ONE, rule) == 0
    assert FILL.mark(key, FILL.normalise_response(None, 0, 1), ONE, rule) == 0
    assert FILL.mark(key, None, ONE, rule) == 0


@pytest.mark.parametrize("answer", ["ＷＴＯ", "wto", "W T O", "\ufeffWTO\u200b", "ｗｔｏ\u3000"])
def test_fill_in_ignores_width_case_spaces_and_invisible_characters_on_both_sides(answer):
    assert FILL.blank_results([["世界贸易组织", "WTO "]], [answer]) == [True]


def test_fill_in_keeps_punctuation_meaningful():
    assert FILL.blank_results([["2.5"]], ["25"]) == [False]


def test_fill_in_gives_each_blank_an_equal_share_and_never_more_than_the_mark():
    key = [["甲"], ["乙", "己"], ["丙"]]
    rule = MultiChoiceRule.ALL_OR_NOTHING
    assert FILL.mark(key, ["甲", "己", "丙"], ONE, rule) == ONE
    assert FILL.mark(key, ["甲", "己", "丁"], ONE, rule) == Decimal("0.67")
    assert FILL.mark(key, ["甲", "", ""], ONE, rule) == Decimal("0.33")
    assert FILL.mark(key, ["丙", "甲", "乙"], ONE, rule) == 0  # a blank's answer counts only in its own blank
    for blanks in range(1, 11):
        for right in range(blanks + 1):
            for cents in (1, 3, 7, 10, 33, 100, 250, 9999):
                mark = Decimal(cents) / 100
                answers = ["对"] * right + ["错"] * (blanks - right)
                score = FILL.mark([["对"]] * blanks, answers, mark, rule)
                assert 0 <= score <= mark
                assert (score == mark) is (right == blanks) or mark < Decimal("0.01") * blanks


@pytest.mark.parametrize("text, key", [
    ("行政复议", [["行政复议"]]),
    ("行政复议|行政诉讼/诉讼", [["行政复议"], ["行政诉讼", "诉讼"]]),
    (" 行政复议 ｜ 行政诉讼 ／ 诉讼 ", [["行政复议"], ["行政诉讼", "诉讼"]]),
    ("1\\/2|和\\|或|a\\\\b", [["1/2"], ["和|或"], ["a\\b"]]),
])
def test_fill_in_keys_are_read_in_the_template_notation_and_written_back(text, key):
    assert FILL.parse_key(text, []) == key
    assert FILL.parse_key(FILL.format_key(key), []) == key


@pytest.mark.parametrize("text, message", [
    ("", "the key is empty"), ("  ", "the key is empty"),
    ("行政复议||诉讼", "blank %(n)d has no answer; separate blanks with | and alternatives with /"),
    ("行政复议|诉讼/", "blank %(n)d has an empty alternative (two / in a row, or one at an end)"),
    ("行政复议//诉讼", "blank %(n)d has an empty alternative (two / in a row, or one at an end)"),
])
def test_fill_in_keys_with_an_empty_blank_or_alternative_are_refused_not_trimmed(text, message):
    with pytest.raises(ValueError) as caught:
        FILL.parse_key(text, [])
    assert caught.value.args[0] == message


@pytest.mark.parametrize("stem, blanks", [
    ("行政机关（ ）作出决定", 1), ("依法（　）和（）", 2), ("先___后____", 2), ("全角＿＿下划线", 1),
    ("当事人(  )申请", 1), ("没有空的题干（以下简称本法）", 0), ("下划线_一个", 0),
])
def test_blanks_are_counted_from_the_stem(stem, blanks):
    assert FILL.blank_count(stem) == blanks


def test_the_number_of_blanks_in_the_stem_must_match_the_key():
    problems = FILL.validate([], [["甲"], ["乙"]], stem="依法（ ）")
    assert [(p.place, p.params) for p in problems] == [("key", {"blanks": 1, "answers": 2})]
    assert [p.place for p in FILL.validate([], [["甲"]], stem="没有空")] == ["stem"]
    assert FILL.validate([], [["甲"], ["乙"]], stem="依法（ ）和___") == []


def test_a_fill_in_key_listing_an_answer_twice_or_an_empty_one_is_refused():
    problems = FILL.validate([], [["诉讼", " 诉讼"], ["甲", "\u3000"]], stem="（ ）（ ）")
    assert [(p.message, p.params) for p in problems] == [
        ("blank %(n)d lists %(answer)s twice", {"n": 1, "answer": "诉讼"}),
        ("blank %(n)d has an empty alternative", {"n": 2})]


def test_a_fill_in_response_is_one_text_per_blank():
    assert FILL.normalise_response(["甲", " 乙 "], 0, 2) == ["甲", " 乙 "]  # kept as typed
    assert FILL.normalise_response("甲", 0, 1) == ["甲"]
    for bad in (["甲"], ["甲", "乙", "丙"], [1, 2], {"1": "甲"}, ["甲" * 201, ""]):
        with pytest.raises(ValueError):
            FILL.normalise_response(bad, 0, 2)
    assert not FILL.is_answered(["", " \u3000"]) and FILL.is_answered(["", "乙"])


def test_an_unanswered_fill_in_is_one_empty_text_per_blank():
    assert FILL.normalise_response("", 0, 3) == ["", "", ""]
    assert FILL.normalise_response(None, 0, 2) == ["", ""]


def test_a_fill_in_answer_of_exactly_the_limit_is_kept_whole_and_one_more_character_is_refused_saying_the_limit():
    at_limit = "法" * MAX_ANSWER_CHARS
    assert FILL.normalise_response([at_limit, "乙"], 0, 2) == [at_limit, "乙"]
    with pytest.raises(ValueError) as refused:
        FILL.normalise_response(["甲", at_limit + "律"], 0, 2)
    problem = problem_of(refused.value, "answer")
    assert (problem.message, problem.params) == (
        "an answer to a blank may have at most %(n)d characters", {"n": MAX_ANSWER_CHARS})


@pytest.mark.parametrize("bad", [["甲"], ["甲", "乙", "丙"], [1, "乙"], "甲"])
def test_a_fill_in_answer_with_the_wrong_number_of_texts_is_refused_saying_how_many_blanks(bad):
    with pytest.raises(ValueError) as refused:
        FILL.normalise_response(bad, 0, 2)
    problem = problem_of(refused.value, "answer")
    assert (problem.message, problem.params) == ("a fill-in answer is one text for each of the %(n)d blanks", {"n": 2})


# --- short answer / case analysis ----------------------------------------------------------------

SHORT = get_type("short_answer")


def test_a_short_answer_waits_for_a_person_unless_left_empty():
    rule = MultiChoiceRule.ALL_OR_NOTHING
    assert SHORT.mark("参考答案", "行政机关应当依法行使职权", Decimal(10), rule) is None
    for empty in (None, "", "  \n\u3000"):
        assert SHORT.mark("参考答案", SHORT.normalise_response(empty, 0), Decimal(10), rule) == 0
    assert not SHORT.auto_marked


def test_a_short_answer_without_reference_answer_is_kept_noted_and_not_publishable_and_has_no_options():
    assert [p.place for p in SHORT.validate(["甲"], "参考答案")] == ["options"]
    assert SHORT.parse_key(" \n ", []) == "" and SHORT.validate([], "") == []
    assert SHORT.parse_key(" 第一，\r\n第二。 ", []) == "第一，\n第二。"
    # Saved without one, the author is told it is missing, and approval waits for it.
    assert [p.message for p in SHORT.settle_key(" ")[1]] == [NO_REFERENCE] and SHORT.settle_key("要点")[1] == []
    assert [p.place for p in SHORT.publish_problems("")] == ["key"] and SHORT.publish_problems("要点") == []


def test_a_short_answer_response_is_kept_as_typed_up_to_its_limit():
    assert SHORT.normalise_response("  第一，\n第二  ", 0) == "  第一，\n第二  "
    with pytest.raises(ValueError):
        SHORT.normalise_response("字" * 10_001, 0)
    with pytest.raises(ValueError):
        SHORT.normalise_response(["不是文本"], 0)


def test_fill_in_and_short_answer_are_found_by_their_chinese_names():
    for name in ("填空", "填空题", "fill_blank"):
        assert type_for_import_name(name).code == "fill_blank"
    for name in ("简答", "简答题", "案例分析", "案例分析题", "short_answer"):
        assert type_for_import_name(name).code == "short_answer"


# --- pinned options (case C-23) ------------------------------------------------------------------

@pytest.mark.parametrize("options, pinned", [
    (["警告", "罚款", "以上都是"], [2]), (["警告", "以上都不对", "罚款"], [1]), (["甲", "乙", " 上述说法均正确"], [2]),
    (["甲", "乙", "以上都是", "以上都不对"], [2, 3]), (["甲", "乙", "所以上述"], []), (["甲", "乙", "都对"], []),
])
def test_options_that_refer_to_the_others_are_proposed_for_pinning(options, pinned):
    assert pinning_proposals(options) == pinned


@pytest.mark.parametrize("text, letters", [("D", ["D"]), ("c,d", ["C", "D"]), ("ＣＤ", ["C", "D"]), ("", [])])
def test_pinned_letters_are_read_like_keys(text, letters):
    assert read_letters(text) == letters


@pytest.mark.parametrize("answer, right", [
    ("行政复议。", True), ("“行政复议”", True), ("行政复议；", True), ("《行政复议法》", False),
    ("行政-复议", False), ("-5", False), ("5%", False),
])
def test_fill_in_ignores_the_sentence_marks_around_an_answer_but_not_what_changes_it(answer, right):
    assert FILL.blank_results([["行政复议", "5"]], [answer]) == [right]


def test_a_title_in_book_marks_matches_the_title_without_them():
    assert FILL.blank_results([["《中华人民共和国行政处罚法》"]], ["中华人民共和国行政处罚法"]) == [True]


# --- short answer: the editor's reference answer and the candidate's text, in Chinese ------------

def test_a_reference_answer_of_exactly_the_limit_is_kept_and_one_more_character_is_refused_naming_the_limit():
    assert SHORT.validate([], "法" * MAX_REFERENCE_CHARS) == []
    [problem] = SHORT.validate([], "法" * (MAX_REFERENCE_CHARS + 1))
    assert problem.place == "key" and str(MAX_REFERENCE_CHARS) in in_chinese(problem)


@pytest.mark.parametrize("key, missing", [(None, True), (["参考答案"], False), (5, False)])
def test_a_short_answer_key_that_is_not_a_text_is_refused_at_the_key_in_chinese(key, missing):
    [problem] = SHORT.validate([], key)
    assert problem.place == "key" and in_chinese(problem)
    assert (problem.message == "the key is missing") is missing


def test_options_given_to_a_short_answer_are_refused_at_the_options_in_chinese():
    [problem] = SHORT.validate(["甲", ""], "参考答案")
    assert problem.place == "options" and in_chinese(problem)
    assert SHORT.validate(["", " "], "参考答案") == []  # empty option boxes are no options


def test_a_short_answer_waiting_for_its_reference_answer_says_so_in_chinese():
    [note] = SHORT.settle_key("")[1]
    [problem] = SHORT.publish_problems(" \n")
    assert (note.place, problem.place) == ("key", "key")
    assert in_chinese(note) and in_chinese(problem)
    assert SHORT.publish_problems(None)  # a key of no text is no reference answer either


def test_a_reference_answer_is_read_from_any_line_ending_and_an_empty_cell():
    assert SHORT.parse_key("第一，\r第二，\r\n第三。", []) == "第一，\n第二，\n第三。"
    assert SHORT.parse_key(None, []) == ""
    assert SHORT.settle_key(SHORT.parse_key(None, []))[0] == ""


def test_a_short_answer_is_written_back_as_its_reference_answer_or_an_empty_cell():
    assert SHORT.format_key("要点一\n要点二") == "要点一\n要点二"
    assert SHORT.format_key(None) == ""


def test_a_candidates_text_of_exactly_the_limit_is_kept_and_one_more_character_is_refused_naming_the_limit():
    at_limit = "答" * MAX_RESPONSE_CHARS
    assert SHORT.normalise_response(at_limit, 0) == at_limit
    with pytest.raises(ValueError) as refused:
        SHORT.normalise_response(at_limit + "答", 0)
    assert str(MAX_RESPONSE_CHARS) in in_chinese(refused.value)


@pytest.mark.parametrize("raw", [["不是文本"], 5, {"text": "答"}])
def test_a_short_answer_sent_as_anything_but_a_text_is_refused_in_chinese(raw):
    with pytest.raises(ValueError) as refused:
        SHORT.normalise_response(raw, 0)
    assert in_chinese(refused.value)


def test_an_unanswered_short_answer_is_read_as_an_empty_text_and_scores_nothing():
    assert SHORT.normalise_response(None, 0) == ""
    assert not SHORT.is_answered("") and not SHORT.is_answered(" \n\u3000") and not SHORT.is_answered(None)
    assert SHORT.is_answered(" 依法行政 ")
    assert SHORT.mark("参考答案", "依法行政", Decimal(10), MultiChoiceRule.PARTIAL) is None


# --- fill in the blank: the editor's key, and the marks for right, partly right and wrong ---------

def test_a_fill_in_key_ending_in_a_backslash_keeps_it():
    assert FILL.parse_key("甲|乙\\", []) == [["甲"], ["乙\\"]]
    assert FILL.parse_key("C:\\temp", []) == [["C:\\temp"]]  # a \ before any other character is kept too


def test_a_fill_in_key_is_written_back_escaping_only_the_separators():
    assert FILL.format_key([["行政复议"], ["诉讼", "起 诉"]]) == "行政复议|诉讼/起 诉"
    assert FILL.format_key([["1/2", "a|b"], ["c\\d", "全角／｜"]]) == "1\\/2/a\\|b|c\\\\d/全角\\／\\｜"


@pytest.mark.parametrize("text, n", [("甲||乙", 2), ("|甲", 1), ("甲|乙|", 3),  # an empty blank
                                     ("甲|乙//丙", 2), ("/甲", 1), ("甲|乙|丙/", 3)])  # an empty alternative
def test_a_fill_in_key_with_an_empty_blank_or_alternative_names_the_blank_in_chinese(text, n):
    with pytest.raises(ValueError) as refused:
        FILL.parse_key(text, [])
    assert problem_of(refused.value).params == {"n": n}
    assert str(n) in in_chinese(refused.value)


def test_alternatives_marking_cannot_tell_apart_are_merged_into_the_first_saying_so_in_chinese():
    key, notes = FILL.settle_key([["甲"], ["２０", "20", "二十", " 20 ", "廿"]])
    assert key == [["甲"], ["２０", "二十", "廿"]]
    assert [(note.place, note.params) for note in notes] == [
        ("key", {"n": 2, "first": "２０", "second": "20"}), ("key", {"n": 2, "first": "２０", "second": "20"})]
    assert "２０" in in_chinese(notes[0]) and "20" in in_chinese(notes[0])
    assert FILL.settle_key([["二"], ["五", "5"]]) == ([["二"], ["五", "5"]], [])


@pytest.mark.parametrize("key", ["甲", ["甲", "乙"], [["甲"], "乙"], [["甲", 2]], [None]])
def test_a_fill_in_key_of_another_shape_is_left_as_it_is_by_settling_and_refused_by_validation(key):
    assert FILL.settle_key(key) == (key, [])
    [problem] = FILL.validate([], key, stem="（ ）（ ）")
    assert problem.place == "key" and problem.message != "the key is missing" and in_chinese(problem)


@pytest.mark.parametrize("key", [None, [], ""])
def test_a_fill_in_without_a_key_is_told_the_key_is_missing(key):
    assert [(p.place, p.message) for p in FILL.validate([], key, stem="依法（ ）")] == [("key", "the key is missing")]


def test_a_fill_in_given_options_is_refused_at_the_options_in_chinese():
    problems = FILL.validate(["甲"], [["乙"]], stem="（ ）")
    assert [p.place for p in problems] == ["options"] and in_chinese(problems[0])


def test_a_fill_in_key_at_each_limit_is_accepted_and_one_past_it_is_refused_naming_the_blank_and_limit():
    stem = "（ ）" * MAX_BLANKS
    at_limits = [["甲"]] * (MAX_BLANKS - 1) + [[f"答{i}" for i in range(MAX_ALTERNATIVES - 1)] + ["法" * MAX_ANSWER_CHARS]]
    assert FILL.validate([], at_limits, stem=stem) == []
    too_many_blanks = FILL.validate([], [["甲"]] * (MAX_BLANKS + 1), stem="（ ）" * (MAX_BLANKS + 1))
    assert [(p.place, p.params) for p in too_many_blanks] == [("key", {"n": MAX_BLANKS})]
    assert str(MAX_BLANKS) in in_chinese(too_many_blanks[0])
    past = [["甲"], [f"答{i}" for i in range(MAX_ALTERNATIVES + 1)], ["法" * (MAX_ANSWER_CHARS + 1)]]
    problems = FILL.validate([], past, stem="（ ）" * 3)
    assert [(p.place, p.params) for p in problems] == [("key", {"n": 2, "max": MAX_ALTERNATIVES}),
                                                       ("key", {"n": 3, "max": MAX_ANSWER_CHARS})]
    assert [str(figure) in in_chinese(p) for p, figure in zip(problems, (MAX_ALTERNATIVES, MAX_ANSWER_CHARS))] == [
        True, True]


def test_a_fill_in_key_problem_names_the_blank_it_is_in_and_says_it_in_chinese():
    problems = FILL.validate([], [["甲"], ["乙", "  "], ["\u3000"], ["丙", "丙 "]], stem="（ ）" * 4)
    assert [(p.place, p.params) for p in problems] == [
        ("key", {"n": 2}), ("key", {"n": 3}), ("key", {"n": 4, "answer": "丙"})]
    assert all(in_chinese(p) for p in problems)


def test_a_stem_without_blanks_or_with_too_few_is_refused_in_chinese():
    [no_blank] = FILL.validate([], [["甲"]])
    assert no_blank.place == "stem" and in_chinese(no_blank)
    [mismatch] = FILL.validate([], [["甲"], ["乙"]], stem="依法（ ）")
    assert "1" in in_chinese(mismatch) and "2" in in_chinese(mismatch)


@pytest.mark.parametrize("line, read", [
    ("1\\/2", ("1/2", "")), ("1\\/", ("1/", "")), ("和\\|或", ("和|或", "")), ("a\\\\b", ("a\\b", "")),
    ("C:\\temp", ("C:\\temp", "")), ("末尾\\", ("末尾\\", "")), (" 行政 复议 ", (" 行政 复议 ", "")),
    ("二/2", ("二/2", "/")), ("甲｜乙／丙|丁/戊", ("甲｜乙／丙|丁/戊", "｜／|/")), ("a/b/c", ("a/b/c", "/")),
])
def test_an_answer_line_of_the_editors_blank_field_is_read_as_the_template_reads_one(line, read):
    assert read_answer(line) == read


@pytest.mark.parametrize("answer", ["1/2", "和|或", "a\\b", "全角／｜", "末尾\\", "行政复议", ""])
def test_an_accepted_answer_shown_in_the_editor_reads_back_as_the_same_one_answer(answer):
    assert read_answer(written_answer(answer)) == (answer, "")


@pytest.mark.parametrize("answers, score", [(["甲", "乙", "丙"], "3"), (["甲", "错", "丙"], "2"), (["甲", "", ""], "1"),
                                            (["错", "错", "错"], "0"), (None, "0"), (["甲"], "1")])
def test_a_fill_in_earns_one_share_of_the_mark_for_each_right_blank(answers, score):
    assert FILL.mark([["甲"], ["乙"], ["丙"]], answers, Decimal(3), MultiChoiceRule.HALF) == Decimal(score)


def test_a_fill_in_without_blanks_in_its_key_scores_nothing_rather_than_failing():
    assert FILL.mark([], ["甲"], Decimal(3), MultiChoiceRule.PARTIAL) == 0


def test_a_fill_in_answer_from_the_exam_page_is_read_for_each_blank():
    assert FILL.normalise_response(["甲", ""], 0, 2) == ["甲", ""]
    with pytest.raises(ValueError) as refused:
        FILL.normalise_response(["甲"], 0, 3)
    assert "3" in in_chinese(refused.value)
    with pytest.raises(ValueError):
        FILL.normalise_response("甲", 0, 2)  # one text is an answer only to a question of one blank


# --- choice: the editor's options and key, the candidate's letters, the marks ---------------------

SINGLE, INDEFINITE = get_type("single_choice"), get_type("indefinite_choice")
FOUR = ["警告", "罚款", "没收违法所得", "责令停产停业"]


def test_option_letters_other_than_a_to_h_are_refused_naming_every_one_in_chinese():
    with pytest.raises(ValueError) as refused:
        read_letters("A、I、J")
    assert problem_of(refused.value).params == {"value": "IJ"} and "IJ" in in_chinese(refused.value)
    with pytest.raises(ValueError) as refused:
        MULTIPLE.parse_key("A、I、J", FOUR)
    assert "IJ" in in_chinese(refused.value)


@pytest.mark.parametrize("text", ["", "AAB"])
def test_an_empty_or_repeating_choice_key_is_refused_in_chinese(text):
    with pytest.raises(ValueError) as refused:
        MULTIPLE.parse_key(text, FOUR)
    assert in_chinese(refused.value)


@pytest.mark.parametrize("count, sound", [(1, False), (2, True), (8, True), (9, False)])
def test_a_choice_question_has_two_to_eight_options_and_is_told_how_many_it_has(count, sound):
    options = [f"选项{i}" for i in range(count)]
    problems = [p for p in SINGLE.validate(options, ["A"]) if p.place == "options"]
    assert not problems if sound else [str(count) in in_chinese(p) for p in problems] == [True]


def test_a_gap_among_the_options_is_refused_in_chinese_and_a_key_on_it_names_the_letter():
    problems = MULTIPLE.validate(["甲", " ", "丙", ""], ["B", "D"])
    assert [(p.place, p.params) for p in problems] == [("options", {}), ("key", {"letters": "BD"})]
    assert "BD" in in_chinese(problems[1])


def test_a_key_letter_past_the_last_option_is_refused_naming_the_letters_in_chinese():
    [problem] = MULTIPLE.validate(FOUR, ["A", "E", "F"])
    assert (problem.place, problem.params) == ("key", {"letters": "EF"}) and "EF" in in_chinese(problem)
    assert MULTIPLE.validate(FOUR, ["A", "D"]) == []


@pytest.mark.parametrize("code, key", [("single_choice", ["A", "B"]), ("single_choice", []),
                                       ("multiple_choice", ["A"]), ("indefinite_choice", [])])
def test_a_choice_key_with_the_wrong_number_of_letters_for_its_type_is_refused_in_chinese(code, key):
    problems = get_type(code).validate(FOUR, key)
    assert [p.place for p in problems] == ["key"] and in_chinese(problems[0])


@pytest.mark.parametrize("key, missing", [(None, True), ([], False), ("AC", False), ([1], False)])
def test_a_choice_key_that_is_not_a_list_of_letters_is_refused_at_the_key_in_chinese(key, missing):
    problems = MULTIPLE.validate(FOUR, key)
    assert [p.place for p in problems] == ["key"] and in_chinese(problems[0])
    assert (problems[0].message == "the key is missing") is missing


def test_options_differing_only_in_the_punctuation_around_them_are_refused_showing_both_texts():
    [problem] = SINGLE.validate(["警告", "罚款", "警告。"], ["B"])
    assert (problem.place, problem.params) == (
        "option_C", {"first": "A", "second": "C", "first_text": "警告", "second_text": "警告。"})
    assert "警告。" in in_chinese(problem)


@pytest.mark.parametrize("raw, read", [(None, []), ("", []), ("B", ["B"]), (["D", "A", "D"], ["A", "D"]), ([], [])])
def test_the_letters_sent_by_the_exam_page_are_read_sorted_and_once_each(raw, read):
    assert MULTIPLE.normalise_response(raw, 4) == read
    assert MULTIPLE.is_answered(MULTIPLE.normalise_response(raw, 4)) is bool(read)


@pytest.mark.parametrize("code, raw", [("multiple_choice", ["A", "E"]), ("multiple_choice", "E"),
                                       ("multiple_choice", ["a"]), ("multiple_choice", [1]),
                                       ("multiple_choice", {"A": True}), ("single_choice", ["A", "B"])])
def test_letters_the_question_cannot_take_are_refused_in_chinese(code, raw):
    with pytest.raises(ValueError) as refused:
        get_type(code).normalise_response(raw, 4)
    assert in_chinese(refused.value)


@pytest.mark.parametrize("rule, score", [(MultiChoiceRule.ALL_OR_NOTHING, "0"), (MultiChoiceRule.HALF, "1.25"),
                                         (MultiChoiceRule.PARTIAL, "0.83")])
def test_a_partly_right_answer_earns_what_the_papers_rule_gives_and_a_right_one_the_whole_mark(rule, score):
    key = ["A", "B", "C"]
    for qtype in (MULTIPLE, INDEFINITE):
        assert qtype.mark(key, ["B"], Decimal("2.5"), rule) == Decimal(score)
        assert qtype.mark(key, ["C", "A", "B"], Decimal("2.5"), rule) == Decimal("2.5")
        assert qtype.mark(key, ["A", "D"], Decimal("2.5"), rule) == 0
        assert qtype.mark(key, [], Decimal("2.5"), rule) == 0
        assert qtype.mark(key, None, Decimal("2.5"), rule) == 0


def test_a_right_single_choice_earns_its_mark_to_the_cent():
    assert SINGLE.mark(["C"], ["C"], Decimal("1.5"), MultiChoiceRule.PARTIAL) == Decimal("1.50")
    assert SINGLE.mark(["C"], [], Decimal("1.5"), MultiChoiceRule.PARTIAL) == 0


# --- what every type shares: problems, places, rounding -------------------------------------------

def test_a_types_refusal_is_read_with_its_figures_and_placed_where_the_caller_says():
    assert problem_of(ValueError("a choice answer is a list of option letters")) == Problem(
        "a choice answer is a list of option letters", {}, "")
    assert problem_of(ValueError("the key is empty", "not figures"), "key") == Problem("the key is empty", {}, "key")
    with pytest.raises(ValueError) as refused:
        FILL.normalise_response(["甲"], 0, 2)
    assert problem_of(refused.value, "answer") == Problem(
        "a fill-in answer is one text for each of the %(n)d blanks", {"n": 2}, "answer")


@pytest.mark.parametrize("points, rounded", [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"),
                                              ("-0.5", "0"), ("3", "3.00")])
def test_points_are_kept_to_the_cent_rounded_half_up_and_never_below_zero(points, rounded):
    assert round_score(Decimal(points)) == Decimal(rounded)


@pytest.mark.parametrize("code", ["true_false", "short_answer", "single_choice"])
def test_only_a_fill_in_shows_answer_boxes_for_the_blanks_of_its_stem(code):
    assert get_type(code).blank_count("依法（ ）和___") == 0
    assert FILL.blank_count("依法（ ）和___") == 2


@pytest.mark.parametrize("name, code", [("Essay", "short_answer"), ("SINGLE", "single_choice"),
                                        (" Multiple ", "multiple_choice"), ("TrueFalse", "true_false"),
                                        ("FILL_BLANK", "fill_blank")])
def test_an_import_names_the_type_in_any_letter_case(name, code):
    assert type_for_import_name(name).code == code
    assert type_for_import_name(None) is None and type_for_import_name("") is None


# --- true/false: messages in Chinese ---------------------------------------------------------------

TF = get_type("true_false")


@pytest.mark.parametrize("text", ["", "也许"])
def test_an_empty_or_unreadable_true_false_key_is_refused_in_chinese(text):
    with pytest.raises(ValueError) as refused:
        TF.parse_key(text, [])
    assert in_chinese(refused.value)


@pytest.mark.parametrize("key, missing", [(None, True), ("对", False), (1, False)])
def test_a_true_false_key_that_is_not_true_or_false_is_refused_in_chinese(key, missing):
    [problem] = TF.validate([], key)
    assert in_chinese(problem) and (problem.message == "the key is missing") is missing


def test_a_true_false_answer_in_another_form_and_options_given_are_refused_in_chinese():
    with pytest.raises(ValueError) as refused:
        TF.normalise_response("对", 0)
    assert in_chinese(refused.value)
    [problem] = TF.validate(["对", "错"], True)
    assert problem.place == "options" and in_chinese(problem)


def test_a_right_true_false_answer_earns_the_mark_to_the_cent_and_a_wrong_one_nothing():
    assert str(TF.mark(True, True, Decimal("1.5"), MultiChoiceRule.HALF)) == "1.50"
    assert TF.mark(True, False, Decimal("1.5"), MultiChoiceRule.HALF) == 0


def test_a_gap_among_the_options_does_not_hide_a_repeat_after_it():
    problems = SINGLE.validate(["警告", "", "罚款", "警告"], ["C"])
    assert [(p.place, p.params) for p in problems] == [("options", {}), ("option_D", {"first": "A", "second": "D"})]
