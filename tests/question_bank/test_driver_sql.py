"""``driver_sql.RenderedStatement`` runs a statement as SQL rendered once (on PostgreSQL), and must
store and read exactly what SQLAlchemy's own execution of the same statement does: a JSON null is
not an SQL NULL, a zoned time is the same instant, a constant in the statement is bound through its
type. Each test runs one statement both ways and compares."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, insert, select, literal, or_
from sqlalchemy.dialects import postgresql, sqlite

from question_bank.driver_sql import RenderedStatement
from question_bank.models import AttemptItem, ResponseStep
from question_bank.services import attempts

STEP = ResponseStep.__table__


@pytest.fixture
def attempt(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    return attempts.start_attempt(db, clock, cadre, sitting)


def _step(attempt_id: int, writer: str, answer, when: dt.datetime, base=None) -> dict:
    return {"attempt_id": attempt_id, "slot": 1, "writer": writer, "client_seq": 1, "superseded": False,
            "answer": answer, "base_version": base, "received_at": when, "source": "autosave"}


COLUMNS = ["attempt_id", "slot", "writer", "client_seq", "superseded", "answer", "base_version", "received_at", "source"]


@pytest.mark.parametrize("answer", [None, [], ["A", "C"], {"1": "引号\" 反斜杠\\"}, "第一空", 0])
def test_an_insert_stores_what_sqlalchemy_stores(db, clock, attempt, answer):
    when = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8)))
    connection = db.connection()
    connection.execute(insert(STEP), _step(attempt.id, "orm", answer, when))
    RenderedStatement(insert(STEP), column_keys=COLUMNS).execute(connection, _step(attempt.id, "rendered", answer, when))
    rows = db.execute(select(STEP.c.writer, STEP.c.answer, STEP.c.received_at, STEP.c.base_version,
                             STEP.c.answer.is_(None).label("sql_null"))
                      .order_by(STEP.c.writer)).all()
    orm, rendered = rows
    assert (rendered.answer, rendered.received_at, rendered.base_version, rendered.sql_null) == \
        (orm.answer, orm.received_at, orm.base_version, orm.sql_null)
    assert rendered.received_at == when


def test_a_read_gives_the_values_sqlalchemy_gives(db, clock, attempt):
    when = clock.now()
    db.connection().execute(insert(STEP), _step(attempt.id, "w", ["B"], when, base=2))
    # A constant bound through its type (the literal), another in a condition, and named parameters.
    statement = (select(STEP.c.answer, STEP.c.received_at, STEP.c.superseded, STEP.c.base_version,
                        literal("常量").label("constant"), AttemptItem.option_order)
                 .join(AttemptItem, (AttemptItem.attempt_id == STEP.c.attempt_id) & (AttemptItem.slot == STEP.c.slot))
                 .where(STEP.c.attempt_id == bindparam("attempt_id"),
                        or_(STEP.c.writer == "w", STEP.c.writer == "none"), STEP.c.slot == bindparam("slot")))
    params = {"attempt_id": attempt.id, "slot": 1}
    expected = db.connection().execute(statement, params).all()
    got = RenderedStatement(statement).execute(db.connection(), params)
    assert [tuple(row) for row in got] == [tuple(row) for row in expected]
    assert got[0].received_at == when and got[0].answer == ["B"] and got[0].constant == "常量"
    assert RenderedStatement(statement).execute(db.connection(), {"attempt_id": attempt.id, "slot": 2}) == []


def test_a_statement_with_a_list_rendered_per_call_is_refused(db):
    statement = select(STEP.c.id).where(STEP.c.writer.in_(["a", "b"]))
    with pytest.raises(ValueError, match="per-call rendered"):
        RenderedStatement(statement).execute(db.connection(), {})


def test_an_insert_returning_gives_the_rows_sqlalchemy_gives(db, clock, attempt):
    """What an insert returns is read as a select's columns are (on SQLite through their result
    processing): a hash chain's append takes the new row's id from it."""
    statement = insert(STEP).values({name: bindparam(name, type_=STEP.c[name].type) for name in COLUMNS}) \
        .returning(STEP.c.id, STEP.c.received_at, STEP.c.answer)
    expected = db.connection().execute(statement, _step(attempt.id, "orm", ["A"], clock.now())).all()
    got = RenderedStatement(statement).execute(db.connection(), _step(attempt.id, "rendered", ["A"], clock.now()))
    assert [(row.id - 1, row.received_at, row.answer) for row in got] == [tuple(row) for row in expected]
    assert got[0].received_at == clock.now() and got[0].answer == ["A"]


def test_rendering_an_insert_leaves_it_as_it_was():
    """An insert rendered once is the one db.insert_rows caches and later gives a RETURNING: what
    that returns must still be the table's columns (reading the insert's exported columns to
    render it had memoized none on it)."""
    statement = insert(STEP)
    RenderedStatement(statement)._render(postgresql.dialect())
    RenderedStatement(statement)._render(sqlite.dialect())
    assert list(statement.returning(*STEP.columns).cte("inserted").c.keys()) == list(STEP.c.keys())
