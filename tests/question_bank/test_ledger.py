"""The score ledger and the audit log: append-only in the database, hash-chained, reconciled with
the attempts, and checked against signed checkpoints kept outside the database (domain.md §7, §9;
issue 6, "the score record"). Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from question_bank.db import make_session_factory
from question_bank.models import Attempt, AttemptItem, AuditEvent, Mark, ResponseStep, ScoreRecord
from question_bank.services import attempts, audit, checkpoints, ledger, score_check
from question_bank.services.checkpoints import BrokenChain, CheckpointError
from question_bank.services.hashchain import Break, Chain, ChainCheck, digest
from question_bank.services.score_check import ScoreState
from tests import tamper
from tests.question_bank.test_amendments import REVIEW_2017, SUPERVISION_2018

SIGNING_KEY, VERIFY_KEY = checkpoints.new_key_pair()


@pytest.fixture
def results(db, clock, make):
    """Five cadres' closed attempts at a two-question paper of 50 points each (key B): the first
    answers both right, the others one. Returns their attempts, oldest first."""
    make.questions(2, "single_choice", key=["B"])
    cadres = [make.cadre() for _ in range(5)]
    sitting = make.sitting(roster=cadres, shuffle=False)
    made = []
    for n, cadre in enumerate(cadres):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B" if n == 0 else "A"], 2)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
        made.append(attempt)
    db.commit()
    return made


def entries(db) -> list[ScoreRecord]:
    return db.scalars(select(ScoreRecord).order_by(ScoreRecord.id)).all()


def signed_checkpoint(db, clock) -> checkpoints.Checkpoint:
    made = checkpoints.make_checkpoint(db, clock, checkpoints.signing_key(SIGNING_KEY))
    db.commit()
    return checkpoints.read_checkpoint(made.document, checkpoints.verify_key(VERIFY_KEY))


def test_an_intact_ledger_verifies_and_every_attempt_agrees_with_it(db, results):
    check = ledger.verify(db)
    assert check == ChainCheck(5, entries(db)[-1].entry_hash)  # the command line prints the count and this last hash
    assert score_check.reconcile(db) == []
    assert all(e.responses_digest and e.marks_digest for e in entries(db))
    assert {c.state for c in score_check.checked_scores(db, results).values()} == {ScoreState.RECORDED}



# --- what an entry records ------------------------------------------------------------------------

@pytest.mark.parametrize("unmarked", [{"score": None}, {"band": None}, {"passed": None}],
                         ids=["no score", "no band", "pass not decided"])
def test_the_ledger_refuses_an_attempt_not_fully_marked_naming_it_and_writes_nothing(db, clock, results, unmarked):
    attempt = results[1]
    for name, value in unmarked.items():
        setattr(attempt, name, value)
    before = [(e.id, e.entry_hash) for e in entries(db)]
    with pytest.raises(ValueError, match=rf"^attempt {attempt.id} has no score yet: "
                                         r"only a marked attempt goes into the ledger$"):
        ledger.append(db, clock, attempt, "regrade", None)
    db.rollback()
    assert [(e.id, e.entry_hash) for e in entries(db)] == before
    assert ledger.verify(db).ok and ledger.verify(db).entries == 5


def test_an_entry_names_the_law_versions_its_attempts_questions_were_set_on(db, clock, make):
    """An auditor reads in the entry which version of each law the paper's questions cited when it
    was drawn; an attempt whose questions cite no article has an empty list (not none)."""
    make.laws(REVIEW_2017, SUPERVISION_2018)
    make.question(category="学法", legal_basis="《监察法》第十二条", key=["B"])
    make.question(category="学法", legal_basis="《监察法》第三条、《行政复议法》第九条", key=["B"])
    citing, plain = make.cadre(), make.cadre()
    first = attempts.start_attempt(db, clock, citing, make.sitting(make.paper([("single_choice", 2, 50, "学法")]),
                                                                    roster=[citing], shuffle=False))
    make.questions(2, "single_choice", key=["B"], legal_basis="")
    second = attempts.start_attempt(db, clock, plain, make.sitting(make.paper(), roster=[plain], shuffle=False))
    for cadre, attempt in ((citing, first), (plain, second)):
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    by_attempt = {e.attempt_id: e for e in entries(db)}
    assert by_attempt[first.id].law_versions == [["中华人民共和国监察法", "2018-03-20"],
                                                 ["中华人民共和国行政复议法", "2017-09-01"]]
    assert by_attempt[second.id].law_versions == []
    # The list is kept outside the entry's hash (ledger.entry_content): entries verify either way.
    assert ledger.verify(db).ok and all(ledger.entry_intact(e) for e in by_attempt.values())

# --- the database refuses changes -------------------------------------------------------------------

@pytest.mark.parametrize("table", ["score_record", "audit_event", "ledger_checkpoint"])
def test_the_database_refuses_update_and_delete_of_ledger_audit_and_checkpoint_rows(engine, db, clock, results, table):
    signed_checkpoint(db, clock)
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert db.scalar(text(f"SELECT count(*) FROM {table}")) > 0


def test_inserting_a_new_entry_is_still_allowed(db, clock, make, results):
    before = db.scalar(select(func.count(ScoreRecord.id)))
    attempts.submit_attempt(db, clock, results[0].user, results[0].id)  # already closed: nothing new
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    assert db.scalar(select(func.count(ScoreRecord.id))) == before + 1 and ledger.verify(db).ok


def _stored_order(db) -> list[int]:
    """The entries' ids in the order the database returns whole rows when asked for no order (an
    index holding the id alone could answer a query for the ids, in its own order)."""
    return [row.id for row in db.execute(select(ScoreRecord.__table__))]


def test_the_ledger_is_checked_in_chain_order_whatever_order_the_database_returns_its_rows_in(engine, db, clock,
                                                                                              results):
    """A database promises no order without ORDER BY. On PostgreSQL a hand-in rolled back after its
    entry was written, and a vacuum (autovacuum runs one by itself), free that row's place in the
    table, and the next entry takes it: read in stored order, it comes before older entries, and
    the check would call a sound ledger broken. SQLite keeps a table in id order, but its planner
    may return unordered rows otherwise; ``reverse_unordered_selects`` is its switch for that."""
    db.rollback()
    ledger.append(db, clock, db.get(Attempt, results[1].id), reason="regrade: key corrected", actor=None)
    db.rollback()  # the hand-in failed after its entry was written
    ledger.append(db, clock, db.get(Attempt, results[2].id), reason="regrade: key corrected", actor=None)
    db.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (INDEX_CLEANUP ON, DISABLE_PAGE_SKIPPING) score_record"))
        last = ledger.append(db, clock, db.get(Attempt, results[3].id), reason="regrade: key corrected", actor=None)
        db.commit()
        assert _stored_order(db) != sorted(_stored_order(db))  # the newest entry took the rolled-back one's place
        assert ledger.verify(db) == ChainCheck(7, last.entry_hash)
        return
    last = entries(db)[-1]
    connection = db.connection()  # the pragma is the connection's: set back before the pool has it again
    connection.execute(text("PRAGMA reverse_unordered_selects = ON"))
    try:
        assert _stored_order(db) == sorted(_stored_order(db), reverse=True)
        assert ledger.verify(db) == ChainCheck(6, last.entry_hash)
    finally:
        connection.execute(text("PRAGMA reverse_unordered_selects = OFF"))


# --- changes made behind the service's back -----------------------------------------------------------

def test_a_changed_entry_breaks_the_chain_at_that_entry(engine, db, results):
    second = entries(db)[1]
    hundred = 10000 if engine.dialect.name == "sqlite" else 100  # SQLite keeps hundredths
    first_hash = entries(db)[0].entry_hash
    tamper.execute(engine, db, "UPDATE score_record SET score = :s WHERE id = :id", s=hundred, id=second.id)
    check = ledger.verify(db)
    # Two entries read, the first of them good (its hash is the last one that holds), the second broken.
    assert check == ChainCheck(2, first_hash, Break.ENTRY, second.id)
    assert check.reason == (f"entry {second.id} does not match its hash or its link to the entry before: it was "
                            "changed, or an entry before it was removed or swapped")


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(engine, db, results):
    second, third = entries(db)[1:3]
    tamper.execute(engine, db, "DELETE FROM score_record WHERE id = :id", id=second.id)
    check = ledger.verify(db)
    assert (check.broken, check.broken_at) == (Break.ENTRY, third.id)


def test_two_swapped_entries_break_the_chain(engine, db, results):
    second, third = entries(db)[1:3]
    columns = ("attempt_id", "user_id", "score", "max_score", "band", "passed", "reason", "recorded_at",
               "responses_digest", "marks_digest", "prev_hash", "entry_hash")
    with engine.connect() as conn:
        stored = {row.id: dict(row._mapping) for row in conn.execute(
            text(f"SELECT id, {', '.join(columns)} FROM score_record WHERE id IN (:a, :b)"), {"a": second.id, "b": third.id})}
    # entry_hash is unique: park one value while the two rows change places.
    tamper.execute(engine, db, "UPDATE score_record SET entry_hash = 'parked' WHERE id = :id", id=second.id)
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    for target, source in ((third.id, second.id), (second.id, third.id)):
        values = {c: stored[source][c] for c in columns}
        tamper.execute(engine, db, f"UPDATE score_record SET {assignments} WHERE id = :target", target=target, **values)
    check = ledger.verify(db)
    assert (check.broken, check.broken_at) == (Break.ENTRY, second.id)


def test_a_cut_off_tail_is_found_by_the_head_row_and_with_the_head_corrected_by_the_checkpoint(engine, db, clock, results):
    checkpoint = signed_checkpoint(db, clock)
    kept, fifth = entries(db)[:3], entries(db)[4]
    third_hash, fifth_hash = kept[-1].entry_hash, fifth.entry_hash
    tamper.execute(engine, db, "DELETE FROM score_record WHERE id > :id", id=kept[-1].id)
    check = ledger.verify(db)
    assert check == ChainCheck(3, third_hash, Break.HEAD, details=(("expected", 5), ("expected_hash", fifth_hash)))
    assert check.reason == (f"the head row says the chain has 5 entries ending in {fifth_hash[:12]}…; it has 3 "
                            f"(ending in {third_hash[:12]}…): entries at the end were removed or replaced")

    tamper.execute(engine, db, "UPDATE ledger_head SET entry_count = 3, last_hash = :h WHERE id = 1", h=third_hash)
    assert ledger.verify(db).ok  # the outside tester's finding: the chain alone cannot tell
    check = ledger.verify(db, checkpoint.scores)
    assert check == ChainCheck(3, third_hash, Break.SHORTER_THAN_CHECKPOINT,
                               details=(("expected", 5), ("expected_hash", fifth_hash)))
    assert check.reason == "the chain has 3 entries, the checkpoint counted 5: entries at the end were removed"


def test_a_replaced_last_entry_with_its_hash_recomputed_is_found_by_the_head_row(engine, db, results):
    fifth = entries(db)[4]
    signed_hash = fifth.entry_hash
    hundred = 10000 if engine.dialect.name == "sqlite" else 100  # SQLite keeps hundredths
    tamper.execute(engine, db, "UPDATE score_record SET score = :s, band = 'excellent' WHERE id = :id", s=hundred, id=fifth.id)
    forged = digest(ledger.entry_content(db.get(ScoreRecord, fifth.id)), fifth.prev_hash)
    tamper.execute(engine, db, "UPDATE score_record SET entry_hash = :h WHERE id = :id", h=forged, id=fifth.id)
    check = ledger.verify(db)
    assert check == ChainCheck(5, forged, Break.HEAD, fifth.id, (("expected", 5), ("expected_hash", signed_hash)))
    assert check.reason == (f"the head row says the chain has 5 entries ending in {signed_hash[:12]}…; it has 5 "
                            f"(ending in {forged[:12]}…): entries at the end were removed or replaced")


def test_an_edited_entry_with_the_chain_recomputed_is_found_only_by_the_checkpoint(engine, db, clock, results):
    checkpoint = signed_checkpoint(db, clock)
    fourth, fifth = entries(db)[3:5]
    signed_hash = fifth.entry_hash
    hundred = 10000 if engine.dialect.name == "sqlite" else 100  # SQLite keeps hundredths
    tamper.execute(engine, db, "UPDATE score_record SET score = :s, band = 'excellent' WHERE id = :id", s=hundred, id=fourth.id)
    tamper.recompute_chain(engine, db, Chain.SCORES)
    assert ledger.verify(db).ok
    check = ledger.verify(db, checkpoint.scores)
    recomputed = db.get(ScoreRecord, fifth.id).entry_hash
    assert check == ChainCheck(5, recomputed, Break.REWRITTEN_SINCE_CHECKPOINT, fifth.id,
                               (("expected", 5), ("expected_hash", signed_hash), ("found", recomputed)))
    assert check.reason == (f"entry number 5 (id {fifth.id}) has hash {recomputed[:12]}…, the checkpoint recorded "
                            f"{signed_hash[:12]}…: the chain was rewritten and its hashes recomputed")


def test_an_attempts_changed_score_no_longer_agrees_with_the_ledger(engine, db, results):
    tampered = results[2]
    tamper.execute(engine, db, "UPDATE attempt SET score = max_score, band = 'excellent', passed = :t WHERE id = :id",
                   t=True, id=tampered.id)
    problems = score_check.reconcile(db)
    assert [(p.attempt_id, p.what) for p in problems] == [(tampered.id, "score")]
    assert "ledger entry" in problems[0].detail
    checked = score_check.checked_score(db, db.get(type(tampered), tampered.id))
    assert checked.state == ScoreState.MISMATCH and checked.score is None and checked.recorded.score == Decimal(50)


def test_a_changed_response_or_mark_no_longer_agrees_with_the_ledger(engine, db, results):
    first, second = results[0], results[1]
    step = db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == first.id).order_by(ResponseStep.id)).first()
    tamper.execute(engine, db, "UPDATE response_step SET answer = :a WHERE id = :id", a='["C"]', id=step.id)
    mark = db.scalars(select(Mark).join(AttemptItem).where(AttemptItem.attempt_id == second.id)).first()
    tamper.execute(engine, db, "UPDATE mark SET score = 0 WHERE id = :id", id=mark.id)
    found = {(p.attempt_id, p.what) for p in score_check.reconcile(db)}
    assert found == {(first.id, "responses"), (second.id, "marks")}


def test_an_attempts_changed_finish_time_no_longer_agrees_with_the_ledger(engine, db, results):
    tamper.execute(engine, db, "UPDATE attempt SET finished_at = deadline WHERE id = :id", id=results[4].id)
    assert [(p.attempt_id, p.what) for p in score_check.reconcile(db)] == [(results[4].id, "responses")]


def test_an_attempt_scored_without_a_ledger_entry_is_reported(engine, db, results):
    entry = entries(db)[-1]
    tamper.execute(engine, db, "DELETE FROM score_record WHERE id = :id", id=entry.id)
    assert [(p.attempt_id, p.what) for p in score_check.reconcile(db)] == [(results[-1].id, "unrecorded")]


# --- the audit log's chain ----------------------------------------------------------------------------

def test_the_audit_log_is_chained_and_a_changed_or_deleted_event_is_found(engine, db, results):
    ids = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert len(ids) >= 10 and audit.verify(db).ok
    detail = db.get(AuditEvent, ids[3]).detail
    tamper.execute(engine, db, "UPDATE audit_event SET detail = 'nothing happened' WHERE id = :id", id=ids[3])
    assert audit.verify(db).broken_at == ids[3]
    tamper.execute(engine, db, "UPDATE audit_event SET detail = :d WHERE id = :id", d=detail, id=ids[3])
    assert audit.verify(db).ok
    tamper.execute(engine, db, "DELETE FROM audit_event WHERE id = :id", id=ids[5])
    assert audit.verify(db).broken_at == ids[6]


def test_a_recomputed_audit_log_is_found_by_the_checkpoint(engine, db, clock, results):
    checkpoint = signed_checkpoint(db, clock)
    first = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    tamper.execute(engine, db, "UPDATE audit_event SET detail = 'forged' WHERE id = :id", id=first.id)
    tamper.recompute_chain(engine, db, Chain.AUDIT)
    assert audit.verify(db).ok
    assert audit.verify(db, checkpoint.audit).broken == Break.REWRITTEN_SINCE_CHECKPOINT


# --- checkpoints ---------------------------------------------------------------------------------------

def test_a_checkpoint_is_signed_stored_and_verifies_while_entries_are_added_after_it(db, clock, make, results):
    checkpoint = signed_checkpoint(db, clock)
    assert (checkpoint.scores.entries, checkpoint.scores.head_hash) == (5, entries(db)[-1].entry_hash)
    # Nothing added since: the chain ends exactly where the checkpoint does.
    assert ledger.verify(db, checkpoint.scores) == ChainCheck(5, checkpoint.scores.head_hash)
    cadre = make.cadre()
    attempt = attempts.start_attempt(db, clock, cadre, make.sitting(roster=[cadre]))
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    assert ledger.verify(db, checkpoint.scores).ok and ledger.verify(db).entries == 6
    assert audit.verify(db, checkpoint.audit).ok


def test_an_altered_checkpoint_or_one_signed_with_another_key_is_refused(db, clock, results):
    document = signed_checkpoint(db, clock).document
    with pytest.raises(CheckpointError, match="signature does not verify"):
        checkpoints.read_checkpoint(document.replace('"entries": 5', '"entries": 3'), checkpoints.verify_key(VERIFY_KEY))
    other_public = checkpoints.new_key_pair()[1]
    with pytest.raises(CheckpointError, match="signed with key"):
        checkpoints.read_checkpoint(document, checkpoints.verify_key(other_public))
    with pytest.raises(CheckpointError, match="not JSON"):
        checkpoints.read_checkpoint("score ledger: 5 entries", checkpoints.verify_key(VERIFY_KEY))


def test_no_checkpoint_is_made_of_a_broken_chain(engine, db, clock, results):
    tamper.execute(engine, db, "DELETE FROM score_record WHERE id = :id", id=entries(db)[0].id)
    with pytest.raises(BrokenChain, match="score ledger is broken"):
        checkpoints.make_checkpoint(db, clock, checkpoints.signing_key(SIGNING_KEY))


# --- the head row ----------------------------------------------------------------------------------------

def test_with_the_head_row_missing_a_changed_entry_is_still_found_and_nothing_more_is_recorded(engine, db, clock, results):
    first, second = entries(db)[:2]
    head = db.execute(text("SELECT last_hash, entry_count FROM ledger_head WHERE id = 1")).one()
    hundred = 10000 if engine.dialect.name == "sqlite" else 100  # SQLite keeps hundredths
    tamper.execute(engine, db, "UPDATE score_record SET score = :s WHERE id = :id", s=hundred, id=second.id)
    tamper.execute(engine, db, "DELETE FROM ledger_head WHERE id = 1")
    try:
        assert ledger.verify(db) == ChainCheck(2, first.entry_hash, Break.ENTRY, second.id)
        with pytest.raises(RuntimeError) as refused:
            ledger.append(db, clock, db.get(Attempt, results[0].id), reason="regrade: key corrected", actor=None)
        assert str(refused.value) == ("the head row of the scores chain is missing: "
                                      "the database was not made by the migrations")
        db.rollback()
        assert len(entries(db)) == 5
    finally:
        tamper.execute(engine, db, "INSERT INTO ledger_head (id, last_hash, entry_count) VALUES (1, :h, :n)",
                       h=head.last_hash, n=head.entry_count)


def test_a_worker_whose_session_outlives_its_requests_chains_onto_the_entries_others_made_meanwhile(engine, db, clock, results):
    """Two web workers each keep a session across requests (objects stay readable after commit):
    each hand-in must chain onto the entry the other worker made last, never onto the head as this
    worker last saw it."""
    sessions = make_session_factory(engine)
    first, second = sessions(), sessions()
    try:
        made = []
        for worker, attempt in ((first, results[0]), (second, results[1]), (first, results[2])):
            record = ledger.append(worker, clock, worker.get(Attempt, attempt.id), reason="regrade: key corrected", actor=None)
            worker.commit()
            made.append((record.prev_hash, record.entry_hash))
        assert [prev for prev, _ in made] == [entries(db)[4].entry_hash, made[0][1], made[1][1]]
        assert ledger.verify(db) == ChainCheck(8, made[-1][1])
    finally:
        first.close()
        second.close()


def test_a_worker_that_appended_earlier_still_finds_the_tail_cut_after_others_appended(engine, db, clock, results):
    """The head row is read afresh for every check, not as this worker's session last held it."""
    sessions = make_session_factory(engine)
    first, second = sessions(), sessions()
    try:
        mine = ledger.append(first, clock, first.get(Attempt, results[0].id), reason="regrade: key corrected", actor=None)
        first.commit()
        for attempt in results[1:3]:
            last = ledger.append(second, clock, second.get(Attempt, attempt.id), reason="regrade: key corrected", actor=None)
        second.commit()
        tamper.execute(engine, db, "DELETE FROM score_record WHERE id > :id", id=mine.id)
        check = ledger.verify(first)
        assert check == ChainCheck(6, mine.entry_hash, Break.HEAD, details=(("expected", 8), ("expected_hash", last.entry_hash)))
    finally:
        first.close()
        second.close()


def test_entries_appended_in_one_transaction_chain_one_after_another_even_without_autoflush(db, clock, make, results):
    """A service that turns autoflush off around its work (paper assembly does) and records several
    audit events and score entries in one transaction: each must chain onto the one before it,
    never onto the head as the database still holds it (which would fork the chain)."""
    actor = make.user()
    before = audit.verify(db).entries
    with db.no_autoflush:
        for n in range(3):
            audit.record(db, clock, actor, "test.event", "paper", n)
        made = [ledger.append(db, clock, attempt, reason="regrade: key corrected", actor=None) for attempt in results[:2]]
    db.flush()
    assert audit.verify(db).ok and audit.verify(db).entries == before + 3
    assert made[1].prev_hash == made[0].entry_hash
    assert ledger.verify(db).ok and ledger.verify(db).entries == len(entries(db))


def test_an_event_recorded_in_a_savepoint_rolled_back_is_gone_and_the_chain_goes_on_from_the_one_before(db, clock, make):
    """Events are written at once (issue 7): one recorded inside a savepoint that is rolled back
    goes with it, and the next event chains onto the last one that stayed, not onto the one
    rolled back (which would break the chain at the next event)."""
    actor = make.user()
    before = audit.verify(db).entries
    kept = audit.record(db, clock, actor, "test.event", "paper", 1)
    savepoint = db.begin_nested()
    audit.record(db, clock, actor, "test.event", "paper", 2)
    savepoint.rollback()
    after = audit.record(db, clock, actor, "test.event", "paper", 3)
    savepoint = db.begin_nested()
    inner = audit.record(db, clock, actor, "test.event", "paper", 4)
    savepoint.commit()
    last = audit.record(db, clock, actor, "test.event", "paper", 5)
    db.commit()
    assert after.prev_hash == kept.entry_hash and last.prev_hash == inner.entry_hash
    assert db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "test.event")
                      .order_by(AuditEvent.id)).all() == ["1", "3", "4", "5"]
    assert audit.verify(db) == ChainCheck(before + 4, last.entry_hash)


@contextmanager
def _statements(db) -> Iterator[list[str]]:
    """The SQL the session's connection sends inside the block, in order."""
    sent: list[str] = []
    connection = db.connection()

    def seen(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(connection, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", seen)


def _head_reads(sent: list[str]) -> int:
    return sum(1 for s in sent if s.lstrip().upper().startswith("SELECT") and "FROM ledger_head" in s)


def test_a_transaction_reads_and_locks_a_chains_head_once_and_a_savepoint_reads_it_again(db, clock, make):
    """Issue 7: the head row is locked once per transaction (an import records hundreds of events
    while holding it), and read again inside a savepoint and after it ends, so that one rolled back
    never leaves a moved head behind."""
    actor = make.user()
    db.commit()
    with _statements(db) as sent:
        for n in range(3):
            audit.record(db, clock, actor, "test.event", "paper", n)
    assert _head_reads(sent) == 1
    with _statements(db) as sent:
        savepoint = db.begin_nested()
        audit.record(db, clock, actor, "test.event", "paper", 3)
        audit.record(db, clock, actor, "test.event", "paper", 4)
        savepoint.rollback()
        audit.record(db, clock, actor, "test.event", "paper", 5)
    assert _head_reads(sent) == 2
    db.commit()
    assert audit.verify(db).ok


def test_an_entry_and_its_heads_move_are_one_statement_on_postgresql(db, clock, make):
    """Issue 7: while the head is held, an entry goes in with the head's move in one statement on
    PostgreSQL (a data-modifying WITH); SQLite, whose transactions are serial, takes two."""
    actor = make.user()
    audit.record(db, clock, actor, "test.event", "paper", 1)  # the head is held from here on
    with _statements(db) as sent:
        audit.record(db, clock, actor, "test.event", "paper", 2)
    assert len(sent) == (1 if db.get_bind().dialect.name == "postgresql" else 2)
    db.commit()
    assert audit.verify(db).ok
