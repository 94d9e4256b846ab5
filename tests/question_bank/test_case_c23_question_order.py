"""Case C-23, question and option order: "do not shuffle" means the same order for everyone (the
order the paper defines: the bank order), shuffled orders differ between candidates and stay fixed
per attempt. Pinned options are covered in ``test_pinned_options``."""

from __future__ import annotations

from question_bank.services import assembly, attempts
from question_bank.services.delivery import item_view


def _five_in_one_category(make):
    """The case's bank: five published single-choice questions in one category, drawn all by one
    section; returns the questions in bank order."""
    questions = [make.question("single_choice", options=[f"第{n}题甲", f"第{n}题乙", f"第{n}题丙", f"第{n}题丁"])
                 for n in range(1, 6)]
    return questions, make.paper([("single_choice", 5, 20, "行政处罚法")])


def _order(attempt) -> list[int]:
    return [item.question_version.question_id for item in sorted(attempt.items, key=lambda i: i.slot)]


def test_c23_without_shuffling_four_candidates_get_the_bank_order_and_the_stored_option_order(db, clock, make):
    questions, paper = _five_in_one_category(make)
    cadres = [make.cadre() for _ in range(4)]
    sitting = make.sitting(paper, roster=cadres, shuffle=False)
    for seed, cadre in enumerate(cadres, start=11):
        attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=seed)
        assert _order(attempt) == [q.id for q in questions]
        for item, question in zip(sorted(attempt.items, key=lambda i: i.slot), questions):
            shown = [text for _, text in item_view(item, None).options]
            assert shown == question.current_version.options
            assert [letter for letter, _ in item_view(item, None).options] == ["A", "B", "C", "D"]


def test_c23_a_section_drawing_part_of_its_pool_lists_what_it_drew_in_bank_order(db, make):
    make.questions(12, "single_choice")
    paper = make.paper([("single_choice", 4, 25, "行政处罚法")])
    draws = [[item.version.question_id for item in assembly.draw(db, paper, seed)] for seed in range(40)]
    assert all(ids == sorted(ids) for ids in draws)
    assert len({tuple(ids) for ids in draws}) > 1  # the seed still decides which questions are drawn


def test_c23_with_question_shuffling_orders_differ_between_candidates_and_stay_fixed_per_attempt(db, clock, make):
    questions, paper = _five_in_one_category(make)
    cadres = [make.cadre() for _ in range(4)]
    sitting = make.sitting(paper, roster=cadres, shuffle=True)
    started = {cadre.id: attempts.start_attempt(db, clock, cadre, sitting, seed=seed)
               for seed, cadre in enumerate(cadres, start=1)}
    db.commit()
    orders = {cadre_id: _order(attempt) for cadre_id, attempt in started.items()}
    assert len({tuple(order) for order in orders.values()}) > 1
    assert all(sorted(order) == sorted(q.id for q in questions) for order in orders.values())
    options_before = {cadre_id: [item.option_order for item in sorted(a.items, key=lambda i: i.slot)]
                      for cadre_id, a in started.items()}
    db.expire_all()
    # A reload (or another device) resumes the attempt: same questions, same order, same options.
    for cadre in cadres:
        again = attempts.start_attempt(db, clock, cadre, sitting)
        assert again.id == started[cadre.id].id
        assert _order(again) == orders[cadre.id]
        assert [item.option_order for item in sorted(again.items, key=lambda i: i.slot)] == options_before[cadre.id]
