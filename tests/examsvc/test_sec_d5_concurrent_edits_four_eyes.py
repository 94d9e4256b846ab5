"""SEC-D5: concurrent edits and four-eyes approval. (a) Two editors load version 3 of a question and both
save: the second is told of the conflict and nothing is overwritten. (b) An edit of a question in a live
paper while candidates answer it: they keep seeing, and are scored on, the version they were shown.
(c) The admin who proposed a score change cannot approve it. (d) Two admins approve the same change at the
same moment: it is applied once, with one ledger entry and one audit entry."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.db import make_engine, make_session_factory
from question_bank.errors import Conflict
from question_bank.models import (
    Attempt,
    AuditEvent,
    ChangeState,
    Mark,
    Question,
    QuestionStatus,
    Role,
    ScoreChange,
    ScoreRecord,
    User,
)
from question_bank.services import ledger, score_changes
from tests.question_bank.test_score_changes import scored  # noqa: F401 (a fixture, used by name)
from tests.examsvc.test_bank_question_pages import edit_form
from tests.scenarios import save, start_through_web, submit


def test_sec_d5_a_the_second_of_two_editors_saving_version_3_gets_a_conflict(make, client_factory, clock, db):
    question = make.question(status=QuestionStatus.DRAFT, stem="第一版（　）")
    make.revision(question, stem="第二版（　）")
    make.revision(question, stem="第三版（　）")
    db.refresh(question)
    first, second = client_factory(), client_factory()
    first.login(make.user(Role.BANK_EDITOR).username)
    second.login(make.user(Role.BANK_EDITOR).username)
    form_1 = edit_form(first, question, stem="甲的修改（　）")
    form_2 = edit_form(second, question, stem="乙的修改（　）")  # both loaded the same state
    clock.advance(minutes=1)
    assert first.form_post(f"/bank/questions/{question.id}/edit", form_1).status_code == 302
    assert second.form_post(f"/bank/questions/{question.id}/edit", form_2).status_code == 409
    db.expire_all()
    assert db.get(Question, question.id).current_version.stem == "甲的修改（　）"
    assert second.form_post(f"/bank/questions/{question.id}/edit", edit_form(
        second, question, stem="乙看过后的修改（　）")).status_code == 302  # after reloading, it saves


def test_sec_d5_b_candidates_keep_and_are_scored_on_the_version_they_were_shown(make, client_factory, db, clock):
    question = make.question(key=["B"], stem="原题干（　）", options=["甲", "乙", "丙", "丁"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], shuffle=False)
    candidate = client_factory()
    candidate.login(cadre.username)
    attempt_id = start_through_web(candidate, sitting)
    assert "原题干" in candidate.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    make.revision(question, stem="改后的题干（　）", key=["C"])  # while the candidate is answering
    page = candidate.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert "原题干" in page and "改后的题干" not in page
    assert save(candidate, attempt_id, 1, ["B"], 1).status_code == 200
    assert submit(candidate, attempt_id).status_code == 200
    db.expire_all()
    assert db.get(Attempt, attempt_id).score == Decimal(100)  # the key of the version shown: B


@pytest.fixture
def proposed(scored, db, clock):
    """Case "scored" (tests/question_bank/test_score_changes.py: 50 of 100, slot 2 wrong) with a proposal
    of 30 points for slot 2; returns (change, attempt, proposer)."""
    attempt, item, proposer, _ = scored
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(30), "复核后酌情给分")
    db.commit()
    return change, attempt, proposer


def test_sec_d5_c_the_proposer_cannot_approve_their_own_change(proposed, db, client_factory):
    change, attempt, proposer = proposed
    client = client_factory()
    client.login(proposer.username)
    response = client.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": "approve", "note": "自批"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(ScoreChange, change.id).state == ChangeState.PROPOSED
    assert db.get(Attempt, attempt.id).score == Decimal(50)


def test_sec_d5_d_two_approvals_at_the_same_moment_apply_once(proposed, make, db, clock, db_url):
    change, attempt, _ = proposed
    approvers = [make.user(Role.EXAM_ADMIN).id, make.user(Role.EXAM_ADMIN).id]
    records_before = db.scalar(select(func.count(ScoreRecord.id)))
    db.commit()  # the test's own read transaction ends: the approvers see, and write, the latest state
    engine = make_engine(db_url)  # the app's own settings: immediate transactions on SQLite
    sessions = make_session_factory(engine)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user_id: int) -> None:
        with sessions() as session:
            start.wait(timeout=30)
            try:
                score_changes.decide(session, clock, session.get(User, user_id), change.id, approve=True, note="同意")
                session.commit()
                outcomes.append("approved")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=approve, args=(user_id,)) for user_id in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    assert sorted(outcomes) == ["approved", "conflict"]
    db.commit()
    db.expire_all()
    assert db.get(ScoreChange, change.id).state == ChangeState.APPROVED
    assert db.get(Attempt, attempt.id).score == Decimal(80)
    assert db.scalar(select(func.count(Mark.id)).where(Mark.reason == f"score_change:{change.id}")) == 1
    assert db.scalar(select(func.count(ScoreRecord.id))) == records_before + 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "score_change.approve")) == 1
    assert ledger.verify(db).ok
