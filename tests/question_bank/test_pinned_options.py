"""Case C-23, pinned options: an option marked as pinned ("以上都是", "以上都不对") stays in its stored
place under option shuffling, for every seed; the others still move."""

from __future__ import annotations

import random

from question_bank.drafts import QuestionDraft
from question_bank.services import attempts
from question_bank.services.delivery import item_view, option_order_for

SEEDS = range(500)


def test_pinned_options_keep_their_index_whatever_the_seed():
    for pinned in ([3], [0], [1, 3], [2, 4, 5]):
        moved_somewhere = set()
        for seed in SEEDS:
            order = option_order_for(6, True, random.Random(seed), pinned)
            assert sorted(order) == list(range(6))
            assert all(order[i] == i for i in pinned), (seed, order)
            moved_somewhere.update(position for position, original in enumerate(order) if position != original)
        # The shuffle still shuffles: every free place held another option for some seed.
        assert moved_somewhere == set(range(6)) - set(pinned)


def test_without_pins_the_shuffle_is_the_one_earlier_attempts_got_from_the_same_seed():
    for seed in SEEDS:
        earlier = list(range(5))
        random.Random(seed).shuffle(earlier)
        assert option_order_for(5, True, random.Random(seed)) == earlier


def test_no_shuffle_keeps_the_stored_order_and_pins_outside_the_options_change_nothing():
    assert option_order_for(4, False, random.Random(1), [3]) == [0, 1, 2, 3]
    assert sorted(option_order_for(3, True, random.Random(1), [7, -1])) == [0, 1, 2]


def test_c23_a_pinned_option_stays_in_place_on_every_candidates_paper(db, clock, make):
    make.question("single_choice", options=["警告", "罚款", "没收违法所得", "以上都是"], key=["D"], pinned_options=[3])
    make.question("multiple_choice", options=["以上都不对", "警告", "罚款", "行政拘留", "暂扣许可证件"],
                  key=["B", "C"], pinned_options=[0])
    paper = make.paper([("single_choice", 1, 50, "行政处罚法"), ("multiple_choice", 1, 50, "行政处罚法")])
    cadres = [make.cadre() for _ in range(3)]
    sitting = make.sitting(paper, roster=cadres, shuffle=True, attempts_allowed=len(SEEDS))
    orders = set()
    for seed in range(60):
        attempt = attempts.start_attempt(db, clock, cadres[seed % 3], sitting, seed=seed)
        single, multiple = (item_view(item, None) for item in attempt.items)
        assert single.options[3] == ("D", "以上都是")
        assert multiple.options[0] == ("A", "以上都不对")
        orders.add(tuple(text for _, text in single.options))
        db.rollback()
    assert len(orders) > 1  # the other options were shuffled


def test_a_pin_on_an_option_the_question_lacks_or_on_a_type_without_options_is_refused():
    draft = QuestionDraft(qtype="single_choice", stem="题干", options=["甲", "乙"], key=["A"],
                          category_path="行政处罚法", pinned_options=[3])
    assert [(p.place, p.params) for p in draft.problems()] == [("pinned", {"letters": "D"})]
    draft = QuestionDraft(qtype="true_false", stem="题干", options=[], key=True, category_path="行政处罚法",
                          pinned_options=[0])
    assert [p.place for p in draft.problems()] == ["pinned"]
