"""``db.insert_rows`` writes a set of rows in one statement, on PostgreSQL by ``unnest`` and on
SQLite by ``executemany``; a key naming no column must fail on both, or a misspelt column would be
dropped on SQLite alone and the column left to its default (a mark's ``half_cent``, its marker). A
statement given as ``then`` reads the rows just inserted, on PostgreSQL in the same statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import StatementError

from question_bank.db import insert_rows
from question_bank.models import AttemptItem, Mark, QuestionVersion, Role
from question_bank.services import attempts


def test_a_row_naming_a_column_the_table_lacks_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValueError, match="mark has no column halfcent, marker"):
        insert_rows(db, Mark, [{"attempt_item_id": 1, "score": None, "marker": None, "halfcent": True}])
    assert db.scalar(select(func.count(Mark.id))) == 0


def test_rows_read_back_exactly_as_given(db, clock, make):
    # The values as the ORM would store them: exact points, None as NULL, a time with its zone,
    # text that JSON must escape, a JSON list, and an overlong or inexact value refused, not cut.
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    items = [item.id for item in attempt.items]
    when = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8)))
    text = '引号" 反斜杠\\ 换行\n制表\t'
    insert_rows(db, Mark, [
        {"attempt_item_id": items[0], "score": Decimal("49.99"), "marked_at": when, "marker_id": cadre.id,
         "reason": text, "half_cent": True},
        {"attempt_item_id": items[1], "score": None, "marked_at": when, "marker_id": None, "reason": "",
         "half_cent": False}])
    stored = db.execute(select(Mark.score, Mark.marked_at, Mark.marker_id, Mark.reason, Mark.half_cent)
                        .order_by(Mark.attempt_item_id)).all()
    assert [tuple(row) for row in stored] == [(Decimal("49.99"), when, cadre.id, text, True),
                                              (None, when, None, "", False)]
    orders = db.scalars(select(AttemptItem.option_order).where(AttemptItem.attempt_id == attempt.id)
                        .order_by(AttemptItem.slot)).all()
    assert orders == [[0, 1, 2, 3], [0, 1, 2, 3]]
    with pytest.raises((ValueError, StatementError), match="more than two decimal places"):
        insert_rows(db, Mark, [{"attempt_item_id": items[0], "score": Decimal("1.005"), "marked_at": when,
                                "marker_id": None, "reason": "", "half_cent": False}])



def _total_as_item_mark(marks):
    # A statement over the rows inserted (on SQLite, the table): the item of id :item takes the total
    # of its marks.
    total = select(func.sum(marks.c.score)).where(marks.c.attempt_item_id == AttemptItem.id).scalar_subquery()
    return update(AttemptItem).where(AttemptItem.id == bindparam("item")).values(mark=total)


def test_a_statement_given_as_then_reads_the_rows_inserted(db, clock, make):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    first, second = (item.id for item in attempts.start_attempt(db, clock, cadre, sitting).items)
    row = {"marked_at": clock.now(), "marker_id": None, "reason": "", "half_cent": False}
    insert_rows(db, Mark, [{**row, "attempt_item_id": second, "score": Decimal("7")}])
    insert_rows(db, Mark, [{**row, "attempt_item_id": first, "score": Decimal("1.25")},
                           {**row, "attempt_item_id": first, "score": Decimal("2.5")},
                           {**row, "attempt_item_id": second, "score": Decimal("3")}],
                then=_total_as_item_mark, then_params={"item": first})
    marks = db.execute(select(AttemptItem.id, AttemptItem.mark).order_by(AttemptItem.id)
                       .execution_options(populate_existing=True)).all()
    assert [tuple(m) for m in marks] == [(first, Decimal("3.75")), (second, Decimal("50"))]


def test_json_values_of_every_shape_are_stored_as_the_orm_stores_them(db, clock, make):
    # A key is a JSON column holding a list, a boolean or a text (a short answer's reference); a
    # text must arrive quoted, and None as JSON null, as the ORM writes them.
    editor = make.user(Role.BANK_EDITOR)
    question = make.question()
    base = {"question_id": question.id, "qtype": "short_answer", "stem": "简述", "options": [], "explanation": "",
            "difficulty": 3, "tags": [], "legal_basis": "", "fingerprint": "f", "created_at": clock.now(),
            "created_by_id": editor.id, "category_id": question.category_id, "pinned_options": [], "rubric": "",
            "search_text": "", "search_basis": ""}
    keys = [["A", "C"], True, "参考答案：\"依法\"", [["甲", "乙"]], None]
    insert_rows(db, QuestionVersion, [{**base, "version_no": 10 + n, "key": key} for n, key in enumerate(keys)])
    stored = db.execute(select(QuestionVersion.key, QuestionVersion.key.is_(None))
                        .where(QuestionVersion.question_id == question.id, QuestionVersion.version_no >= 10)
                        .order_by(QuestionVersion.version_no)).all()
    assert [tuple(row) for row in stored] == [(key, False) for key in keys]
