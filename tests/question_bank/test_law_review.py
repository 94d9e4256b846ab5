"""Held questions and the reviewer's decision (issue 11 "Amendments"): a question held for law review
is drawn by no new paper, and papers and shortfalls say how many were held out; a bank reviewer
clears a flag (the citation then points at the new version's article, the same number or another)
or retires the question, both audited; clearing returns it to draws; a newer version published
since is not held; only reviewers decide."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.errors import Conflict, InvalidInput, PaperUnavailable, PermissionDenied, Place
from question_bank.formats.law_files import LawFile
from question_bank.models import ArticleChange, AuditEvent, LawKind, LawReviewFlag, QuestionStatus, ReviewOutcome, Role
from question_bank.services import assembly, attempts, law_catalogue, law_review, review
from question_bank.services.law_catalogue import LoadOptions
from tests.question_bank.test_amendments import REVIEW_2017, REVIEW_2023, SUPERVISION_2018, SUPERVISION_2024


@pytest.fixture
def held(make, db):
    """Four published single-choice questions in 监察法: two cite articles 2024 changed, two not; the
    2024 version loaded. Returns (changed, unchanged) question lists."""
    make.laws(SUPERVISION_2018)
    changed = [make.question(category="监察法", legal_basis="《监察法》第十二条"),
               make.question(category="监察法", legal_basis="《监察法》第一条第二款")]
    unchanged = [make.question(category="监察法", legal_basis="《监察法》第三条"),
                 make.question(category="监察法", legal_basis="《监察法》第十五条")]
    make.laws(SUPERVISION_2024)
    return changed, unchanged


def flag_of(db, question) -> LawReviewFlag:
    return db.scalar(select(LawReviewFlag).where(LawReviewFlag.question_id == question.id))


def pool_questions(db, section) -> set[int]:
    from question_bank.models import QuestionVersion
    return {db.get(QuestionVersion, v).question_id for v in assembly.section_pool(db, section)}


def test_held_questions_are_drawn_by_no_paper_and_the_shortfall_says_how_many_are_held(db, clock, make, held):
    changed, unchanged = held
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 3, 10, "监察法")]), roster=[cadre])
    section, = sitting.paper.sections
    assert pool_questions(db, section) == {q.id for q in unchanged}
    assert assembly.held_out(db, sitting.paper) == 2
    shortfall, = assembly.shortfalls(db, sitting.paper)
    assert str(shortfall.problem()) == ("section 1: category 监察法, Single choice: requested 3, available 2 "
                                        "(2 held out pending law review)")
    with pytest.raises(PaperUnavailable):
        attempts.start_attempt(db, clock, cadre, sitting)


def test_a_paper_the_bank_can_still_fill_draws_only_questions_not_held(db, clock, make, held):
    changed, unchanged = held
    cadres = [make.cadre() for _ in range(5)]
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "监察法")]), roster=cadres)
    for cadre in cadres:
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        assert {i.question_version.question_id for i in attempt.items} == {q.id for q in unchanged}


def test_clearing_every_flag_returns_the_question_to_draws_and_points_its_citation_at_the_new_article(db, clock, make, held):
    changed, _ = held
    reviewer = make.user(Role.BANK_REVIEWER)
    section, = make.paper([("single_choice", 1, 100, "监察法")]).sections
    flag = flag_of(db, changed[0])
    target = law_review.clear_flag(db, clock, reviewer, flag, note="条文调整不影响本题")
    db.commit()
    assert (target.label, target.version.version_date.year) == ("第十二条", 2024)
    citation, = changed[0].published_version.law_refs
    assert (citation.article_id, citation.law_version_id, citation.text) == (target.id, flag.new_version_id, "《监察法》第十二条")
    assert flag.outcome == ReviewOutcome.CLEARED and flag.resolved_by_id == reviewer.id
    assert changed[0].id in pool_questions(db, section) and changed[1].id not in pool_questions(db, section)
    assert law_review.held_count(db) == 1
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.law_review_clear"))
    assert event.before["article"] == "第十二条" and event.after["version"] == "2024-12-25"
    assert event.after["note"] == "条文调整不影响本题"


def test_clearing_to_another_article_number_repoints_the_citation_keeping_its_paragraph(db, clock, make, held):
    changed, _ = held
    flag = flag_of(db, changed[1])
    target = law_review.clear_flag(db, clock, make.user(Role.BANK_REVIEWER), flag, article=(2, 0))
    citation, = changed[1].published_version.law_refs
    assert (target.label, citation.article_number, citation.paragraph) == ("第二条", 2, 2)
    # 2024 第二条 has one paragraph: the citation's 第二款 is named as missing, not dropped.
    assert citation.status == "no_such_paragraph"
    assert changed[1].published_version.legal_basis == "《监察法》第一条第二款"


def test_an_article_the_new_version_lacks_is_refused_naming_the_field(db, clock, make, held):
    changed, _ = held
    flag = flag_of(db, changed[0])
    with pytest.raises(InvalidInput) as refused:
        law_review.clear_flag(db, clock, make.user(Role.BANK_REVIEWER), flag, article=(999, 0))
    problem, = refused.value.problems
    assert problem.place == "article"
    assert "第九百九十九条" in str(problem)
    assert flag.outcome is None


def load_text(db, clock, text: str) -> None:
    law_catalogue.load_texts(db, clock, None, [LawFile("某某条例.txt", text.encode("utf-8"))],
                             LoadOptions(kind=LawKind.LOCAL_REGULATION))
    db.commit()


def test_a_dropped_article_needs_another_number_or_retirement(db, clock, make):
    """A pasted regulation whose amendment drops 第三条 (its 第二条 unchanged)."""
    load_text(db, clock, "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n\n"
                         "第一条 甲。\n第二条 乙。\n第三条 丙。\n")
    dropped = make.question(legal_basis="《某某条例》第三条")
    kept = make.question(legal_basis="《某某条例》第二条")
    load_text(db, clock, "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n"
                         "2024年6月1日 某某省人民代表大会常务委员会修正\n\n第一条 甲。\n第二条 乙。\n")
    flag = flag_of(db, dropped)
    assert flag.change == ArticleChange.REMOVED and flag.new_article is None and flag_of(db, kept) is None
    reviewer = make.user(Role.BANK_REVIEWER)
    with pytest.raises(InvalidInput) as refused:
        law_review.clear_flag(db, clock, reviewer, flag)
    assert refused.value.problems[0].place == "article" and "retire" in str(refused.value.problems[0])
    assert law_review.side_by_side(flag).new == []
    assert law_review.clear_flag(db, clock, reviewer, flag, article=(2, 0)).label == "第二条"


def test_retiring_closes_every_flag_of_the_question_and_is_audited(db, clock, make):
    make.laws(REVIEW_2017)
    question = make.question(legal_basis="《行政复议法》第十二条、第二十八条")
    make.laws(REVIEW_2023)
    reviewer = make.user(Role.BANK_REVIEWER)
    first = db.scalars(select(LawReviewFlag).where(LawReviewFlag.question_id == question.id)).first()
    assert law_review.retire_flagged(db, clock, reviewer, first, note="新法已无此规定") == 2
    db.commit()
    assert question.status == QuestionStatus.RETIRED
    assert {f.outcome for f in db.scalars(select(LawReviewFlag))} == {ReviewOutcome.RETIRED}
    assert law_review.held_count(db) == 0 and law_review.open_flags(db, reviewer)[1] == 0
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(question.id))))
    assert {"question.retire", "question.law_review_retire"} <= actions


def test_only_a_bank_reviewer_decides_and_only_once(db, clock, make, held):
    changed, _ = held
    flag = flag_of(db, changed[0])
    for role in (Role.BANK_EDITOR, Role.LAW_ADMIN):
        with pytest.raises(PermissionDenied):
            law_review.clear_flag(db, clock, make.user(role), flag)
        assert law_review.open_flags(db, make.user(role))[1] == 2
    with pytest.raises(PermissionDenied):
        law_review.open_flags(db, make.cadre())
    reviewer = make.user(Role.BANK_REVIEWER)
    law_review.clear_flag(db, clock, reviewer, flag)
    with pytest.raises(Conflict):
        law_review.clear_flag(db, clock, reviewer, flag)
    with pytest.raises(Conflict):
        law_review.retire_flagged(db, clock, reviewer, flag)


def test_a_newer_version_published_since_is_not_held(db, clock, make, held):
    changed, _ = held
    question = changed[0]
    make.revision(question, legal_basis="《监察法》第十二条", stem="修订后的题干（　）")
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    db.commit()
    assert law_review.held_count(db) == 1
    assert not law_review.is_open(flag_of(db, question))
    section, = make.paper([("single_choice", 1, 100, "监察法")]).sections
    assert question.id in pool_questions(db, section)


def test_the_side_by_side_marks_the_changed_characters(db, make, held):
    changed, _ = held
    sides = law_review.side_by_side(flag_of(db, changed[0]))
    old = "".join(s.text for s in sides.old)
    new = "".join(s.text for s in sides.new)
    flag = flag_of(db, changed[0])
    assert old == flag.old_article.text and new == flag.new_article.text
    assert any(s.kind == "removed" for s in sides.old) or any(s.kind == "added" for s in sides.new)
    assert all(s.kind in ("same", "removed") for s in sides.old)


def test_the_load_names_the_open_sittings_it_leaves_unfillable(db, clock, make):
    make.laws(SUPERVISION_2018)
    make.question(category="监察法", legal_basis="《监察法》第十二条")
    make.question(category="监察法", legal_basis="《监察法》第三条")
    short = make.sitting(make.paper([("single_choice", 2, 50, "监察法")]), title="监察法专题考试")
    make.sitting(make.paper([("single_choice", 1, 100, "监察法")]), title="仍可抽题的考试")
    loaded, = make.laws(SUPERVISION_2024)
    assert [s.id for s in loaded.review.short_sittings] == [short.id]
    assert loaded.line().endswith("held for law review, 1 carried forward to the new text; "
                                  "sittings that can no longer be filled: 监察法专题考试)")


def test_a_reviewers_repointing_survives_the_question_being_resolved_again(db, clock, make):
    """The question also names a regulation the catalogue does not hold yet: loading it later
    resolves the question's citations again, and the cleared citation keeps the article the
    reviewer chose."""
    make.laws(SUPERVISION_2018)
    question = make.question(legal_basis="《监察法》第十二条；《某某条例》第二条")
    make.laws(SUPERVISION_2024)
    law_review.clear_flag(db, clock, make.user(Role.BANK_REVIEWER), flag_of(db, question), article=(13, 0))
    db.commit()
    load_text(db, clock, "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n\n第一条 甲。\n第二条 乙。\n")
    supervision, regulation = question.published_version.law_refs
    assert (supervision.article_number, supervision.law_version.version_date.year) == (13, 2024)
    assert regulation.status == "resolved" and regulation.article_number == 2
    assert flag_of(db, question).citation_id == supervision.id


def test_a_later_amendment_before_anyone_decided_replaces_the_earlier_flag(db, clock, make):
    history = "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n"
    load_text(db, clock, history + "\n第一条 甲。\n第二条 乙。\n")
    question = make.question(legal_basis="《某某条例》第一条")
    load_text(db, clock, history + "2022年1月1日 某某省人民代表大会常务委员会修正\n\n第一条 甲甲。\n第二条 乙。\n")
    load_text(db, clock, history + "2022年1月1日 某某省人民代表大会常务委员会修正\n"
                                   "2024年1月1日 某某省人民代表大会常务委员会修正\n\n第一条 甲甲甲。\n第二条 乙。\n")
    earlier, later = db.scalars(select(LawReviewFlag).order_by(LawReviewFlag.id)).all()
    assert earlier.outcome == ReviewOutcome.SUPERSEDED and later.outcome is None
    assert later.new_version.version_date.year == 2024 and later.old_version.version_date.year == 2020
    reviewer = make.user(Role.BANK_REVIEWER)
    assert [f.id for f in law_review.open_flags(db, reviewer)[0]] == [later.id] and law_review.held_count(db) == 1
    with pytest.raises(Conflict):
        law_review.clear_flag(db, clock, reviewer, earlier)
    law_review.clear_flag(db, clock, reviewer, later)
    assert law_review.held_count(db) == 0
    assert question.published_version.law_refs[0].law_version.version_date.year == 2024


def test_a_repointing_rewrites_the_legal_basis_so_a_later_edit_keeps_it(db, clock, make):
    """Tester's defect 2: re-pointed 第十二条 → 第十三条, then an edit of the explanation only; the
    new version's citation stays on 第十三条 and its legal basis says so."""
    from question_bank.services import authoring
    from question_bank.services.exporting import draft_of
    make.laws(SUPERVISION_2018)
    question = make.question(category="监察法", legal_basis="《监察法》第十二条第一款；《监察法》第三条")
    make.laws(SUPERVISION_2024)
    reviewer, editor = make.user(Role.BANK_REVIEWER), make.user(Role.BANK_EDITOR)
    law_review.clear_flag(db, clock, reviewer, flag_of(db, question), article=(13, 0))
    db.commit()
    assert question.current_version.legal_basis == "《监察法》第十三条第一款；《监察法》第三条"
    assert question.published_version.law_refs[0].article_number == 13
    edit = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.update",
                                              AuditEvent.object_id == str(question.id)))
    assert edit is not None and edit.actor_id == reviewer.id
    from dataclasses import replace
    version = authoring.update_question(db, clock, editor, question,
                                        replace(draft_of(question.current_version), explanation="另一种解释。"))
    db.commit()
    first = version.law_refs[0]
    assert (first.article_number, first.paragraph, first.law_version.version_date.year) == (13, 1, 2024)
    assert flag_of(db, question).outcome == ReviewOutcome.CLEARED


def test_a_repointing_the_words_cannot_name_once_leaves_the_text_as_written(db, clock, make):
    """A range names its inner article nowhere by number: the text is not rewritten (the citation
    row still points where the reviewer said)."""
    make.laws(SUPERVISION_2018)
    question = make.question(category="监察法", legal_basis="《监察法》第十一条至第十三条")
    make.laws(SUPERVISION_2024)
    reviewer = make.user(Role.BANK_REVIEWER)
    flags = db.scalars(select(LawReviewFlag).where(LawReviewFlag.question_id == question.id)
                       .order_by(LawReviewFlag.id)).all()
    inner = next(f for f in flags if f.old_article.number == 12)
    law_review.clear_flag(db, clock, reviewer, inner, article=(14, 0))
    db.commit()
    assert question.current_version.legal_basis == "《监察法》第十一条至第十三条"
