"""A sitting's start terms: exam rules (考试须知), integrity pledge (诚信承诺) and a late-start cut-off;
an attempt records when its candidate accepted the pledge (case C-24)

On SQLite the columns are added and dropped with plain ALTER TABLE: a batch rebuild of ``sitting``
or ``attempt`` is not possible while other tables reference them.

Revision ID: 5c1e7a2b9d04
Revises: e4b8c2d6f713
Create Date: 2026-12-02 09:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5c1e7a2b9d04'
down_revision = 'e4b8c2d6f713'
branch_labels = None
depends_on = None

_SITTING_COLUMNS = ('rules_text', 'pledge_text', 'late_start_cutoff_s')


def upgrade() -> None:
    op.add_column('sitting', sa.Column('rules_text', sa.Text(), nullable=True))
    op.add_column('sitting', sa.Column('pledge_text', sa.Text(), nullable=True))
    op.add_column('sitting', sa.Column('late_start_cutoff_s', sa.Integer(), server_default='0', nullable=False))
    op.add_column('attempt', sa.Column('pledge_accepted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column in [('attempt', 'pledge_accepted_at')] + [('sitting', c) for c in reversed(_SITTING_COLUMNS)]:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
