"""Paper assembly never under-fills a paper (case C-12, domain.md §5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, Place
from question_bank.models import Attempt, Paper, QuestionStatus, Role
from question_bank.services import assembly, attempts, papers, review, sittings
from question_bank.services.papers import PaperSpec, SectionSpec
from tests.conftest import at

C12_SECTIONS = [
    SectionSpec("single_choice", 3, Decimal(20), "行政处罚法"),
    SectionSpec("true_false", 2, Decimal(20), "行政许可法"),
]


@pytest.fixture
def admin(make):
    return make.user(Role.EXAM_ADMIN)


@pytest.fixture
def c12_bank(make):
    """The case's bank: 2 active single choice on 行政处罚法 (plus a retired one and a draft, which
    do not count), 5 true/false on 行政许可法."""
    make.questions(2, "single_choice", category="行政处罚法")
    make.question("single_choice", category="行政处罚法", status=QuestionStatus.RETIRED)
    make.question("single_choice", category="行政处罚法", status=QuestionStatus.DRAFT)
    make.questions(5, "true_false", category="行政许可法")


def paper_count(db) -> int:
    return db.scalar(select(func.count(Paper.id)))


def test_c12_a_rule_the_bank_cannot_fill_is_refused_naming_the_category_and_counts(db, clock, admin, c12_bank):
    with pytest.raises(InvalidInput) as refused:
        papers.create_paper(db, clock, admin, PaperSpec("C-12 试卷", list(C12_SECTIONS)))
    messages = [str(p) for p in refused.value.problems]
    assert len(messages) == 1
    assert "行政处罚法" in messages[0] and "requested 3, available 2" in messages[0]
    db.rollback()
    assert paper_count(db) == 0


def test_a_short_section_is_the_place_and_the_message_names_its_category_and_counts(db, clock, admin, c12_bank):
    with pytest.raises(InvalidInput) as refused:
        papers.create_paper(db, clock, admin, PaperSpec("C-12 试卷", list(C12_SECTIONS)))
    (problem,) = refused.value.problems
    assert problem.place == Place(section=1)
    assert str(problem) == "section 1: category 行政处罚法: requested 3, available 2"


def test_c12_nobody_can_start_a_sitting_built_from_a_short_rule(db, clock, make, admin, c12_bank):
    # A paper saved while the bank could fill it, and a question retired since: the rule is short.
    extra = make.question("single_choice", category="行政处罚法")
    paper = papers.create_paper(db, clock, admin, PaperSpec("C-12 试卷", list(C12_SECTIONS)))
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], opens_at=at("09:00:00"), closes_at=at("12:00:00"))
    review.retire_question(db, clock, make.system_user(), extra)
    db.commit()

    with pytest.raises(InvalidInput) as refused:
        attempts.start_attempt(db, clock, cadre, sitting)
    assert "requested 3, available 2" in str(refused.value)
    db.rollback()
    assert db.scalar(select(func.count(Attempt.id))) == 0

    with pytest.raises(InvalidInput) as also_refused:
        sittings.create_sitting(db, clock, admin, sittings.SittingSpec(
            "补考", "makeup", paper.id, at("13:00:00"), at("15:00:00"), 3600))
    assert "requested 3, available 2" in str(also_refused.value)


def test_c12_after_a_third_question_50_papers_each_have_5_distinct_questions_and_the_total(db, clock, make, admin, c12_bank):
    make.question("single_choice", category="行政处罚法")
    paper = papers.create_paper(db, clock, admin, PaperSpec("C-12 试卷", list(C12_SECTIONS)))
    db.commit()
    configured_total = sum(s.count * s.mark for s in C12_SECTIONS)
    assert paper.total_marks == configured_total == Decimal(100)

    for seed in range(50):
        drawn = papers.preview_draw(db, admin, paper, seed)
        question_ids = [item.version.question_id for item in drawn]
        assert len(question_ids) == 5 and len(set(question_ids)) == 5
        assert [item.version.qtype for item in drawn] == ["single_choice"] * 3 + ["true_false"] * 2
        assert sum(item.section.mark for item in drawn) == configured_total

    # The same holds for papers drawn for candidates starting the sitting.
    cadres = [make.cadre() for _ in range(5)]
    sitting = make.sitting(paper, roster=cadres)
    for cadre in cadres:
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        assert len({item.question_version.question_id for item in attempt.items}) == 5
        assert sum(item.mark for item in attempt.items) == attempt.max_score == configured_total


@pytest.fixture
def nested_bank(make):
    """3 single choice directly on 宪法 and 3 on its sub-category 宪法/国家机构."""
    make.questions(3, "single_choice", category="宪法")
    make.questions(3, "single_choice", category="宪法/国家机构")


def test_c12_sections_on_a_category_and_its_subcategory_never_repeat_a_question(db, clock, admin, nested_bank):
    # The 宪法 section's pool holds every question of the 宪法/国家机构 section's pool: a question
    # "in both categories". Together they ask for all 6, so any repeat would under-fill.
    paper = papers.create_paper(db, clock, admin, PaperSpec("嵌套分类", [
        SectionSpec("single_choice", 4, Decimal(10), "宪法", include_subcategories=True),
        SectionSpec("single_choice", 2, Decimal(30), "宪法/国家机构"),
    ]))
    db.commit()
    for seed in range(50):
        drawn = assembly.draw(db, paper, seed)
        question_ids = [item.version.question_id for item in drawn]
        assert len(question_ids) == 6 and len(set(question_ids)) == 6
        assert sum(item.section.mark for item in drawn) == paper.total_marks == Decimal(100)


def test_c12_overlapping_sections_the_bank_cannot_fill_together_are_refused(db, clock, admin, nested_bank):
    # Each section alone can be filled (5 of 6, 2 of 3), but together they need 7 of the 6.
    with pytest.raises(InvalidInput) as refused:
        papers.create_paper(db, clock, admin, PaperSpec("嵌套分类", [
            SectionSpec("single_choice", 5, Decimal(10), "宪法"),
            SectionSpec("single_choice", 2, Decimal(25), "宪法/国家机构"),
        ]))
    assert [str(p) for p in refused.value.problems] == [
        "sections 1, 2 draw on the same questions: requested 7, available 6"
    ]
    db.rollback()
    assert paper_count(db) == 0


def test_c12_excluding_subcategories_keeps_the_pools_apart(db, clock, admin, nested_bank):
    paper = papers.create_paper(db, clock, admin, PaperSpec("分开", [
        SectionSpec("single_choice", 3, Decimal(10), "宪法", include_subcategories=False),
        SectionSpec("single_choice", 3, Decimal(10), "宪法/国家机构"),
    ]))
    drawn = assembly.draw(db, paper, 1)
    categories = [item.version.question.category.path for item in drawn]
    assert categories == ["宪法"] * 3 + ["宪法/国家机构"] * 3
