"""Practice (issue 11): sources, one question at a time checked by the type's marking, the key only
after the answer, no exam results of any kind, only live questions, and pools of open sittings
held out."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, NotFound, PermissionDenied
from question_bank.models import (
    Attempt,
    AttemptItem,
    AuditEvent,
    LedgerHead,
    Mark,
    PracticeItem,
    PracticeSource,
    QuestionCitation,
    QuestionStatus,
    ResponseStep,
    Role,
    ScoreRecord,
)
from question_bank.services import assembly, papers, practice, practice_pool
from question_bank.services.practice import AlreadyAnswered, QuestionWithdrawn
from tests.scenarios import right_answer, some_answer, wrong_answer

PENALTY = "行政法/行政处罚法(2021-01-22).md"
LICENSING = "行政法/行政许可法(2019-04-23).md"


def _law_id(db, title: str) -> int:
    return db.scalar(select(QuestionCitation.law_id).where(QuestionCitation.law_title.contains(title),
                                                           QuestionCitation.law_id.is_not(None)).limit(1))


def _serve_all(db, clock, cadre, run, limit: int = 50) -> list[int]:
    """Serve and answer (wrongly or rightly, it does not matter) until the run runs dry."""
    seen = []
    for _ in range(limit):
        item = practice.current_item(db, clock, cadre, run)
        if item is None:
            return seen
        seen.append(item.question_id)
        practice.answer(db, clock, cadre, item.id, some_answer(item))
        db.commit()
    raise AssertionError("the run never ran dry")


@pytest.fixture
def bank(make):
    """Two laws; questions citing each (and one citing none), in two categories, of several types."""
    make.laws(PENALTY, LICENSING)
    penalty = make.questions(3, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    penalty.append(make.question("true_false", key=False, category="行政法/处罚/时效",
                                 legal_basis="《行政处罚法》第三十六条"))
    penalty.append(make.question("fill_blank", stem="当事人有权申请（　）。", key=[["行政复议", "复议"]],
                                 category="行政法/处罚", legal_basis="行政处罚法第9条"))
    licensing = make.questions(2, category="行政法/许可", legal_basis="《中华人民共和国行政许可法》第十二条")
    uncited = make.question(category="行政法/处罚", legal_basis="")
    return {"penalty": penalty, "licensing": licensing, "uncited": uncited,
            "penalty_law": _law_id(make.db, "行政处罚法"), "licensing_law": _law_id(make.db, "行政许可法")}


def test_a_law_offers_exactly_the_questions_citing_its_articles_each_once(db, make, clock, bank):
    cadre = make.cadre()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["penalty_law"])
    db.commit()
    assert run.title == "行政处罚法"
    seen = _serve_all(db, clock, cadre, run)
    assert sorted(seen) == sorted(q.id for q in bank["penalty"])
    assert practice.current_item(db, clock, cadre, run) is None


def test_a_category_offers_its_questions_and_those_of_its_sub_categories(db, make, clock, bank):
    cadre = make.cadre()
    category_id = bank["penalty"][0].category.parent_id
    run = practice.start_practice(db, clock, cadre, "category", category_id)
    seen = _serve_all(db, clock, cadre, run)
    everything = bank["penalty"] + bank["licensing"] + [bank["uncited"]]
    assert sorted(seen) == sorted(q.id for q in everything)


def test_a_set_of_articles_offers_the_questions_citing_any_of_them(db, make, clock, bank):
    cadre = make.cadre()
    article_36 = db.scalar(select(QuestionCitation.article_id).where(
        QuestionCitation.question_version_id == bank["penalty"][0].published_version_id))
    article_12 = db.scalar(select(QuestionCitation.article_id).where(
        QuestionCitation.question_version_id == bank["licensing"][0].published_version_id))
    run = practice.practice_from_articles(db, clock, cadre, [article_36, article_12], "2026年学法清单")
    assert run.title == "2026年学法清单" and run.source == PracticeSource.ARTICLES
    seen = _serve_all(db, clock, cadre, run)
    expected = bank["penalty"][:4] + bank["licensing"]
    assert sorted(seen) == sorted(q.id for q in expected)


def test_unknown_articles_and_sources_are_refused_by_name(db, make, clock, bank):
    cadre = make.cadre()
    with pytest.raises(InvalidInput) as refused:
        practice.practice_from_articles(db, clock, cadre, [987654321], "清单")
    assert "987654321" in str(refused.value)
    with pytest.raises(InvalidInput):
        practice.practice_from_articles(db, clock, cadre, [], "清单")
    with pytest.raises(InvalidInput):
        practice.start_practice(db, clock, cadre, "everything")
    with pytest.raises(NotFound):
        practice.start_practice(db, clock, cadre, PracticeSource.LAW, 987654321)
    with pytest.raises(PermissionDenied):
        practice.start_practice(db, clock, make.user(Role.HR), PracticeSource.LAW, bank["penalty_law"])


def test_only_live_machine_marked_questions_are_offered(db, make, clock, bank):
    cadre = make.cadre()
    draft = make.question(category="行政法/处罚", status=QuestionStatus.DRAFT)
    short = make.question("short_answer", category="行政法/处罚")
    retired = bank["penalty"][0]
    retired.status = QuestionStatus.RETIRED
    db.commit()
    run = practice.start_practice(db, clock, cadre, "category", bank["uncited"].category_id)
    seen = set(_serve_all(db, clock, cadre, run))
    assert draft.id not in seen and short.id not in seen and retired.id not in seen
    assert bank["uncited"].id in seen


def test_the_question_shows_no_key_and_the_answer_brings_key_explanation_and_article(db, make, clock, bank):
    cadre = make.cadre()
    fill = bank["penalty"][4]
    run = practice.start_practice(db, clock, cadre, "category", fill.category_id)
    item = practice.current_item(db, clock, cadre, run)
    while item.question_id != fill.id:
        practice.answer(db, clock, cadre, item.id, some_answer(item))
        item = practice.current_item(db, clock, cadre, run)
    view = practice.question_view(item)
    assert "行政复议" not in repr(view) and "依据法条作答" not in repr(view)
    with pytest.raises(Exception):
        practice.feedback(db, item)
    clock.advance(seconds=40)
    shown = practice.answer(db, clock, cadre, item.id, [" 复议 "])
    assert shown.correct and shown.blank_results == [True]
    assert shown.key_display == [["行政复议", "复议"]]
    assert shown.explanation == "依据法条作答。"
    assert [a.article.label for a in shown.articles] == ["第九条"]
    assert "行政处罚的种类" in shown.articles[0].article.text
    stored = db.get(PracticeItem, item.id)
    assert stored.answered_at == clock.now() and stored.served_at == clock.now() - dt.timedelta(seconds=40)


def test_a_choice_answer_is_checked_in_the_letters_the_cadre_saw(db, make, clock):
    make.question("multiple_choice", key=["A", "C"], options=["甲", "乙", "丙", "丁"], category="多选")
    cadre = make.cadre()
    run = practice.start_practice(db, clock, cadre, "category", make.db.scalar(select(
        assembly.Category.id).where(assembly.Category.path == "多选")))
    item = practice.current_item(db, clock, cadre, run, rng=random.Random(7))
    view = practice.question_view(item)
    shown_letters = sorted(letter for letter, text in view.options if text in ("甲", "丙"))
    partly = practice.answer(db, clock, cadre, item.id, shown_letters[:1])
    assert not partly.correct and partly.key_display == shown_letters
    run2 = practice.start_practice(db, clock, cadre, "category", run.source_id)
    item2 = practice.current_item(db, clock, cadre, run2, rng=random.Random(8))
    shown2 = sorted(letter for letter, text in practice.question_view(item2).options if text in ("甲", "丙"))
    assert practice.answer(db, clock, cadre, item2.id, shown2).correct


def test_a_second_answer_changes_nothing_and_a_bad_one_records_nothing(db, make, clock, bank):
    cadre = make.cadre()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    item = practice.current_item(db, clock, cadre, run)
    for bad in (["Z"], [], "not letters", {"A": 1}):
        with pytest.raises(InvalidInput):
            practice.answer(db, clock, cadre, item.id, bad)
    assert db.get(PracticeItem, item.id).answered_at is None
    first = practice.answer(db, clock, cadre, item.id, wrong_answer(item))
    with pytest.raises(AlreadyAnswered):
        practice.answer(db, clock, cadre, item.id, right_answer(item))
    assert not first.correct and db.get(PracticeItem, item.id).correct is False


def test_someone_else_cannot_see_or_answer_a_cadres_question(db, make, clock, bank):
    cadre, other = make.cadre(), make.cadre()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    item = practice.current_item(db, clock, cadre, run)
    with pytest.raises(NotFound):
        practice.answer(db, clock, other, item.id, ["A"])
    with pytest.raises(NotFound):
        practice.current_item(db, clock, other, run)


def test_opening_a_run_twice_serves_the_same_question(db, make, clock, bank):
    cadre = make.cadre()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["penalty_law"])
    first = practice.current_item(db, clock, cadre, run)
    again = practice.current_item(db, clock, cadre, run)
    assert first.id == again.id


def test_practice_never_makes_an_exam_result(db, make, clock, bank):
    exam = make.sitting(make.paper([("single_choice", 1, 100, "行政法/许可")]), roster=[make.cadre()])
    counted = (Attempt, AttemptItem, Mark, ResponseStep, ScoreRecord)
    before = {m.__name__: db.scalar(select(func.count()).select_from(m)) for m in counted}
    ledger_before = db.scalar(select(LedgerHead.entry_count).where(LedgerHead.id == 1))
    cadre = exam.roster[0].user
    run = practice.start_practice(db, clock, cadre, "category", bank["uncited"].category.parent_id)
    item = practice.current_item(db, clock, cadre, run)
    practice.answer(db, clock, cadre, item.id, wrong_answer(item))
    _serve_all(db, clock, cadre, run)
    db.commit()
    assert db.scalar(select(func.count()).select_from(PracticeItem)) > 0
    assert {m.__name__: db.scalar(select(func.count()).select_from(m)) for m in counted} == before
    assert db.scalar(select(LedgerHead.entry_count).where(LedgerHead.id == 1)) == ledger_before


def _open_sitting_on(make, category: str, clock, hours_open: int = 2):
    paper = make.paper([("single_choice", 1, 100, category)])
    return make.sitting(paper, opens_at=clock.now() - dt.timedelta(minutes=30),
                        closes_at=clock.now() + dt.timedelta(hours=hours_open))


def test_questions_of_an_open_sittings_pool_are_held_out_until_its_window_closes(db, make, clock, bank):
    cadre = make.cadre()
    sitting = _open_sitting_on(make, "行政法/许可", clock)
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    assert practice.current_item(db, clock, cadre, run) is None
    assert practice_pool.available_count(db, run, clock.now()) == 0
    clock.set(sitting.closes_at)
    assert practice_pool.available_count(db, run, clock.now()) == 2
    assert practice.current_item(db, clock, cadre, run).question_id in {q.id for q in bank["licensing"]}


def test_a_sitting_that_has_not_opened_holds_nothing_out(db, make, clock, bank):
    cadre = make.cadre()
    paper = make.paper([("single_choice", 1, 100, "行政法/许可")])
    make.sitting(paper, opens_at=clock.now() + dt.timedelta(hours=1), closes_at=clock.now() + dt.timedelta(hours=3))
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    assert practice.current_item(db, clock, cadre, run) is not None


def test_a_question_served_before_its_sitting_opened_is_withdrawn_without_its_key(db, make, clock, bank):
    cadre = make.cadre()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    item = practice.current_item(db, clock, cadre, run)
    paper = make.paper([("single_choice", 1, 100, "行政法/许可")])
    make.sitting(paper, opens_at=clock.now() + dt.timedelta(minutes=5), closes_at=clock.now() + dt.timedelta(hours=2))
    clock.advance(minutes=6)
    with pytest.raises(QuestionWithdrawn):
        practice.answer(db, clock, cadre, item.id, right_answer(item))
    db.commit()
    stored = db.get(PracticeItem, item.id)
    assert stored.withdrawn_at is not None and stored.answered_at is None and stored.correct is None
    assert practice.current_item(db, clock, cadre, run) is None


def test_a_paper_kept_out_of_practice_holds_its_pools_out_at_all_times_audited(db, make, clock, bank):
    cadre = make.cadre()
    paper = make.paper([("single_choice", 1, 100, "行政法/许可")])
    admin = make.user(Role.EXAM_ADMIN)
    papers.set_practice_exclusion(db, clock, admin, paper, True)
    papers.set_practice_exclusion(db, clock, admin, paper, True)   # no change, no second event
    db.commit()
    run = practice.start_practice(db, clock, cadre, PracticeSource.LAW, bank["licensing_law"])
    assert practice.current_item(db, clock, cadre, run) is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.practice_exclusion")).all()
    assert [(e.actor_id, e.object_id, e.after) for e in events] == [(admin.id, str(paper.id), {"practice_excluded": True})]
    papers.set_practice_exclusion(db, clock, admin, paper, False)
    db.commit()
    assert practice.current_item(db, clock, cadre, run) is not None
    with pytest.raises(PermissionDenied):
        papers.set_practice_exclusion(db, clock, cadre, paper, True)


def test_the_held_out_condition_is_exactly_the_section_pools(db, make, clock, bank):
    make.questions(2, "single_choice", category="行政法/许可/细则", difficulty=5)
    paper = make.paper([("single_choice", 1, 50, "行政法/许可"), ("true_false", 1, 50, "行政法/处罚")])
    paper.sections[0].difficulty_max = 4
    make.sitting(paper)
    db.commit()
    pools = {v for s in paper.sections for v in assembly.section_pool(db, s)}
    sections = practice_pool.held_out_sections(db, clock.now())
    query = (select(assembly.QuestionVersion.id)
             .join(assembly.Question, assembly.Question.published_version_id == assembly.QuestionVersion.id)
             .join(assembly.Category, assembly.QuestionVersion.category_id == assembly.Category.id)
             .where(assembly.live_question(), ~practice_pool.outside_pools(sections)))
    assert set(db.scalars(query)) == pools and len(pools) == 3
