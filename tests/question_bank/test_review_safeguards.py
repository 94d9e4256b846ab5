"""What keeps review from surprising anyone: approving or retiring a question names the open or
upcoming sittings it would leave unfillable before anything is committed (case C-12), and a
revision edited back to the published content is dropped rather than sent to review (domain.md §3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput
from question_bank.models import AuditEvent, Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import authoring, bank_search, papers, review, sittings
from question_bank.drafts import QuestionDraft
from question_bank.services.papers import PaperSpec, SectionSpec
from question_bank.services.sittings import SittingSpec
from tests.conftest import at


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def content_of(question: Question, **changes) -> QuestionDraft:
    """The question's current content as a draft, with ``changes`` (QuestionDraft field names)."""
    v = question.current_version
    values = dict(qtype=v.qtype, stem=v.stem, options=list(v.options), key=v.key, category_path=v.category.path,
                  explanation=v.explanation, difficulty=v.difficulty, tags=list(v.tags), legal_basis=v.legal_basis,
                  default_score=v.default_score)
    values.update(changes)
    return QuestionDraft(**values)


# --- approving or retiring a question that open sittings draw on -------------------------------------

@pytest.fixture
def admin(make):
    return make.user(Role.EXAM_ADMIN)


@pytest.fixture
def reviewer(make):
    return make.user(Role.BANK_REVIEWER)


@pytest.fixture
def constitution(make):
    """Exactly the three single-choice questions of 宪法 a paper needs, and one true/false."""
    return make.questions(3, "single_choice", category="宪法") + [make.question("true_false", category="宪法")]


def make_sitting(db, clock, admin, count: int = 3, *, title: str = "任前考试", opens=at("09:00:00"), closes=at("17:00:00")):
    paper = papers.create_paper(db, clock, admin, PaperSpec(f"{title}卷", [SectionSpec("single_choice", count, Decimal(10), "宪法")]))
    return sittings.create_sitting(db, clock, admin, SittingSpec(title, "pre_appointment", paper.id, opens, closes, 3600))


def test_approving_a_revision_that_moves_a_question_out_of_the_pool_names_the_sittings_left_unfillable(
        db, clock, make, admin, reviewer, constitution):
    open_now = make_sitting(db, clock, admin, title="进行中")
    tomorrow = dt.timedelta(days=1)
    upcoming = make_sitting(db, clock, admin, title="明天", opens=at("09:00:00") + tomorrow, closes=at("17:00:00") + tomorrow)
    clock.set(at("07:00:00"))
    closed = make_sitting(db, clock, admin, title="已结束", opens=at("07:00:00"), closes=at("08:00:00"))
    clock.set(at("10:00:00"))
    db.commit()
    moved = constitution[0]
    make.revision(moved, category_path="民法典")

    short = review.approve_question(db, clock, reviewer, moved)
    assert [s.sitting for s in short] == [open_now, upcoming]
    assert closed not in [s.sitting for s in short]
    [shortfall] = short[0].shortfalls
    assert (shortfall.sections, shortfall.requested, shortfall.available) == ((1,), 3, 2)
    # Flushed, not committed: the caller rolls back when the reviewer does not confirm.
    db.rollback()
    db.expire_all()
    assert moved.status == QuestionStatus.IN_REVIEW and moved.published_version.version_no == 1
    assert events(db, "question.approve") == []
    assert sittings.unfillable(db, clock, [open_now, upcoming]) == set()


def test_retiring_a_question_a_paper_needs_names_the_sitting_and_a_spare_question_names_none(
        db, clock, make, admin, reviewer, constitution):
    sitting = make_sitting(db, clock, admin, count=2)
    db.commit()
    assert review.retire_question(db, clock, reviewer, constitution[0], "不再使用") == []  # one to spare
    [short] = review.retire_question(db, clock, reviewer, constitution[1], "不再使用")
    assert short.sitting is sitting and [(f.requested, f.available) for f in short.shortfalls] == [(2, 1)]
    # Another type is no section's: retiring it leaves every paper as it was.
    assert review.retire_question(db, clock, reviewer, constitution[3], "不再使用") == []


def test_a_sitting_that_was_already_unfillable_is_not_named_again(db, clock, make, admin, reviewer, constitution):
    sitting = make_sitting(db, clock, admin)
    review.retire_question(db, clock, reviewer, constitution[0], "不再使用")
    assert sittings.unfillable(db, clock, [sitting]) == {sitting.id}
    assert review.retire_question(db, clock, reviewer, constitution[1], "不再使用") == []


def test_approving_a_revision_that_stays_in_the_pool_or_a_first_version_names_no_sitting(
        db, clock, make, admin, reviewer, constitution):
    make_sitting(db, clock, admin)
    db.commit()
    reworded = constitution[0]
    make.revision(reworded, stem="新的题干（　）")
    assert review.approve_question(db, clock, reviewer, reworded) == []
    fresh = make.question(category="宪法", status=QuestionStatus.IN_REVIEW)
    assert review.approve_question(db, clock, reviewer, fresh) == []
    assert reworded.published_version.stem == "新的题干（　）" and fresh.is_live


# --- a revision edited back to the published content ------------------------------------------------

def test_a_revision_in_review_edited_back_to_the_published_content_is_discarded(db, clock, make):
    question = make.question(stem="原来的题干（　）")
    editor = make.user(Role.BANK_EDITOR)
    make.revision(question, editor=editor, stem="新的题干（　）", category_path="民法典")
    assert question.status == QuestionStatus.IN_REVIEW and question.category.path == "民法典"

    kept = authoring.update_question(db, clock, editor, question, content_of(question, stem="原来的题干（　）",
                                                                             category_path="行政处罚法"))
    db.commit()
    assert kept is question.published_version and question.current_version_id == question.published_version_id
    assert question.status == QuestionStatus.PUBLISHED and question.category.path == "行政处罚法"
    assert bank_search.pending_revision(question) is None
    # Versions are never deleted: the abandoned one stays in the history.
    assert [v.version_no for v in question.versions] == [1, 2]
    [event] = events(db, "question.discard_revision")
    assert (event.actor_id, event.before["status"], event.after["status"]) == (editor.id, "in_review", "published")
    assert (event.before["current_version"], event.after["current_version"]) == (2, 1)
    assert len(events(db, "question.update")) == 1  # the revision's own edit only


def test_a_returned_revision_edited_back_is_discarded_and_the_next_edit_gets_a_new_number(db, clock, make):
    question = make.question(stem="原来的题干（　）")
    editor = make.user(Role.BANK_EDITOR)
    make.revision(question, editor=editor, stem="新的题干（　）")
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "不必改")
    assert question.status == QuestionStatus.DRAFT

    authoring.update_question(db, clock, editor, question, content_of(question, stem="原来的题干（　）"))
    assert (question.status, question.current_version.version_no) == (QuestionStatus.PUBLISHED, 1)
    assert bank_search.return_notes(db, [question]) == {}

    later = authoring.update_question(db, clock, editor, question, content_of(question, stem="第三稿（　）"))
    db.commit()
    assert later.version_no == 3 and question.status == QuestionStatus.IN_REVIEW
    assert question.published_version.version_no == 1
    assert db.scalar(select(func.count(QuestionVersion.id)).where(QuestionVersion.question_id == question.id)) == 3


def test_a_draft_never_published_is_edited_as_before_and_a_question_without_a_revision_has_none_to_discard(
        db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    draft = make.question(stem="草稿（　）", status=QuestionStatus.DRAFT, author=editor)
    authoring.update_question(db, clock, editor, draft, content_of(draft, stem="草稿二（　）"))
    assert (draft.status, draft.current_version.version_no, draft.published_version_id) == (QuestionStatus.DRAFT, 1, None)
    with pytest.raises(Conflict):
        review.discard_revision(db, clock, editor, make.question())


@pytest.mark.parametrize("reason", ["", "  ", "\u3000", "长" * (review.REASON_LIMIT + 1)])
def test_retiring_or_restoring_without_a_reason_or_with_one_too_long_changes_nothing(db, clock, make, reviewer, reason):
    question = make.question()
    with pytest.raises(InvalidInput):
        review.retire_question(db, clock, reviewer, question, reason)
    assert question.status == QuestionStatus.PUBLISHED and events(db, "question.retire") == []
    review.retire_question(db, clock, reviewer, question, "停用")
    with pytest.raises(InvalidInput):
        review.restore_question(db, clock, reviewer, question, reason)
    assert question.status == QuestionStatus.RETIRED and events(db, "question.restore") == []
