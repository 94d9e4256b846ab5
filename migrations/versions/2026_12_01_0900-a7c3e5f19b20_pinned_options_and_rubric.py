"""Question versions carry their pinned options (kept in place by option shuffling, case C-23)
and the rubric of a question marked by a person

Revision ID: a7c3e5f19b20
Revises: 6e2a9c4d8f13
Create Date: 2026-12-01 09:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'a7c3e5f19b20'
down_revision = '6e2a9c4d8f13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default on both databases: question_version is referenced by other
    # tables, so it must not be rebuilt on SQLite.
    with op.batch_alter_table('question_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column(
            'pinned_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('rubric', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    # Outside batch mode: SQLite (3.35 and later) drops the columns in place, where a batch would
    # rebuild a table that attempts and questions reference.
    op.drop_column('question_version', 'rubric')
    op.drop_column('question_version', 'pinned_options')
