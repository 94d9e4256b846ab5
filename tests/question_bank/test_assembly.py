"""Paper assembly never under-fills a paper (case C-12, domain.md §5), and draws the version a
reviewer approved while a revision waits for review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, PaperUnavailable, Place
from question_bank.models import Attempt, BlueprintSection, ImportBatch, Paper, Question, QuestionStatus, Role
from question_bank.services import assembly, attempts, authoring, papers, review, sittings
from question_bank.drafts import QuestionDraft
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
    assert str(problem) == "section 1: category 行政处罚法, Single choice: requested 3, available 2"


def test_c12_nobody_can_start_a_sitting_built_from_a_short_rule(db, clock, make, admin, c12_bank):
    # A paper saved while the bank could fill it, and a question retired since: the rule is short.
    extra = make.question("single_choice", category="行政处罚法")
    paper = papers.create_paper(db, clock, admin, PaperSpec("C-12 试卷", list(C12_SECTIONS)))
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], opens_at=at("09:00:00"), closes_at=at("12:00:00"))
    review.retire_question(db, clock, make.system_user(), extra, "不再使用")
    db.commit()

    with pytest.raises(PaperUnavailable) as refused:
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


# --- papers draw the published version while a revision waits for review --------------------------

@pytest.fixture
def live_sitting(make):
    """A sitting whose paper draws both of the bank's 2 published single-choice questions."""
    first = make.question("single_choice", stem="批准前的题干（　）", key=["B"])
    make.question("single_choice")
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]),
                           roster=[make.cadre() for _ in range(3)], shuffle=False)
    return sitting, first


def items_of(attempt, question):
    return [item.question_version for item in attempt.items if item.question_version.question_id == question.id]


def test_a_sitting_still_starts_while_an_edit_of_a_question_it_draws_on_is_in_review(db, clock, make, live_sitting):
    sitting, question = live_sitting
    approved = question.current_version
    make.revision(question, stem="修改后的题干（　）", key=["C"])
    assert question.status == QuestionStatus.IN_REVIEW

    attempt = attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    db.commit()
    assert len(attempt.items) == 2
    assert items_of(attempt, question) == [approved]
    assert approved.stem == "批准前的题干（　）" and approved.key == ["B"] and approved.used_at is not None


def test_after_approval_new_attempts_get_the_new_version_and_earlier_attempts_keep_theirs(
        db, clock, make, live_sitting):
    sitting, question = live_sitting
    cadres = [entry.user for entry in sitting.roster]
    approved = question.current_version
    revision = make.revision(question, stem="修改后的题干（　）", key=["C"])
    before = attempts.start_attempt(db, clock, cadres[0], sitting)
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()

    after = attempts.start_attempt(db, clock, cadres[1], sitting)
    db.commit()
    db.expire_all()
    assert items_of(after, question) == [revision] and revision.stem == "修改后的题干（　）"
    assert items_of(before, question) == [approved] and approved.stem == "批准前的题干（　）"
    # The earlier attempt is still marked on the key it was given.
    slot = next(item.slot for item in before.items if item.question_version_id == approved.id)
    attempts.save_response(db, clock, cadres[0], before.id, slot, ["B"], 1)
    attempts.submit_attempt(db, clock, cadres[0], before.id)
    assert before.items[slot - 1].question_version.key == ["B"] and before.score == Decimal(50)


def test_a_revision_returned_to_draft_leaves_the_approved_version_drawable(db, clock, make, live_sitting):
    sitting, question = live_sitting
    approved = question.current_version
    make.revision(question, stem="修改后的题干（　）")
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "请再斟酌")
    db.commit()
    assert question.status == QuestionStatus.DRAFT
    assert approved.id in assembly.section_pool(db, sitting.paper.sections[0])
    attempt = attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    assert items_of(attempt, question) == [approved]


def test_retiring_a_question_whose_revision_is_in_review_takes_it_out_of_the_pool(db, clock, make, live_sitting):
    sitting, question = live_sitting
    make.revision(question, stem="修改后的题干（　）")
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), question, "不再使用")
    db.commit()
    pool = assembly.section_pool(db, sitting.paper.sections[0])
    assert len(pool) == 1 and not {v.id for v in question.versions} & set(pool)
    with pytest.raises(PaperUnavailable) as refused:
        attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    assert "requested 2, available 1" in str(refused.value)


def test_the_pool_judges_the_published_version_not_the_revision(db, clock, make):
    question = make.question("single_choice", difficulty=2)
    approved = question.current_version
    make.revision(question, qtype="multiple_choice", key=["A", "C"], difficulty=5)
    paper = make.paper([("single_choice", 1, 100, "行政处罚法")])
    single, = paper.sections
    multiple = BlueprintSection(qtype="multiple_choice", category=single.category, include_subcategories=True,
                                difficulty_min=1, difficulty_max=5)
    hard = BlueprintSection(qtype="single_choice", category=single.category, include_subcategories=True,
                            difficulty_min=4, difficulty_max=5)
    assert assembly.section_pool(db, single) == [approved.id]
    assert assembly.section_pool(db, multiple) == [] and assembly.section_pool(db, hard) == []


def test_a_question_never_approved_is_not_drawn_whatever_its_status(db, clock, make):
    make.question("single_choice", status=QuestionStatus.IN_REVIEW)
    make.question("single_choice", status=QuestionStatus.DRAFT)
    published = make.question("single_choice")
    section, = make.paper([("single_choice", 1, 100, "行政处罚法")]).sections
    assert assembly.section_pool(db, section) == [published.current_version_id]


def batch_of(db, clock, make, count):
    uploader = make.user(Role.BANK_EDITOR)
    batch = ImportBatch(filename="题库.xlsx", file_format="xlsx", mode="all_or_nothing",
                        uploaded_by_id=uploader.id, uploaded_at=clock.now())
    db.add(batch)
    drafts = [QuestionDraft(qtype="single_choice", stem=f"导入第{n}题（　）", options=["甲", "乙", "丙"], key=["A"],
                            category_path="行政处罚法") for n in range(count)]
    authoring.create_questions(db, clock, uploader, drafts, status=QuestionStatus.IN_REVIEW, batch=batch)
    db.commit()
    return batch


@pytest.mark.parametrize("approve", [True, False])
def test_an_approved_batch_is_drawable_and_a_rejected_one_is_not(db, clock, make, approve):
    batch = batch_of(db, clock, make, 3)
    section, = make.paper([("single_choice", 3, 10, "行政处罚法")]).sections
    assert assembly.section_pool(db, section) == []
    review.decide_batch(db, clock, make.user(Role.BANK_REVIEWER), batch, approve=approve)
    db.commit()
    db.expire_all()
    questions = db.scalars(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id)).all()
    pool = assembly.section_pool(db, section)
    if approve:
        assert pool == [q.current_version_id for q in questions]
        assert all(q.published_version_id == q.current_version_id and q.is_live for q in questions)
    else:
        assert pool == [] and not any(q.is_live for q in questions)


# --- a change of category is reviewed like any other change ------------------------------------------

def pool_sizes(db, sitting, elsewhere) -> tuple[int, int]:
    """How many questions the live sitting's section and a section on 行政许可法 can draw."""
    return len(assembly.section_pool(db, sitting.paper.sections[0])), len(assembly.section_pool(db, elsewhere))


def test_a_new_category_moves_a_question_between_pools_only_when_a_reviewer_approves_it(
        db, clock, make, live_sitting):
    sitting, question = live_sitting
    elsewhere, = make.paper([("single_choice", 1, 100, "行政许可法")]).sections
    approved = question.current_version
    revision = make.revision(question, category_path="行政许可法")
    assert question.status == QuestionStatus.IN_REVIEW and question.category.path == "行政许可法"
    assert (approved.category.path, revision.category.path) == ("行政处罚法", "行政许可法")
    assert pool_sizes(db, sitting, elsewhere) == (2, 0)

    attempt = attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    db.commit()
    assert len(attempt.items) == 2 and items_of(attempt, question) == [approved]

    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()
    assert pool_sizes(db, sitting, elsewhere) == (1, 1)
    assert assembly.section_pool(db, elsewhere) == [revision.id]
    with pytest.raises(PaperUnavailable) as refused:
        attempts.start_attempt(db, clock, sitting.roster[1].user, sitting)
    assert "requested 2, available 1" in str(refused.value)


def test_returning_a_new_category_leaves_the_question_in_its_approved_category(db, clock, make, live_sitting):
    sitting, question = live_sitting
    elsewhere, = make.paper([("single_choice", 1, 100, "行政许可法")]).sections
    approved = question.current_version
    make.revision(question, category_path="行政许可法")
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "分类不对")
    db.commit()
    assert question.status == QuestionStatus.DRAFT and question.is_live
    assert pool_sizes(db, sitting, elsewhere) == (2, 0)
    attempt = attempts.start_attempt(db, clock, sitting.roster[0].user, sitting)
    assert items_of(attempt, question) == [approved]
