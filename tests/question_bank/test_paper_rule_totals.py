"""An attempt's total under each paper multiple-choice rule (domain.md §7, case C-08): the same
answers score differently under all-or-nothing, partial and half credit, and whatever the rule the
total is the sum of the item marks, is what the ledger records, and decides the band."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.marking_rules import MultiChoiceRule
from question_bank.models import ScoreRecord
from question_bank.services import attempts, ledger
from question_bank.services.marking import latest_item_marks

#: Slots in paper order (no shuffling): two multiple choice keyed ABC at 6 points, one indefinite
#: choice keyed AC at 4 points, one single choice keyed B at 10 points (26 in all).
ANSWERS = {1: ["A"], 2: ["A", "B", "C"], 3: ["C"], 4: ["B"]}
#: Rule → (slot 1, slot 2, slot 3, slot 4) item marks for ANSWERS. One of three keys chosen: 0 under
#: all-or-nothing, 6 × 1/3 = 2.00 under partial, 6 / 2 = 3.00 under half; one of two keys: 0, 2, 2.
EXPECTED = {
    MultiChoiceRule.ALL_OR_NOTHING: ("0", "6", "0", "10"),
    MultiChoiceRule.PARTIAL: ("2", "6", "2", "10"),
    MultiChoiceRule.HALF: ("3", "6", "2", "10"),
}


def _sitting(make, rule: MultiChoiceRule):
    make.questions(2, "multiple_choice", key=["A", "B", "C"])
    make.question("indefinite_choice", key=["A", "C"])
    make.question("single_choice", key=["B"])
    cadre = make.cadre()
    paper = make.paper([("multiple_choice", 2, 6, "行政处罚法"), ("indefinite_choice", 1, 4, "行政处罚法"),
                        ("single_choice", 1, 10, "行政处罚法")], rule=rule)
    return cadre, make.sitting(paper, roster=[cadre], shuffle=False, pass_mark=18)


@pytest.mark.parametrize("rule", list(MultiChoiceRule))
def test_the_papers_rule_decides_the_total_and_the_total_is_the_sum_of_the_item_marks(db, clock, make, rule):
    cadre, sitting = _sitting(make, rule)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    for seq, (slot, answer) in enumerate(ANSWERS.items(), start=1):
        attempts.save_response(db, clock, cadre, attempt.id, slot, answer, seq)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()

    marks = latest_item_marks(db, attempt)
    by_slot = tuple(marks[item.id].score for item in sorted(attempt.items, key=lambda i: i.slot))
    assert by_slot == tuple(Decimal(m) for m in EXPECTED[rule])
    assert attempt.score == sum(by_slot) == {MultiChoiceRule.ALL_OR_NOTHING: 16, MultiChoiceRule.PARTIAL: 20,
                                              MultiChoiceRule.HALF: 21}[rule]
    assert attempt.max_score == Decimal(26)
    # Pass mark 18: all-or-nothing fails the same answers that partial and half credit pass.
    assert attempt.passed is (rule != MultiChoiceRule.ALL_OR_NOTHING)
    recorded = db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id)).all()
    assert [(r.score, r.max_score, r.passed) for r in recorded] == [(attempt.score, Decimal(26), attempt.passed)]
    assert ledger.verify(db).ok


def test_a_paper_of_one_question_gets_its_total(db, clock, make):
    make.question("multiple_choice", key=["A", "C"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("multiple_choice", 1, 100, "行政处罚法")], rule=MultiChoiceRule.PARTIAL),
                           roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score == Decimal(50) and attempt.passed is False
