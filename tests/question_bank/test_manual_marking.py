"""The marking queue: single and double marking, the third (senior) marker, the rules on who may
mark, marks refused when out of range or finer than a hundredth, and the total and ledger entry
written once the last mark lands (domain.md §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.models import AuditEvent, ManualMark, MarkingRound, Role, ScoreRecord
from question_bank.services import attempts, ledger
from question_bank.services.manual_marking import give_mark, queue, script, without_senior_marker

ESSAY = "行政机关应当依法行使职权，遵循比例原则。"


@pytest.fixture
def exam(make):
    """A paper of one single choice (40 points, key B) and two short answers (30 each)."""
    make.question("single_choice", key=["B"])
    make.questions(2, "short_answer", rubric="答出依法行使职权得一半分，答出比例原则得满分。")
    paper = make.paper([("single_choice", 1, 40, "行政处罚法"), ("short_answer", 2, 30, "行政处罚法")])

    def build(*, second_marking: bool = False, tolerance: str = "0", candidates: int = 1):
        cadres = [make.cadre() for _ in range(candidates)]
        sitting = make.sitting(paper, roster=cadres, shuffle=False)
        sitting.second_marking = second_marking
        sitting.marking_tolerance = Decimal(tolerance)
        make.db.commit()
        return sitting, cadres

    return build


def sit(db, clock, cadre, sitting):
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ESSAY, 2)
    attempts.save_response(db, clock, cadre, attempt.id, 3, ESSAY + "二", 3)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


def items(attempt):
    return {item.slot: item.id for item in attempt.items}


def entries(db, attempt_id):
    return db.scalar(select(func.count(ScoreRecord.id)).where(ScoreRecord.attempt_id == attempt_id))


def test_single_marking_sets_the_total_and_ledger_entry_when_the_last_mark_lands(db, clock, make, exam):
    sitting, (cadre,) = exam()
    attempt = sit(db, clock, cadre, sitting)
    marker = make.user(Role.MARKER)
    assert [(e.slot, e.round) for e in queue(db, marker)] == [(2, MarkingRound.FIRST), (3, MarkingRound.FIRST)]

    first = give_mark(db, clock, marker, items(attempt)[2], Decimal("25.5"), "答出依法行使职权")
    assert first.settled == Decimal("25.5") and first.total is None
    assert attempt.score is None and entries(db, attempt.id) == 0

    last = give_mark(db, clock, marker, items(attempt)[3], Decimal("30"), "")
    assert last.total == Decimal("95.5") == attempt.score and attempt.passed
    assert entries(db, attempt.id) == 1 and ledger.verify(db).ok
    assert queue(db, marker) == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "mark.given").order_by(AuditEvent.id)).all()
    assert [e.after["score"] for e in event] == ["25.50", "30.00"]


def test_second_marks_within_tolerance_agree_on_their_mean(db, clock, make, exam):
    sitting, (cadre,) = exam(second_marking=True, tolerance="3")
    attempt = sit(db, clock, cadre, sitting)
    first, second = make.user(Role.MARKER), make.user(Role.MARKER)
    item = items(attempt)[2]
    outcome = give_mark(db, clock, first, item, Decimal("20"), "")
    assert outcome.settled is None and outcome.next_round == MarkingRound.SECOND
    # The first marker has nothing left to do on that response; the second sees it, blind to the first mark.
    assert item not in [e.item_id for e in queue(db, first)]
    seen = script(db, second, item)
    assert seen.round == MarkingRound.SECOND and seen.earlier == [] and seen.response == ESSAY
    outcome = give_mark(db, clock, second, item, Decimal("22.25"), "")
    # (20 + 22.25) / 2 = 21.125 exactly, kept as 21.12 plus half a hundredth: never rounded up (issue 6, t6 finding 1)
    assert outcome.settled == Decimal("21.125") and outcome.kept_as == Decimal("21.12")


def test_marks_apart_by_more_than_the_tolerance_go_to_a_senior_marker_who_sets_the_mark(db, clock, make, exam):
    sitting, (cadre,) = exam(second_marking=True, tolerance="3")
    attempt = sit(db, clock, cadre, sitting)
    first, second, third = make.user(Role.MARKER), make.user(Role.MARKER), make.user(Role.MARKER)
    senior = make.user(Role.SENIOR_MARKER)
    item = items(attempt)[2]
    give_mark(db, clock, first, item, Decimal("10"), "只答出一点")
    outcome = give_mark(db, clock, second, item, Decimal("25"), "要点齐全")
    assert outcome.settled is None and outcome.next_round == MarkingRound.THIRD
    # A plain marker cannot arbitrate; the senior marker sees both marks and their comments.
    assert item not in [e.item_id for e in queue(db, third)]
    with pytest.raises(PermissionDenied):
        give_mark(db, clock, third, item, Decimal("18"), "")
    seen = script(db, senior, item)
    assert [(m.score, m.comment) for m in seen.earlier] == [(Decimal(10), "只答出一点"), (Decimal(25), "要点齐全")]
    outcome = give_mark(db, clock, senior, item, Decimal("18"), "按评分标准")
    assert outcome.settled == Decimal(18)
    give_mark(db, clock, first, items(attempt)[3], Decimal("30"), "")
    give_mark(db, clock, second, items(attempt)[3], Decimal("30"), "")
    assert attempt.score == Decimal(88) and entries(db, attempt.id) == 1


def test_nobody_marks_the_same_response_twice_or_is_first_and_second_marker(db, clock, make, exam):
    sitting, (cadre,) = exam(second_marking=True, tolerance="1")
    attempt = sit(db, clock, cadre, sitting)
    marker = make.user(Role.MARKER, Role.SENIOR_MARKER)
    give_mark(db, clock, marker, items(attempt)[2], Decimal("20"), "")
    with pytest.raises(Conflict):
        give_mark(db, clock, marker, items(attempt)[2], Decimal("20"), "")
    other = make.user(Role.MARKER)
    give_mark(db, clock, other, items(attempt)[2], Decimal("29"), "")
    with pytest.raises(Conflict):  # a marker of the first two rounds cannot arbitrate either
        give_mark(db, clock, marker, items(attempt)[2], Decimal("25"), "")
    assert db.scalar(select(func.count(ManualMark.id))) == 2


def test_a_settled_response_is_not_marked_again(db, clock, make, exam):
    sitting, (cadre,) = exam()
    attempt = sit(db, clock, cadre, sitting)
    give_mark(db, clock, make.user(Role.MARKER), items(attempt)[2], Decimal("20"), "")
    with pytest.raises(Conflict):
        give_mark(db, clock, make.user(Role.MARKER), items(attempt)[2], Decimal("10"), "")


@pytest.mark.parametrize("score", [Decimal("30.01"), Decimal("-1"), Decimal("12.345"), None])
def test_a_mark_out_of_range_or_finer_than_a_hundredth_is_refused_naming_the_field(db, clock, make, exam, score):
    sitting, (cadre,) = exam()
    attempt = sit(db, clock, cadre, sitting)
    with pytest.raises(InvalidInput) as refused:
        give_mark(db, clock, make.user(Role.MARKER), items(attempt)[2], score, "")
    assert [p.place for p in refused.value.problems] == ["score"]
    assert db.scalar(select(func.count(ManualMark.id))) == 0


def test_only_markers_of_the_sitting_s_subtree_see_its_responses(db, clock, make, exam):
    sitting, (cadre,) = exam()
    sit(db, clock, cadre, sitting)
    elsewhere = make.user(Role.MARKER, unit=make.unit("别的单位", parent=make.root()))
    assert queue(db, elsewhere) == []
    with pytest.raises(PermissionDenied):
        queue(db, make.user(Role.EXAM_ADMIN))


def test_an_open_attempt_is_not_in_the_queue(db, clock, make, exam):
    sitting, (cadre,) = exam()
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ESSAY, 1)
    db.commit()
    assert queue(db, make.user(Role.MARKER)) == []


def test_a_third_round_no_senior_marker_can_give_is_counted_for_the_warning(db, clock, make, exam):
    """Issue 6: the only senior marker was the first marker, so the disagreement sits in nobody's
    queue; the marking page warns until another senior marker exists."""
    sitting, (cadre,) = exam(second_marking=True, tolerance="3")
    attempt = sit(db, clock, cadre, sitting)
    senior, second = make.user(Role.SENIOR_MARKER), make.user(Role.MARKER)
    give_mark(db, clock, senior, items(attempt)[2], Decimal("10"), "")
    give_mark(db, clock, second, items(attempt)[2], Decimal("25"), "")
    assert items(attempt)[2] not in [e.item_id for e in queue(db, senior)]
    assert without_senior_marker(db, second) == 1
    make.user(Role.SENIOR_MARKER)
    assert without_senior_marker(db, second) == 0

