"""Approving publishes what the reviewer read (four eyes, domain.md §3; issue-5 trial F3): a question
or an import batch edited between the review page and the approval is refused with 409 and shown
again as it is now, and the approval of the unchanged page goes through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import AuditEvent, BatchStatus, ImportBatch, Question, QuestionStatus, Role
from tests.examsvc.test_bank_import_pages import ROW
from tests.examsvc.test_bank_question_pages import REVIEWED, signed_in
from tests.factories import questions_xlsx
from tests.forms import decide_batch, reviewed_stamp, upload

QUESTION_CHANGED = "This question was changed after you reviewed it; please review it again."
BATCH_CHANGED = "Questions of this batch were changed after you reviewed it; please review the batch again."
QUESTION_STAMP_MISSING = ("This approval does not say which content you reviewed; please open the question again, "
                          "review it and then approve.")
BATCH_STAMP_MISSING = ("This approval does not say which content you reviewed; please open the batch again, review "
                       "it and then approve.")

#: Edits of the kinds an author makes, each one a change the reviewer must see: the key and the
#: punctuation of an option leave the duplicate fingerprint as it was; the category, the
#: explanation and the mark are outside it altogether.
EDITS = {
    "key": {"key": ["C"]},
    "option punctuation": {"options": ["选项甲。", "选项乙", "选项丙", "选项丁"]},
    "stem": {"stem": "改过的题干（　）"},
    "category": {"category_path": "民法典"},
    "explanation": {"explanation": "另一种解析。"},
    "default mark": {"default_score": Decimal("5")},
}


def approvals(db) -> int:
    return db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(("question.approve", "batch.approve"))))


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_question_edited_after_the_reviewer_opened_it_is_not_published(client, db, make, reviewer, edit):
    question = make.question(status=QuestionStatus.IN_REVIEW, options=["选项甲", "选项乙", "选项丙", "选项丁"])
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/questions/{question.id}")
    make.revision(question, **EDITS[edit])  # the author, in another window

    response = client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": stamp})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert QUESTION_CHANGED in page
    db.expire_all()
    assert question.status == QuestionStatus.IN_REVIEW and question.published_version_id is None
    assert approvals(db) == 0
    # The page shown with the refusal is the question as it is now, with its new stamp.
    fresh = REVIEWED.search(page).group(1)
    assert fresh != stamp
    assert client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": fresh}).status_code == 302
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED and question.published_version_id == question.current_version_id


def test_a_revision_of_a_published_question_edited_again_keeps_the_published_version_drawn(client, db, make, reviewer):
    question = make.question(stem="原来的题干（　）")
    make.revision(question, stem="第一次修改（　）")
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/questions/{question.id}")
    make.revision(question, key=["D"])

    assert client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": stamp}).status_code == 409
    db.expire_all()
    assert question.status == QuestionStatus.IN_REVIEW
    assert question.published_version.version_no == 1 and question.published_version.stem == "原来的题干（　）"


def test_an_unchanged_question_is_published_and_a_post_without_the_stamp_is_refused(client, db, make, reviewer):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/questions/{question.id}")
    # No stamp (a page older than stamps): a bad request, asking to open the question again; it does
    # not claim the question was changed. A stamp that is not the content's is a change (409).
    for sent in ({}, {"reviewed": ""}, {"reviewed": "  "}):
        response = client.form_post(f"/bank/questions/{question.id}/approve", sent)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and QUESTION_STAMP_MISSING in page and QUESTION_CHANGED not in page
    response = client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": "0" * 64})
    assert response.status_code == 409 and QUESTION_CHANGED in response.get_data(as_text=True)
    db.expire_all()
    assert question.status == QuestionStatus.IN_REVIEW

    assert client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": stamp}).status_code == 302
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED and question.reviewer_id == reviewer.id


def test_an_edit_while_the_unfillable_warning_is_open_is_not_published(client, db, make, reviewer):
    """The confirmation page after "approve" carries the stamp of the page before it."""
    question = make.question(category="宪法")
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "宪法")]))
    make.revision(question, category_path="民法典")
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/questions/{question.id}")
    warning = client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": stamp})
    assert warning.status_code == 200 and sitting.title in warning.get_data(as_text=True)
    assert REVIEWED.search(warning.get_data(as_text=True)).group(1) == stamp
    make.revision(question, key=["A"])

    response = client.form_post(f"/bank/questions/{question.id}/approve", {"reviewed": stamp, "confirm": "1"})
    assert response.status_code == 409 and QUESTION_CHANGED in response.get_data(as_text=True)
    db.expire_all()
    assert question.published_version.category.path == "宪法" and question.status == QuestionStatus.IN_REVIEW


# --- batches ----------------------------------------------------------------------------------------

@pytest.fixture
def batch(client_factory, db, make) -> ImportBatch:
    """A batch of three questions in review, uploaded by an editor."""
    uploader = signed_in(client_factory(), make.user(Role.BANK_EDITOR, username="uploader"))
    rows = [ROW[:1] + (f"第{n}题：行政处罚由谁设定？",) + ROW[2:] for n in range(3)]
    assert upload(uploader, "three.xlsx", questions_xlsx(rows)).status_code == 302
    return db.scalars(select(ImportBatch)).one()


def batch_questions(db, batch: ImportBatch) -> list[Question]:
    db.expire_all()
    return list(db.scalars(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id)))


@pytest.mark.parametrize("edit", ["key", "option punctuation", "category"])
def test_a_batch_with_a_question_edited_after_the_reviewer_opened_it_is_not_published(
        client, db, make, reviewer, batch, edit):
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/batches/{batch.id}")
    make.revision(batch_questions(db, batch)[1], **EDITS[edit])

    response = client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1", "reviewed": stamp})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert BATCH_CHANGED in page
    assert {q.status for q in batch_questions(db, batch)} == {QuestionStatus.IN_REVIEW}
    db.refresh(batch)
    assert batch.status == BatchStatus.IN_REVIEW and approvals(db) == 0

    fresh = REVIEWED.search(page).group(1)
    assert fresh != stamp
    assert client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1", "reviewed": fresh}).status_code == 302
    assert {q.status for q in batch_questions(db, batch)} == {QuestionStatus.PUBLISHED}


def test_a_batch_question_taken_out_of_review_meanwhile_is_refused_too(client, db, make, reviewer, batch):
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/batches/{batch.id}")
    first = batch_questions(db, batch)[0]
    first.status = QuestionStatus.DRAFT  # taken out of review by someone else
    db.commit()
    response = client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1", "reviewed": stamp})
    assert response.status_code == 409
    assert {q.status for q in batch_questions(db, batch)[1:]} == {QuestionStatus.IN_REVIEW}


def test_an_unchanged_batch_is_published_and_a_rejection_needs_no_stamp(client, db, make, reviewer, batch):
    signed_in(client, reviewer)
    for sent in ({"approve": "1"}, {"approve": "1", "reviewed": ""}):
        response = client.form_post(f"/bank/batches/{batch.id}/decide", sent)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and BATCH_STAMP_MISSING in page and BATCH_CHANGED not in page
    assert client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1", "reviewed": "0" * 64}).status_code == 409
    assert decide_batch(client, batch.id, {"approve": "1"}).status_code == 302
    assert {q.status for q in batch_questions(db, batch)} == {QuestionStatus.PUBLISHED}
    db.refresh(batch)
    assert batch.status == BatchStatus.APPROVED and batch.reviewed_by_id == reviewer.id


def test_rejecting_a_batch_edited_meanwhile_still_returns_it(client, db, make, reviewer, batch):
    signed_in(client, reviewer)
    stamp = reviewed_stamp(client, f"/bank/batches/{batch.id}")
    make.revision(batch_questions(db, batch)[0], key=["C"])
    response = client.form_post(f"/bank/batches/{batch.id}/decide", {"reject": "1", "note": "答案不对", "reviewed": stamp})
    assert response.status_code == 302
    assert {q.status for q in batch_questions(db, batch)} == {QuestionStatus.DRAFT}
