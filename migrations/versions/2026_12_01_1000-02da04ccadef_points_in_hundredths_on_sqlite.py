"""Marks, scores and pass marks exact on SQLite: kept as whole hundredths of a point (case C-20)

SQLite kept NUMERIC(p, 2) values as binary floats, so 59.995 read back as 59.99 there while
PostgreSQL stored 60.00. From here on ``question_bank.db.Points`` stores an integer number of
hundredths on SQLite (59.99 → 5999); the declared column types stay as they are (the tables cannot
be rebuilt here while other tables reference them) and SQLite keeps an integer in a NUMERIC column
exactly. PostgreSQL's NUMERIC is already exact: nothing changes there.

A stored value that needs more than two decimals is not rounded: the upgrade stops and names it.

Revision ID: 02da04ccadef
Revises: 00cce9c7b204
Create Date: 2026-12-01 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '02da04ccadef'
down_revision = '00cce9c7b204'
branch_labels = None
depends_on = None

#: Every points column, by table.
POINTS_COLUMNS = {
    "attempt": ("score", "max_score"), "attempt_item": ("mark",), "mark": ("score",),
    "score_record": ("score", "max_score"), "sitting": ("pass_mark", "excellent_mark"),
    "blueprint_section": ("mark",), "question_version": ("default_score",),
}


def _convert(expression: str) -> None:
    # One UPDATE per table: a CHECK across columns (excellent_mark >= pass_mark) must hold after it.
    for table, columns in POINTS_COLUMNS.items():
        op.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = {expression.format(c=c)}" for c in columns))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    conn = op.get_bind()
    for table, columns in POINTS_COLUMNS.items():
        for column in columns:
            # A float's hundredfold lies within a millionth of a whole number exactly when it had two places.
            finer = conn.execute(sa.text(
                f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL "
                f"AND abs({column} * 100 - round({column} * 100)) > 0.000001 ORDER BY id LIMIT 5")).all()
            if finer:
                rows = ", ".join(f"id {row_id} ({value})" for row_id, value in finer)
                raise RuntimeError(f"{table}.{column} holds values with more than two decimals: {rows}. "
                                   "Marks are never rounded silently (C-20): correct these rows, then upgrade again.")
    _convert("CAST(round({c} * 100) AS INTEGER)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _convert("{c} / 100.0")
