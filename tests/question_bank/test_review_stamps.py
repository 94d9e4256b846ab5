"""Review stamps (``review_stamps``): an approval carrying the stamp of what the reviewer read
publishes that or nothing (issue-5 trial F3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.errors import Conflict
from question_bank.models import Question, QuestionStatus, Role
from question_bank.services import review, review_stamps
from tests.examsvc.test_bank_approve_what_was_reviewed import EDITS
from tests.factories import questions_xlsx
from tests.question_bank.test_import_repeats import rows, run


@pytest.fixture
def reviewer(make):
    return make.user(Role.BANK_REVIEWER)


@pytest.mark.parametrize("edit", list(EDITS))
def test_every_edit_a_reviewer_would_see_changes_the_question_stamp(db, make, edit):
    question = make.question(status=QuestionStatus.IN_REVIEW, options=["选项甲", "选项乙", "选项丙", "选项丁"])
    before = review_stamps.question_stamp(db, question)
    fingerprint = question.current_version.fingerprint
    make.revision(question, **EDITS[edit])
    assert review_stamps.question_stamp(db, question) != before
    if edit in ("key", "option punctuation", "category", "explanation", "default mark"):
        # What the duplicate fingerprint folds away or leaves out still counts for review.
        assert question.current_version.fingerprint == fingerprint


def test_the_stamp_is_the_same_for_the_same_content_read_twice(db, make):
    question = make.question(status=QuestionStatus.IN_REVIEW, default_score=Decimal("2.00"))
    first = review_stamps.question_stamp(db, question)
    db.expire_all()
    assert review_stamps.question_stamp(db, question) == first and len(first) == 64


def test_approving_with_a_stale_stamp_publishes_nothing(db, clock, make, reviewer):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    stamp = review_stamps.question_stamp(db, question)
    make.revision(question, key=["D"])
    with pytest.raises(Conflict) as refused:
        review.approve_question(db, clock, reviewer, question, reviewed=stamp)
    assert refused.value.template == review_stamps.QUESTION_CHANGED
    assert question.status == QuestionStatus.IN_REVIEW and question.published_version_id is None
    review.approve_question(db, clock, reviewer, question, reviewed=review_stamps.question_stamp(db, question))
    assert question.status == QuestionStatus.PUBLISHED and question.published_version.key == ["D"]


def test_deciding_a_batch_with_a_stale_stamp_publishes_nothing(db, clock, make, reviewer):
    editor = make.user(Role.BANK_EDITOR)
    report = run(db, clock, editor, questions_xlsx(rows(1, 2)))
    stamp = review_stamps.batch_stamp(db, report.batch)
    second = db.scalars(select(Question).where(Question.import_batch_id == report.batch.id).order_by(Question.id)).all()[1]
    make.revision(second, explanation="补充解析")
    with pytest.raises(Conflict) as refused:
        review.decide_batch(db, clock, reviewer, report.batch, True, reviewed=stamp)
    assert refused.value.template == review_stamps.BATCH_CHANGED
    assert review.in_review_count(db, report.batch) == 2
    fresh = review_stamps.batch_stamp(db, report.batch)
    assert review.decide_batch(db, clock, reviewer, report.batch, True, reviewed=fresh) == 2
