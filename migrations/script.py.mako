"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

# Dropping a column or a table, or changing a column's type, needs a data step: name it in
# DATA_STEPS = {"table.column": "function_name"} and call that function (its docstring says where the
# data goes, or why there is none) in upgrade() before the drop; tests/migrations/revision_rules.py
# fails the build otherwise. A downgrade that rewrites columns it keeps names them in
# DOWNGRADE_REWRITES = {"table": ("column",)}, and rows it deletes (data the older schema cannot
# hold) DOWNGRADE_DELETES = {"table": ({"column": value},)}. tests/migrations walks every revision
# on a populated database, down and up, on SQLite and PostgreSQL.


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
