"""Retiring (停用) and restoring (恢复) a question (issue-5 trial F7): reviewers only, after a
confirmation page that asks why; both audited with the reason; a retired question is drawn into
no new paper while attempts that hold it keep it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, AttemptItem, QuestionStatus, QuestionVersion
from tests.examsvc.test_bank_question_pages import signed_in
from tests.scenarios import start_through_web


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("status", [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW])
def test_an_editor_who_is_not_a_reviewer_can_neither_retire_nor_see_the_button(client, db, make, editor, status):
    question = make.question(status=status)
    signed_in(client, editor)
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert f"/bank/questions/{question.id}/retire" not in page
    assert client.get(f"/bank/questions/{question.id}/retire").status_code == 403
    assert client.form_post(f"/bank/questions/{question.id}/retire", {"reason": "不要了"}).status_code == 403
    db.expire_all()
    assert question.status == status and events(db, "question.retire") == []


def test_retiring_asks_first_and_needs_a_reason(client, db, make, reviewer):
    question = make.question(stem="停用前的题干（　）")
    signed_in(client, reviewer)
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert f'href="/bank/questions/{question.id}/retire"' in page  # a link to the confirmation, not a one-click form

    confirmation = client.get(f"/bank/questions/{question.id}/retire")
    text = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200
    assert f"Retire question {question.id}?" in text and "停用前的题干" in text and 'name="reason"' in text
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED  # looking changes nothing

    for blank in ("", "   ", "\u3000\n\t"):
        refused = client.form_post(f"/bank/questions/{question.id}/retire", {"reason": blank})
        assert refused.status_code == 422
        assert "has-error" in refused.get_data(as_text=True).split('name="reason"')[0].rsplit('<div class="field', 1)[1]
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED and events(db, "question.retire") == []

    done = client.form_post(f"/bank/questions/{question.id}/retire", {"reason": "  法条已修改，题目不再准确  "})
    assert done.status_code == 302
    db.expire_all()
    assert question.status == QuestionStatus.RETIRED
    [event] = events(db, "question.retire")
    assert (event.actor_id, event.detail, event.before["status"]) == (reviewer.id, "法条已修改，题目不再准确", "published")


def test_a_reason_longer_than_the_limit_is_refused_not_cut(client, db, make, reviewer):
    question = make.question()
    signed_in(client, reviewer)
    assert client.form_post(f"/bank/questions/{question.id}/retire", {"reason": "长" * 2001}).status_code == 422
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED


@pytest.mark.parametrize("status", [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW])
def test_restoring_undoes_a_retirement_with_a_reason_and_gives_back_the_status(client, db, make, reviewer, status):
    question = make.question(status=status)
    signed_in(client, reviewer)
    assert client.form_post(f"/bank/questions/{question.id}/retire", {"reason": "误操作前"}).status_code == 302
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert f'href="/bank/questions/{question.id}/restore"' in page
    assert f"Restore question {question.id}?" in client.get(f"/bank/questions/{question.id}/restore").get_data(as_text=True)

    assert client.form_post(f"/bank/questions/{question.id}/restore", {"reason": " "}).status_code == 422
    db.expire_all()
    assert question.status == QuestionStatus.RETIRED and events(db, "question.restore") == []

    assert client.form_post(f"/bank/questions/{question.id}/restore", {"reason": "停用有误"}).status_code == 302
    db.expire_all()
    assert question.status == status
    [event] = events(db, "question.restore")
    assert (event.actor_id, event.detail, event.after["status"]) == (reviewer.id, "停用有误", str(status))
    # Restoring what is not retired is a conflict, and changes nothing.
    assert client.form_post(f"/bank/questions/{question.id}/restore", {"reason": "再来一次"}).status_code == 409


def test_a_retired_revision_in_review_comes_back_in_review_with_the_published_version_drawn(client, db, make, reviewer):
    question = make.question(stem="已发布（　）")
    make.revision(question, stem="修改中（　）")
    signed_in(client, reviewer)
    client.form_post(f"/bank/questions/{question.id}/retire", {"reason": "先停用"})
    client.form_post(f"/bank/questions/{question.id}/restore", {"reason": "恢复审核"})
    db.expire_all()
    assert question.status == QuestionStatus.IN_REVIEW and question.published_version.stem == "已发布（　）"
    assert question.current_version.stem == "修改中（　）"


def test_an_editor_cannot_restore(client, db, make, editor, reviewer, client_factory):
    question = make.question()
    signed_in(client_factory(), reviewer).form_post(f"/bank/questions/{question.id}/retire", {"reason": "停用"})
    signed_in(client, editor)
    assert f"/bank/questions/{question.id}/restore" not in client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert client.form_post(f"/bank/questions/{question.id}/restore", {"reason": "恢复"}).status_code == 403
    db.expire_all()
    assert question.status == QuestionStatus.RETIRED


def drawn(db, attempt_id: int) -> set[int]:
    return set(db.scalars(select(QuestionVersion.question_id).join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
                          .where(AttemptItem.attempt_id == attempt_id)))


def test_a_retired_question_is_drawn_into_no_new_paper_and_attempts_that_hold_it_keep_it(
        client, client_factory, db, make, reviewer):
    pool = make.questions(3, category="行政处罚法")
    cadres = [make.cadre(), make.cadre()]
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=cadres)
    first = signed_in(client_factory(), cadres[0], english=False)
    first_attempt = start_through_web(first, sitting)
    held = drawn(db, first_attempt)
    retired = next(q for q in pool if q.id in held)

    signed_in(client, reviewer)
    assert client.form_post(f"/bank/questions/{retired.id}/retire", {"reason": "答案有争议"}).status_code == 302

    second = signed_in(client_factory(), cadres[1], english=False)
    second_attempt = start_through_web(second, sitting)
    assert drawn(db, second_attempt) == {q.id for q in pool} - {retired.id}
    # The attempt drawn before keeps the question, on its page too.
    assert drawn(db, first_attempt) == held
    assert retired.current_version.stem in first.get(f"/me/attempts/{first_attempt}").get_data(as_text=True)
