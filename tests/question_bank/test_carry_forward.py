"""Citations carried forward on an amendment (issue 11, "Amendments", tester's defect 1): when a
new version of a law changes some articles, the live questions citing the articles it kept word for
word point at the new version; those citing a changed article stay and are held for review. A study
list pinned to the older text still counts the carried questions (coverage, practice, paper pools),
and a list on the new text counts them too."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from question_bank.formats.law_files import LawFile
from question_bank.models import AuditEvent, Law, LawReviewFlag, Requirement, Role
from question_bank.services import citing, law_catalogue, study_coverage, study_lists
from question_bank.services.study_lists import ItemValues, ListValues
from question_bank.services.study_practice import practice_from_study_list
from question_bank.services.study_scope import study_article_ids
from tests.shared_data import LAW_TEXTS
from tests.question_bank.test_study_practice import _served

PENALTY_2021 = "行政法/行政处罚法(2021-01-22).md"
OLD_36 = "违法行为在二年内未被发现的，不再给予行政处罚；"


def _load_2025(db, clock, *, also_retype_ninth: bool = False):
    """A 2025 text of 行政处罚法 that changes only 第三十六条 (and, if asked, re-types 第九条 with
    half-width punctuation and spaces, which is no change of its words)."""
    text = (LAW_TEXTS / PENALTY_2021).read_text()
    text = text.replace("2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订",
                        "2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订\n\n"
                        "2025年6月1日 第十四届全国人民代表大会常务委员会第十五次会议第三次修正")
    assert OLD_36 in text
    text = text.replace(OLD_36, "违法行为在三年内未被发现的，不再给予行政处罚；")
    if also_retype_ninth:
        text = text.replace("第九条 行政处罚的种类：", "第九条  行政处罚的种类:")
    loaded = law_catalogue.load_texts(db, clock, None, [LawFile("行政处罚法(2025-06-01).md", text.encode())])
    db.commit()
    return loaded[0]


def _penalty_list(db, clock, admin, scope: str, year: int = 2026):
    law_id = db.scalar(select(Law.id).where(Law.short_title == "行政处罚法"))
    made = study_lists.create_list(db, clock, admin, ListValues(title=f"{year}年度学法清单", year=year))
    study_lists.add_item(db, clock, admin, made, ItemValues(law_id, scope, Requirement.CLOSE_STUDY, Decimal("1")))
    study_lists.publish(db, clock, admin, made)
    db.commit()
    return made


def _citation(question):
    return question.published_version.law_refs[0]


def test_unchanged_articles_carry_their_citations_to_the_new_text_and_changed_ones_are_held(db, make, clock):
    make.laws(PENALTY_2021)
    ninth = make.questions(3, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第九条")
    chapter_one = make.question(category="行政法/处罚", legal_basis="《行政处罚法》第四条")
    named = make.question(category="行政法/处罚", legal_basis="《行政处罚法》（2021年修订）第九条")
    changed = make.question(category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    loaded = _load_2025(db, clock, also_retype_ninth=True)
    assert loaded.review.carried_questions == 4 and "4 carried forward" in loaded.line()
    for question in [*ninth, chapter_one]:
        db.refresh(question.published_version)
        assert _citation(question).law_version_id == loaded.version.id
    # A citation naming its version by year stays on it; the changed article stays and is held.
    assert _citation(named).law_version.version_date.year == 2021
    assert _citation(changed).law_version.version_date.year == 2021
    assert [f.question_id for f in db.scalars(select(LawReviewFlag))] == [changed.id]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "law.citations_carried_forward"))
    assert sorted(event.after["questions"]) == sorted(q.id for q in [*ninth, chapter_one])
    # Resolving the question's words again (as a later load of another law does) keeps them carried.
    citing.record_citations(db, [ninth[0].published_version])
    db.commit()
    db.refresh(ninth[0].published_version)
    assert _citation(ninth[0]).law_version_id == loaded.version.id


def test_a_list_on_either_text_counts_the_carried_questions(db, make, clock):
    make.laws(PENALTY_2021)
    admin = make.user(Role.STUDY_ADMIN)
    old_list = _penalty_list(db, clock, admin, "第一章至第五章")
    ninth = make.questions(2, category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第九条")
    changed = make.question(category="行政法/处罚", legal_basis="《中华人民共和国行政处罚法》第三十六条")
    _load_2025(db, clock)
    # Written against the new text: counts for the list pinned to the old one too.
    later = make.question(category="行政法/处罚", legal_basis="《行政处罚法》第十条")
    new_list = _penalty_list(db, clock, admin, "第一章至第五章", year=2027)
    old_totals = [entry.total for entry in study_coverage.coverage(db, old_list)]
    new_totals = [entry.total for entry in study_coverage.coverage(db, new_list)]
    # 第三十六条's question is held for law review, so neither counts it until a reviewer clears it.
    assert old_totals == new_totals == [3]
    # The pinned list's articles include the new text's unchanged ones, not its changed 第三十六条.
    articles = {(a.version.version_date.year, a.number) for a in
                (db.get(type(_citation(changed).article), i) for i in study_article_ids(db, old_list))}
    assert {(2025, 9), (2021, 9), (2021, 36)} <= articles and (2025, 36) not in articles
    cadre = make.cadre()
    for made in (old_list, new_list):
        run = practice_from_study_list(db, clock, cadre, made.id)
        db.commit()
        assert sorted(_served(db, clock, cadre, run)) == sorted(q.id for q in [*ninth, later])
