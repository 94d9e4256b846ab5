"""Fixed papers (固定试卷, issue 9 "Papers"): picked questions at their own marks, kept at the
versions they were built with until republished, mixed with drawn sections (C-21 across both)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.errors import Conflict, InvalidInput
from question_bank.models import AuditEvent, Role
from question_bank.services import assembly, attempts, fixed_papers, papers, review
from question_bank.services.fixed_papers import FixedWarning, PickedQuestion
from question_bank.services.papers import PaperSpec, SectionSpec


@pytest.fixture
def admin(make):
    return make.user(Role.EXAM_ADMIN)


def drawn_paper(db, clock, admin, count=2):
    return papers.create_paper(db, clock, admin, PaperSpec("年度学法考试", [
        SectionSpec("single_choice", count, Decimal(10), "行政处罚法")]))


def picks(*pairs):
    return [PickedQuestion(q.id, mark) for q, mark in pairs]


def test_a_fixed_section_holds_the_picked_questions_in_order_at_their_marks(db, clock, make, admin):
    drawn = make.questions(3, category="行政处罚法")
    first, second = make.question("true_false", category="宪法"), make.question("short_answer", category="宪法")
    paper = drawn_paper(db, clock, admin)
    section = fixed_papers.add_fixed_section(db, clock, admin, paper, "必答题", picks((second, "30.5"), (first, "4.25")))
    db.commit()

    assert section.position == 2 and section.fixed
    assert [(i.question_id, i.mark) for i in section.items] == [(second.id, Decimal("30.5")), (first.id, Decimal("4.25"))]
    assert paper.total_marks == Decimal(20) + Decimal("34.75")
    items = assembly.draw(db, paper, seed=7)
    assert [(i.section_no, i.version.question_id, i.mark) for i in items[2:]] == [
        (2, second.id, Decimal("30.5")), (2, first.id, Decimal("4.25"))]
    assert {i.version.question_id for i in items[:2]} <= {q.id for q in drawn}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.update")).one()
    assert event.after["sections"][1]["fixed"][0] == {"question": second.id, "version": second.published_version_id,
                                                       "mark": "30.5"}


def test_a_mark_with_three_decimal_places_is_refused_naming_its_field_and_nothing_is_added(db, clock, make, admin):
    make.questions(2, category="行政处罚法")
    a, b = make.questions(2, category="宪法")
    paper = drawn_paper(db, clock, admin)
    db.commit()
    with pytest.raises(InvalidInput) as refused:
        fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((a, "5"), (b, "2.125")))
    [problem] = refused.value.problems
    assert problem.place == "items-2-mark" and "2.125" in str(problem)
    db.rollback()
    assert len(paper.sections) == 1


def test_retired_unknown_and_repeated_questions_are_refused(db, clock, make, admin):
    make.questions(2, category="行政处罚法")
    retired = make.question(category="宪法")
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), retired, "不再使用")
    original = make.question(category="宪法", stem="同一题干（　）", options=["甲", "乙", "丙", "丁"])
    repeat = make.question(category="民法典", stem="同一题干（ ）", options=["丁", "丙", "乙", "甲"])
    paper = drawn_paper(db, clock, admin)
    db.commit()
    with pytest.raises(InvalidInput) as refused:
        fixed_papers.add_fixed_section(db, clock, admin, paper, "", [
            PickedQuestion(retired.id, "5"), PickedQuestion(999999, "5"),
            PickedQuestion(original.id, "5"), PickedQuestion(repeat.id, "5")])
    places = {p.place: str(p) for p in refused.value.problems}
    assert set(places) == {"items-1-question", "items-2-question", "items-4-question"}
    assert "not published" in places["items-1-question"] and str(original.id) in places["items-4-question"]


def test_drawn_sections_never_draw_a_fixed_question_and_say_when_that_leaves_them_short(db, clock, make, admin):
    pool = make.questions(2, category="行政处罚法")
    paper = drawn_paper(db, clock, admin, count=1)
    fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((pool[0], 10)))
    db.commit()
    for seed in range(8):
        drawn = [i.version.question_id for i in assembly.draw(db, paper, seed) if i.section_no == 1]
        assert drawn == [pool[1].id]
    # A second fixed pick of the only other question would leave the drawn section empty.
    with pytest.raises(InvalidInput) as refused:
        fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((pool[1], 10)))
    assert "requested 1, available 0" in str(refused.value.problems[0])
    db.rollback()
    assert len(paper.sections) == 2


def test_a_fixed_paper_keeps_its_versions_after_an_edit_is_published_until_republished(db, clock, make, admin):
    question = make.question(category="宪法", stem="旧题干（　）")
    built_with = question.published_version
    make.questions(1, category="行政处罚法")
    paper = drawn_paper(db, clock, admin, count=1)
    fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((question, 50)))
    db.commit()
    edited = make.revision(question, stem="新题干（　）")
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()
    assert question.published_version_id == edited.id

    sitting = make.sitting(paper, roster=[make.cadre()])
    attempt = attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    [held] = [i for i in attempt.items if i.section_no == 2]
    assert held.question_version_id == built_with.id and held.mark == Decimal(50)
    [warning] = fixed_papers.warnings(db, paper)
    assert warning.kinds == (FixedWarning.NEWER_VERSION,)

    with pytest.raises(Conflict):  # candidates have sat it: it stays as it is
        fixed_papers.republish(db, clock, admin, paper)


def test_republish_moves_the_items_to_the_published_versions_and_is_audited(db, clock, make, admin):
    make.questions(1, category="行政处罚法")
    question, other = make.questions(2, category="宪法")
    paper = drawn_paper(db, clock, admin, count=1)
    fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((question, 5), (other, 5)))
    db.commit()
    old = question.published_version_id
    make.revision(question, stem="新题干（　）")
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()

    changed = fixed_papers.republish(db, clock, admin, paper)
    db.commit()
    assert [i.question_id for i in changed] == [question.id]
    assert paper.sections[1].items[0].question_version_id == question.published_version_id != old
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.republish")).one()
    assert event.before["versions"] == {str(changed[0].id): old}
    assert fixed_papers.republish(db, clock, admin, paper) == []
    assert fixed_papers.warnings(db, paper) == []


def test_a_retired_fixed_question_stays_on_the_paper_with_a_warning(db, clock, make, admin):
    make.questions(1, category="行政处罚法")
    question = make.question(category="宪法")
    paper = drawn_paper(db, clock, admin, count=1)
    fixed_papers.add_fixed_section(db, clock, admin, paper, "", picks((question, 5)))
    db.commit()
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), question, "不再使用")
    db.commit()
    [warning] = fixed_papers.warnings(db, paper)
    assert warning.item.question_id == question.id and warning.kinds == (FixedWarning.RETIRED,)
    assert [i.version.question_id for i in assembly.draw(db, paper, 1) if i.section_no == 2] == [question.id]
    with pytest.raises(InvalidInput) as refused:
        fixed_papers.republish(db, clock, admin, paper)
    assert "retired" in str(refused.value.problems[0])


def test_editing_the_drawn_sections_keeps_the_fixed_section_in_its_place(db, clock, make, admin):
    make.questions(3, category="行政处罚法")
    make.questions(2, "true_false", category="行政许可法")
    question = make.question(category="宪法")
    paper = drawn_paper(db, clock, admin, count=1)
    fixed_papers.add_fixed_section(db, clock, admin, paper, "必答", picks((question, 20)))
    db.commit()
    papers.update_paper(db, clock, admin, paper, PaperSpec("改后", [
        SectionSpec("single_choice", 2, Decimal(10), "行政处罚法"), SectionSpec("true_false", 2, Decimal(5), "行政许可法")]))
    db.commit()
    db.expire_all()
    assert [(s.position, s.fixed, s.count) for s in paper.sections] == [(1, False, 2), (2, True, 1), (3, False, 2)]
    assert paper.total_marks == Decimal(20 + 20 + 10)
    assert [s.qtype for s in papers.specs_of(paper)] == ["single_choice", "true_false"]
