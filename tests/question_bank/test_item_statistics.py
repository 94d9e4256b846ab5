"""Loading sittings into item-analysis matrices (issue 6): partial credit as a share of the mark,
the options chosen from the current response (true/false as 对/错), one first attempt per
candidate, attempts awaiting marking or whose score was changed behind the ledger left out and
counted, and the scope of exam admins and auditors."""

from __future__ import annotations

import pytest

from question_bank.errors import NotFound, PermissionDenied
from question_bank.marking_rules import MultiChoiceRule
from question_bank.models import Role, UnitLevel
from question_bank.services import attempts
from question_bank.services import item_statistics as loader
from tests import tamper


def submit(db, clock, cadre, sitting, answers: dict[int, object]):
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    for seq, (slot, answer) in enumerate(answers.items(), start=1):
        attempts.save_response(db, clock, cadre, attempt.id, slot, answer, seq)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


@pytest.fixture
def mixed(db, clock, make):
    """A paper of one multiple choice (key A, C; partial credit, 4 points) and one true/false (2 points)."""
    make.question("multiple_choice", key=["A", "C"])
    make.question("true_false", key=True)
    paper = make.paper([("multiple_choice", 1, 4, "行政处罚法"), ("true_false", 1, 2, "行政处罚法")],
                       rule=MultiChoiceRule.PARTIAL)
    cadres = [make.cadre(username=f"c{i}") for i in range(3)]
    return make.sitting(paper, roster=cadres, shuffle=False, attempts_allowed=2), cadres


def test_partial_credit_is_a_share_and_choices_come_from_the_current_response(db, clock, mixed):
    sitting, (first, second, third) = mixed
    submit(db, clock, first, sitting, {1: ["A"], 2: True})
    submit(db, clock, second, sitting, {1: ["A", "C"], 2: False})
    loaded = loader.load(db, [sitting])
    multiple, true_false = loaded.matrix.items
    assert multiple.options == ("A", "B", "C", "D") and multiple.answer_key == frozenset("AC")
    assert true_false.options == ("对", "错") and true_false.answer_key == frozenset({"对"})
    rows = loaded.matrix.rows
    assert rows[0][multiple.key].score == 0.5 and rows[0][multiple.key].mark == 4.0
    assert rows[0][true_false.key].chosen == frozenset({"对"}) and rows[0][true_false.key].score == 1.0
    assert rows[1][multiple.key].chosen == frozenset("AC") and rows[1][true_false.key].score == 0.0
    assert [c.score for c in loaded.candidates] == [4, 4]
    assert (loaded.unmarked, loaded.unverified) == (0, 0)


def test_each_candidate_counts_once_with_the_first_attempt(db, clock, mixed):
    sitting, (first, *_) = mixed
    submit(db, clock, first, sitting, {1: ["B"], 2: False})
    submit(db, clock, first, sitting, {1: ["A", "C"], 2: True})
    loaded = loader.load(db, [sitting])
    assert len(loaded.matrix.rows) == 1
    assert all(cell.score == 0 for cell in loaded.matrix.rows[0].values())


def test_a_score_changed_behind_the_ledger_is_left_out_and_counted(db, clock, engine, mixed):
    sitting, (first, second, _) = mixed
    submit(db, clock, first, sitting, {1: ["A"], 2: True})
    changed = submit(db, clock, second, sitting, {1: ["B"], 2: False})
    tamper.execute(engine, db, "UPDATE attempt SET score = max_score WHERE id = :id", id=changed.id)
    loaded = loader.load(db, [sitting])
    assert len(loaded.matrix.rows) == 1 and loaded.unverified == 1


def test_an_attempt_awaiting_marking_is_left_out_and_counted(db, clock, make):
    make.question("short_answer")
    make.question("single_choice", key=["B"])
    paper = make.paper([("single_choice", 1, 5, "行政处罚法"), ("short_answer", 1, 10, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    submit(db, clock, cadre, sitting, {1: ["B"], 2: "依法行政"})
    loaded = loader.load(db, [sitting])
    assert loaded.matrix.rows == () and loaded.unmarked == 1


def test_scope_is_the_viewers_unit_subtree(db, make):
    city_a, city_b = make.unit("甲市", level=UnitLevel.CITY), make.unit("乙市", level=UnitLevel.CITY)
    sitting = make.sitting()
    sitting.org_unit = make.unit("甲市司法局", parent=city_a)
    db.commit()
    admin_a = make.user(Role.EXAM_ADMIN, unit=city_a)
    auditor_a = make.user(Role.AUDITOR, unit=city_a)
    assert loader.visible_sitting(db, admin_a, sitting.id) is sitting
    assert loader.visible_sitting(db, auditor_a, sitting.id) is sitting
    assert sitting in loader.sittings_in_scope(db, auditor_a)
    admin_b = make.user(Role.EXAM_ADMIN, unit=city_b)
    with pytest.raises(NotFound):
        loader.visible_sitting(db, admin_b, sitting.id)
    assert sitting not in loader.sittings_in_scope(db, admin_b)
    with pytest.raises(PermissionDenied):
        loader.visible_sitting(db, make.user(Role.HR, unit=city_a), sitting.id)
