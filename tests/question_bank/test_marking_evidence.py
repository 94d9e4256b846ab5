"""Issue 6, second trial F-2: a marker's round mark changed or removed in the database behind the
service's back is found by the ledger check (score_check.reconcile, hence verify-ledger and the
auditor's page), through the chained audit event written with it; the counted mark and total,
which the ledger's digests already cover, may be untouched."""

from __future__ import annotations

from decimal import Decimal

import pytest

from question_bank.models import Role
from question_bank.services import audit, ledger, manual_marking, score_check
from tests import tamper
from tests.scenarios import short_answer_awaiting_marking


@pytest.fixture
def double_marked(db, clock, make):
    """A short answer worth 100 marked 40 and 44 by two markers (tolerance 5: 42 counts)."""
    attempt = short_answer_awaiting_marking(db, clock, make)
    attempt.sitting.second_marking, attempt.sitting.marking_tolerance = True, Decimal(5)
    db.commit()
    item = attempt.items[0]
    for points in (40, 44):
        manual_marking.give_mark(db, clock, make.user(Role.MARKER), item.id, Decimal(points), f"给{points}分")
        db.commit()
    assert attempt.score == Decimal(42)
    return attempt


def test_marks_given_through_the_queue_agree_with_the_audit_log(db, double_marked):
    assert score_check.reconcile(db) == []


@pytest.mark.parametrize("sql, found", [
    ("UPDATE manual_mark SET score = 0 WHERE round = 1", "round-1 mark"),
    ("UPDATE manual_mark SET comment = '完全正确' WHERE round = 2", "another comment"),
    ("DELETE FROM manual_mark WHERE round = 2", "no longer in manual_mark"),
])
def test_a_round_mark_changed_behind_the_service_is_found(db, engine, double_marked, sql, found):
    tamper.execute(engine, db, sql)
    problems = score_check.reconcile(db)
    assert [(p.attempt_id, p.what) for p in problems] == [(double_marked.id, "manual_marks")]
    assert found in problems[0].detail and problems[0].detail.startswith("question 1:")
    # The chains themselves still hold: only the cross-check sees it.
    assert ledger.verify(db).ok and audit.verify(db).ok
