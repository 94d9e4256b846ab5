"""The score record's commands (README, "The score record"): ledger-keygen, ledger-checkpoint,
verify-ledger and verify-audit, with and without a checkpoint kept outside the database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from question_bank.models import LedgerCheckpoint, ScoreRecord
from question_bank.services import attempts, checkpoints
from question_bank.services.hashchain import Chain
from tests import tamper

SIGNING_KEY, VERIFY_KEY = checkpoints.new_key_pair()


@pytest.fixture
def keyed_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY", SIGNING_KEY)
    monkeypatch.setitem(app.config, "LEDGER_VERIFY_KEY", VERIFY_KEY)
    return app


@pytest.fixture
def three_results(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadres = [make.cadre() for _ in range(3)]
    sitting = make.sitting(roster=cadres)
    for cadre in cadres:
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["A"], 1)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()


def run(app, *args: str):
    """The command's result; ``output`` holds what a person at the terminal sees (stdout and stderr)."""
    return app.test_cli_runner().invoke(args=list(args))


def checkpoint_file(app, tmp_path) -> str:
    path = tmp_path / "checkpoint.json"
    result = run(app, "ledger-checkpoint", "--out", str(path))
    assert result.exit_code == 0, result.output
    return str(path)


def test_keygen_prints_a_pair_that_signs_and_verifies(app):
    output = run(app, "ledger-keygen").output
    values = dict(line.split("=", 1) for line in output.splitlines() if line.startswith("EXAMSVC_"))
    signing = checkpoints.signing_key(values["EXAMSVC_LEDGER_SIGNING_KEY"])
    assert checkpoints.key_id(signing.public_key()) == checkpoints.key_id(checkpoints.verify_key(values["EXAMSVC_LEDGER_VERIFY_KEY"]))


def test_a_checkpoint_is_printed_stored_and_written_and_verifies(keyed_app, db, tmp_path, three_results):
    path = checkpoint_file(keyed_app, tmp_path)
    document = json.loads(open(path, encoding="utf-8").read())
    assert document["score_ledger"]["entries"] == 3 and document["signature"]
    assert db.scalars(select(LedgerCheckpoint)).one().score_entries == 3
    result = run(keyed_app, "verify-ledger", "--against", path)
    assert result.exit_code == 0, result.output
    assert "score ledger: chain intact, 3 entries" in result.output and "matches the checkpoint" in result.output
    assert run(keyed_app, "verify-audit", "--against", path).exit_code == 0
    again = run(keyed_app, "ledger-checkpoint", "--out", path)
    assert again.exit_code != 0 and "never overwritten" in again.output


def test_verify_ledger_finds_a_truncated_tail_with_the_head_row_corrected(keyed_app, engine, db, tmp_path, three_results):
    path = checkpoint_file(keyed_app, tmp_path)
    kept = db.scalars(select(ScoreRecord).order_by(ScoreRecord.id)).first()
    tamper.execute(engine, db, "DELETE FROM score_record WHERE id > :id", id=kept.id)
    tamper.execute(engine, db, "UPDATE ledger_head SET entry_count = 1, last_hash = :h WHERE id = 1", h=kept.entry_hash)
    assert run(keyed_app, "verify-ledger").exit_code == 1  # the two deleted attempts' scores have no entry left
    result = run(keyed_app, "verify-ledger", "--against", path)
    assert result.exit_code == 1
    assert "1 entries, the checkpoint counted 3" in result.output


def test_verify_ledger_finds_a_recomputed_chain_and_a_changed_attempt(keyed_app, engine, db, tmp_path, three_results):
    path = checkpoint_file(keyed_app, tmp_path)
    second = db.scalars(select(ScoreRecord).order_by(ScoreRecord.id)).all()[1]
    tamper.execute(engine, db, "UPDATE score_record SET reason = 'regrade' WHERE id = :id", id=second.id)
    tamper.recompute_chain(engine, db, Chain.SCORES)
    result = run(keyed_app, "verify-ledger", "--against", path)
    assert result.exit_code == 1 and "rewritten" in result.output

    tamper.execute(engine, db, "UPDATE attempt SET score = max_score WHERE id = :id", id=second.attempt_id)
    plain = run(keyed_app, "verify-ledger")
    assert plain.exit_code == 1
    assert f"attempt {second.attempt_id}: score:" in plain.output


def test_an_altered_checkpoint_file_is_refused(keyed_app, tmp_path, three_results):
    path = checkpoint_file(keyed_app, tmp_path)
    text = open(path, encoding="utf-8").read().replace('"entries": 3', '"entries": 2')
    open(path, "w", encoding="utf-8").write(text)
    result = run(keyed_app, "verify-ledger", "--against", path)
    assert result.exit_code != 0 and "signature does not verify" in result.output
