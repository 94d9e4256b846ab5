"""The score ledger: append-only and hash-chained, so any quiet change is found (domain.md §7)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, update

from question_bank.models import ScoreRecord
from question_bank.services import attempts, ledger


def _three_results(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadres = [make.cadre() for _ in range(3)]
    sitting = make.sitting(roster=cadres)
    for cadre in cadres:
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 1)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()


def test_intact_ledger_verifies(db, clock, make):
    _three_results(db, clock, make)
    check = ledger.verify(db)
    assert check.ok and check.entries == 3


def test_a_changed_score_breaks_the_chain_at_that_entry(db, clock, make):
    _three_results(db, clock, make)
    second = db.scalars(select(ScoreRecord).order_by(ScoreRecord.id)).all()[1]
    db.execute(update(ScoreRecord).where(ScoreRecord.id == second.id).values(score=Decimal(100)))
    db.commit()
    check = ledger.verify(db)
    assert not check.ok and check.broken_at == second.id


def test_a_removed_last_entry_is_noticed(db, clock, make):
    _three_results(db, clock, make)
    last = db.scalars(select(ScoreRecord).order_by(ScoreRecord.id.desc())).first()
    db.execute(delete(ScoreRecord).where(ScoreRecord.id == last.id))
    db.commit()
    assert not ledger.verify(db).ok


def test_verify_ledger_command_reports_a_broken_chain(app, db, clock, make):
    _three_results(db, clock, make)
    runner = app.test_cli_runner()
    assert "intact: 3 entries" in runner.invoke(args=["verify-ledger"]).output
    db.execute(update(ScoreRecord).values(reason="edited"))
    db.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
