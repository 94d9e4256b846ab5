"""``db.insert_rows`` writes a set of rows in one statement, on PostgreSQL by ``unnest`` and on
SQLite by ``executemany``; a key naming no column must fail on both, or a misspelt column would be
dropped on SQLite alone and the column left to its default (a mark's ``half_cent``, its marker)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.db import insert_rows
from question_bank.models import Mark


def test_a_row_naming_a_column_the_table_lacks_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValueError, match="mark has no column halfcent, marker"):
        insert_rows(db, Mark, [{"attempt_item_id": 1, "score": None, "marker": None, "halfcent": True}])
    assert db.scalar(select(func.count(Mark.id))) == 0
