"""Draws read a paper's pools kept in the database (issue 7, ``services.pool_cache``): every eligible
question can still be drawn and no ineligible one ever is, the same seed draws the same paper
whether the pools were read from the bank or kept, and a change committed by another worker (a
question retired, published, held for law review, a category moved) reaches the next draw."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import delete, select

from question_bank.db import make_session_factory
from question_bank.errors import InvalidInput, PaperUnavailable
from question_bank.models import (
    Category,
    LawReviewFlag,
    PaperPoolCache,
    Question,
    QuestionStatus,
    QuestionVersion,
    Role,
    User,
)
from question_bank.services import assembly, attempts, categories, law_review, review
from tests.question_bank.test_amendments import SUPERVISION_2018, SUPERVISION_2024

SEEDS = range(300)


def drawn_questions(db, paper, seed) -> list[int]:
    return [db.get(QuestionVersion, item.version.id).question_id
            for item in assembly.draw(db, paper, seed, for_attempt=True)]


def kept(db, paper) -> bool:
    return db.get(PaperPoolCache, paper.id) is not None


@pytest.fixture
def other_worker(engine):
    """A second session on the same database, as another gunicorn worker (or host) has."""
    session = make_session_factory(engine)()
    yield session
    session.rollback()
    session.close()


def test_over_300_seeds_every_eligible_question_is_drawn_and_no_ineligible_one_ever(db, clock, make):
    """Eight live single choice questions on 监察法; beside them a retired one, one pending review
    never approved, a draft, one held for law review (its article changed in 2024), a single
    choice filed under another law and a true/false on 监察法. A 3-question section draws only
    the eight, each about 3/8 of the time (112 of 300; a tolerance of ±40, about 5 standard
    deviations), never one twice."""
    make.laws(SUPERVISION_2018)
    eligible = make.questions(8, category="监察法", legal_basis="《监察法》第三条")
    ineligible = [make.question(category="监察法", status=QuestionStatus.RETIRED),
                  make.question(category="监察法", status=QuestionStatus.IN_REVIEW),
                  make.question(category="监察法", status=QuestionStatus.DRAFT),
                  make.question(category="监察法", legal_basis="《监察法》第十二条"),
                  make.question(category="行政处罚法"),
                  make.question("true_false", category="监察法")]
    make.laws(SUPERVISION_2024)
    assert db.scalar(select(LawReviewFlag.question_id)) == ineligible[3].id
    paper = make.paper([("single_choice", 3, 10, "监察法")])

    counts: Counter[int] = Counter()
    for seed in SEEDS:
        drawn = drawn_questions(db, paper, seed)
        assert len(set(drawn)) == 3, seed
        counts.update(drawn)
    assert kept(db, paper)
    assert set(counts) == {q.id for q in eligible}
    assert all(abs(n - 112.5) <= 40 for n in counts.values()), counts


def test_overlapping_sections_and_a_published_copy_draw_every_question_and_never_both_copies(db, clock, make):
    """宪法 with its sub-categories (2 questions) and 宪法/国家机构 (2): three questions in each
    category, and a copy of one 国家机构 question published under 宪法, so both pools hold that
    content. Over 300 seeds every question and both copies are drawn, never a question twice nor
    both copies on one paper."""
    top = make.questions(3, category="宪法")
    below = make.questions(3, category="宪法/国家机构")
    original = below[0].current_version
    copy = make.question(category="宪法", stem=original.stem, options=list(original.options))
    paper = make.paper([("single_choice", 2, 25, "宪法"), ("single_choice", 2, 25, "宪法/国家机构")])
    paper.sections[0].include_subcategories = True
    db.commit()

    counts: Counter[int] = Counter()
    for seed in SEEDS:
        drawn = drawn_questions(db, paper, seed)
        assert len(set(drawn)) == 4 and not {original.question_id, copy.id} <= set(drawn), seed
        counts.update(drawn)
    assert set(counts) == {q.id for q in top + below + [copy]}


def test_the_same_seed_draws_the_same_paper_from_the_bank_and_from_the_kept_pools(db, clock, make):
    make.questions(12, category="行政处罚法")
    stem_options = ("同一题干？", ["甲", "乙", "丙", "丁"])
    make.question(category="行政处罚法", stem=stem_options[0], options=stem_options[1])
    make.question(category="行政处罚法", stem=stem_options[0], options=list(reversed(stem_options[1])))
    paper = make.paper([("single_choice", 5, 20, "行政处罚法")])
    for seed in (1, 2, 99, 2**61 + 5):
        db.execute(delete(PaperPoolCache))
        from_bank = assembly.draw(db, paper, seed)
        assert kept(db, paper)
        assert [item.version.id for item in assembly.draw(db, paper, seed)] == [item.version.id for item in from_bank]


def test_a_question_retired_by_another_worker_is_not_drawn_and_the_short_section_is_named(
        db, clock, make, other_worker):
    """Three questions fill a 3-question section; its pools are kept by the first start. Another
    worker retires one and commits: the next draw refuses, naming the section and the counts;
    once another worker publishes a new question, the next draw takes it and not the retired one."""
    questions = make.questions(3, category="行政处罚法")
    reviewer = make.user(Role.BANK_REVIEWER)
    paper = make.paper([("single_choice", 3, 10, "行政处罚法")])
    assert set(drawn_questions(db, paper, 1)) == {q.id for q in questions}
    assert kept(db, paper)
    db.commit()  # as the start's request ends; the next draw is another request's transaction

    review.retire_question(other_worker, clock, other_worker.get(User, reviewer.id),
                           other_worker.get(Question, questions[0].id), "不再使用")
    other_worker.commit()

    with pytest.raises(InvalidInput) as refused:
        assembly.draw(db, paper, 2)
    problem, = refused.value.problems
    assert str(problem) == "section 1: category 行政处罚法, Single choice: requested 3, available 2"
    db.rollback()

    newer = make.question(category="行政处罚法")
    assert set(drawn_questions(db, paper, 3)) == {questions[1].id, questions[2].id, newer.id}


def test_a_start_after_a_law_amendment_draws_none_of_the_held_questions_and_clearing_returns_them(
        db, clock, make):
    """The pools were kept while 监察法 2018 was in force; loading 2024 holds two questions out, so
    the 4-question sitting cannot start; clearing both flags lets it start with all four."""
    make.laws(SUPERVISION_2018)
    changed = [make.question(category="监察法", legal_basis="《监察法》第十二条"),
               make.question(category="监察法", legal_basis="《监察法》第一条第二款")]
    make.questions(2, category="监察法", legal_basis="《监察法》第三条")
    cadres = [make.cadre() for _ in range(2)]
    sitting = make.sitting(make.paper([("single_choice", 4, 25, "监察法")]), roster=cadres)
    assert len(drawn_questions(db, sitting.paper, 1)) == 4
    db.commit()

    make.laws(SUPERVISION_2024)
    with pytest.raises(PaperUnavailable) as refused:
        attempts.start_attempt(db, clock, cadres[0], sitting)
    assert "requested 4, available 2 (2 held out pending law review)" in str(refused.value)
    db.rollback()

    reviewer = make.user(Role.BANK_REVIEWER)
    for question in changed:
        flag = db.scalar(select(LawReviewFlag).where(LawReviewFlag.question_id == question.id))
        law_review.clear_flag(db, clock, reviewer, flag, note="不影响本题")
    db.commit()
    attempt = attempts.start_attempt(db, clock, cadres[0], sitting)
    assert {item.question_version.question_id for item in attempt.items} >= {q.id for q in changed}


def test_a_category_moved_out_of_the_sections_subtree_takes_its_questions_out_of_the_draw(db, clock, make):
    """A section on 宪法 with its sub-categories draws from 宪法/国家机构 too, until an admin moves
    国家机构 to the top: then only 宪法's own questions, and a 3-question section is short."""
    own = make.questions(2, category="宪法")
    moved = make.question(category="宪法/国家机构")
    paper = make.paper([("single_choice", 3, 10, "宪法")])
    paper.sections[0].include_subcategories = True
    db.commit()
    assert set(drawn_questions(db, paper, 1)) == {q.id for q in own} | {moved.id}

    categories.move_category(db, clock, make.user(Role.BANK_EDITOR), moved.category, None)
    db.commit()
    with pytest.raises(InvalidInput) as refused:
        assembly.draw(db, paper, 2)
    assert "section 1: category 宪法, Single choice: requested 3, available 2" in str(refused.value)


def test_an_edited_blueprint_draws_from_its_new_pools_at_once(db, clock, make):
    make.questions(3, category="行政处罚法")
    licensing = make.questions(3, category="行政许可法")
    paper = make.paper([("single_choice", 3, 10, "行政处罚法")])
    drawn_questions(db, paper, 1)
    paper.sections[0].category = db.scalar(select(Category).where(Category.path == "行政许可法"))
    db.flush()
    assert set(drawn_questions(db, paper, 1)) == {q.id for q in licensing}

