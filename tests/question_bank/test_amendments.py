"""Amendments on real text (issue 11): questions cite 行政复议法 2017 and 监察法 2018, then the 2023
and 2024 versions are loaded. Exactly the live questions citing an article whose words changed (or
that disappeared) are held for law review, one flag per citation, audited; unchanged articles,
drafts, retired questions and citations of other laws are left alone; loading again adds nothing;
loading an older version than the one in force holds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.models import ArticleChange, AuditEvent, LawReviewFlag, QuestionStatus, Role
from question_bank.services import law_review, review

REVIEW_2017 = "诉讼与非诉讼程序法/行政复议法(2017-09-01).md"
REVIEW_2023 = "诉讼与非诉讼程序法/行政复议法(2023-09-01).md"
SUPERVISION_2018 = "宪法相关法/监察法(2018-03-20).md"
SUPERVISION_2024 = "宪法相关法/监察法(2024-12-25).md"


@pytest.fixture
def bank(make, db, clock):
    """Questions written while the catalogue held the old versions only, by name."""
    make.laws(REVIEW_2017, SUPERVISION_2018)
    reviewer = make.user(Role.BANK_REVIEWER)
    q = {
        # 行政复议法 2023 is a full revision: every one of the 43 old articles reads otherwise.
        "review_9": make.question(legal_basis="《中华人民共和国行政复议法》第九条"),
        "review_12_28": make.question(legal_basis="《行政复议法》第十二条、第二十八条"),
        # 监察法 2024: 第十二条 and 第五条 changed; 第二、三、十五条 did not.
        "supervision_12": make.question(legal_basis="《中华人民共和国监察法》第十二条"),
        "supervision_3": make.question(legal_basis="《监察法》第三条"),
        "supervision_2_5": make.question(legal_basis="《中华人民共和国监察法》第二条、第五条"),
        "supervision_15": make.question(legal_basis="监察法第15条"),
        # Its legal basis stands, but its explanation quotes an article that changed.
        "supervision_mention": make.question(legal_basis="《监察法》第三条",
                                             explanation="依据《监察法》第十八条的规定作答。"),
        # Not live: a draft, and a retired question, citing changed articles.
        "draft": make.question(legal_basis="《行政复议法》第九条", status=QuestionStatus.DRAFT),
        "retired": make.question(legal_basis="《监察法》第十二条"),
        # A law the catalogue does not hold.
        "other_law": make.question(legal_basis="《中华人民共和国行政处罚法》第九条"),
    }
    review.retire_question(db, clock, reviewer, q["retired"], "不再使用")
    db.commit()
    return q


def flagged(db) -> dict[int, set[tuple[str, int, str]]]:
    found: dict[int, set] = {}
    for flag in db.scalars(select(LawReviewFlag)):
        found.setdefault(flag.question_id, set()).add((flag.law.short_title, flag.old_article.number, str(flag.change)))
    return found


def test_the_real_amendments_hold_exactly_the_questions_citing_changed_articles(db, make, bank):
    review_load, = make.laws(REVIEW_2023)
    supervision_load, = make.laws(SUPERVISION_2024)
    q = bank
    assert flagged(db) == {
        q["review_9"].id: {("行政复议法", 9, "changed")},
        q["review_12_28"].id: {("行政复议法", 12, "changed"), ("行政复议法", 28, "changed")},
        q["supervision_12"].id: {("监察法", 12, "changed")},
        q["supervision_2_5"].id: {("监察法", 5, "changed")},
        q["supervision_mention"].id: {("监察法", 18, "changed")},
    }
    # What the load says, and the figures of the report.
    r, s = review_load.review, supervision_load.review
    changes = {name: (len(x.changes.changed), len(x.changes.added), len(x.changes.removed), x.changes.unchanged)
               for name, x in (("行政复议法", r), ("监察法", s))}
    assert changes == {"行政复议法": (43, 47, 0, 0), "监察法": (55, 9, 0, 14)}
    assert (r.flagged_questions, r.citing_questions, r.flags) == (2, 2, 3)
    assert (s.flagged_questions, s.citing_questions, s.flags) == (3, 5, 3)
    assert "2 of 2 questions citing it held for law review" in review_load.line()
    assert "3 of 5 questions citing it held for law review" in supervision_load.line()
    print(f"\n行政复议法 2017→2023: changed/added/removed/unchanged {changes['行政复议法']}, "
          f"{r.flagged_questions} of {r.citing_questions} questions flagged ({r.flags} citations)")
    print(f"监察法 2018→2024: changed/added/removed/unchanged {changes['监察法']}, "
          f"{s.flagged_questions} of {s.citing_questions} questions flagged ({s.flags} citations)")
    # Each flagged question audited once, naming its citations.
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "question.law_review_flag")).all()
    assert sorted(int(e.object_id) for e in events) == sorted(flagged(db))
    both = next(e for e in events if int(e.object_id) == q["review_12_28"].id)
    assert {c["article"] for c in both.after["citations"]} == {"第十二条", "第二十八条"}


def test_loading_the_same_versions_again_flags_nothing_new(db, make, bank):
    make.laws(REVIEW_2023, SUPERVISION_2024)
    before = db.scalar(select(func.count(LawReviewFlag.id)))
    again = make.laws(REVIEW_2017, REVIEW_2023, SUPERVISION_2018, SUPERVISION_2024)
    assert not any(item.created for item in again)
    assert all("held for law review" not in item.line() for item in again)
    assert db.scalar(select(func.count(LawReviewFlag.id))) == before == 6


def test_an_old_and_a_new_version_loaded_together_are_compared_once(db, make):
    make.laws(SUPERVISION_2018)
    question = make.question(legal_basis="《监察法》第十二条")
    loaded = make.laws(SUPERVISION_2018, SUPERVISION_2024)
    assert [item.created for item in loaded] == [False, True]
    assert set(flagged(db)) == {question.id}


def test_loading_an_older_version_than_the_one_in_force_holds_nothing(db, make):
    make.laws(SUPERVISION_2024)
    question = make.question(legal_basis="《监察法》第十二条")
    older, = make.laws(SUPERVISION_2018)
    assert older.created and older.review.previous is None and "held" not in older.line()
    assert flagged(db) == {} and law_review.held_count(db) == 0
    assert question.published_version.law_refs[0].law_version.version_date.year == 2024
