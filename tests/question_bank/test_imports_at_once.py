"""Two imports of the same questions at once (outside trial): on PostgreSQL each checked its rows
against the bank as its own transaction saw it, so neither flagged the other's 300 repeats. The
second import now waits for the first (a background job) or is refused having written nothing (an
import inside a web request); either way it never misses the first's rows. SQLite runs one writing
transaction at a time, so there the second comes after the first."""

from __future__ import annotations

from sqlalchemy import func, select

from question_bank.db import make_session_factory
from question_bank.models import ImportBatch, User
from question_bank.services import bank_import_lock, importing
from question_bank.services.bank_import_lock import ImportRunning
from tests.factories import questions_xlsx
from tests.lock_waits import outcome_of, second_during_first

ROW = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "", "", "", "", "行政处罚法", "")
FILE = questions_xlsx([(ROW[0], f"第{n}题：{ROW[1]}") + ROW[2:] for n in range(1, 4)])


def _import(clock, editor_id: int, background: bool):
    def work(session):
        editor = session.get(User, editor_id)
        return importing.import_questions(session, clock, editor, "q.xlsx", FILE, importing.VALID_ONLY,
                                          background=background)
    return work


def test_a_background_import_waits_for_one_running_and_then_sees_its_questions_as_repeats(engine, db, clock, editor):
    db.commit()
    second = second_during_first(engine, _import(clock, editor.id, True), _import(clock, editor.id, True))
    assert second.held and second.batch is None
    assert second.same_file is not None and [r["row"] for r in second.repeats] == [2, 3, 4]
    assert db.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_an_import_in_a_request_while_another_runs_is_refused_writing_nothing_or_comes_after_it(
        engine, db, clock, editor):
    db.commit()
    sessions = make_session_factory(engine)
    with sessions() as first:
        _import(clock, editor.id, True)(first)
        if engine.dialect.name == "postgresql":
            with sessions() as second:
                refused = outcome_of(second, _import(clock, editor.id, False))
            assert isinstance(refused, ImportRunning)
        first.commit()
    with sessions() as after:
        again = outcome_of(after, _import(clock, editor.id, False))
    assert again.held and [r["row"] for r in again.repeats] == [2, 3, 4]
    assert db.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_the_lock_is_let_go_when_the_import_ends(engine, db, clock, editor):
    db.commit()
    sessions = make_session_factory(engine)
    with sessions() as first:
        _import(clock, editor.id, False)(first)
        first.rollback()
    with sessions() as second:
        bank_import_lock.hold(second, wait=False)  # would raise ImportRunning if still held
        second.rollback()
