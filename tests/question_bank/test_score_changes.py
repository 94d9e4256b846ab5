"""Manual score changes need a proposer, a different approver and a reason (four eyes); approval
adds a mark and a ledger entry with the reason; everything is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.models import AuditEvent, ChangeState, Role, ScoreChange, ScoreRecord
from question_bank.services import attempts, ledger, score_changes, score_check


@pytest.fixture
def scored(make, db, clock):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    item = next(i for i in attempt.items if i.slot == 2)
    return attempt, item, make.user(Role.EXAM_ADMIN), make.user(Role.EXAM_ADMIN)


def test_a_change_approved_by_a_second_admin_adds_a_ledger_entry_with_the_reason(db, clock, scored):
    attempt, item, proposer, approver = scored
    assert attempt.score == Decimal(50)
    change = score_changes.propose(db, clock, proposer, item.id, Decimal("25.5"), "复核发现选项表述有误，酌情给分")
    db.commit()
    assert attempt.score == Decimal(50)  # nothing changes before approval
    score_changes.decide(db, clock, approver, change.id, approve=True, note="同意")
    db.commit()
    assert change.state == ChangeState.APPROVED and change.decided_by_id == approver.id
    assert attempt.score == Decimal("75.5")
    newest = score_check.newest_entries(db, [attempt.id])[attempt.id]
    assert (newest.score, newest.reason, newest.actor_id) == (Decimal("75.5"), "score change: 复核发现选项表述有误，酌情给分",
                                                              approver.id)
    assert ledger.verify(db).ok and score_check.reconcile(db) == []
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("score_change.%")).order_by(AuditEvent.id)).all()
    assert actions == ["score_change.propose", "score_change.approve"]


def test_the_proposer_cannot_approve_their_own_change(db, clock, scored):
    attempt, item, proposer, _ = scored
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(50), "漏判")
    with pytest.raises(PermissionDenied):
        score_changes.decide(db, clock, proposer, change.id, approve=True)
    assert change.state == ChangeState.PROPOSED and attempt.score == Decimal(50)
    assert db.scalar(select(func.count(ScoreRecord.id))) == 1


def test_a_rejected_change_leaves_the_score_and_is_decided_once(db, clock, scored):
    attempt, item, proposer, approver = scored
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(50), "漏判")
    score_changes.decide(db, clock, approver, change.id, approve=False, note="依据不足")
    assert attempt.score == Decimal(50) and change.state == ChangeState.REJECTED
    with pytest.raises(Conflict):
        score_changes.decide(db, clock, approver, change.id, approve=True)


def test_a_change_needs_a_reason_a_valid_mark_and_no_other_open_proposal(db, clock, scored):
    attempt, item, proposer, approver = scored
    with pytest.raises(InvalidInput) as refused:
        score_changes.propose(db, clock, proposer, item.id, Decimal("50.001"), " ")
    assert sorted(p.place for p in refused.value.problems) == ["reason", "score"]
    score_changes.propose(db, clock, proposer, item.id, Decimal(40), "漏判")
    with pytest.raises(Conflict):
        score_changes.propose(db, clock, approver, item.id, Decimal(30), "另一意见")
    assert db.scalar(select(func.count(ScoreChange.id))) == 1


def test_only_exam_admins_change_scores(db, clock, make, scored):
    attempt, item, *_ = scored
    with pytest.raises(PermissionDenied):
        score_changes.propose(db, clock, make.user(Role.MARKER), item.id, Decimal(50), "漏判")
