"""A question flagged as having the same stem and options as another but another answer or type
(a corrected key) says so, so that it is never taken for a plain repeat (issue 5)

Revision ID: 5c2e8b7d41a6
Revises: f3a8c5d2e915
Create Date: 2026-12-03 11:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5c2e8b7d41a6'
down_revision = 'f3a8c5d2e915'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Flags written before were never compared by answer: false, as they were read then.
    with op.batch_alter_table('question') as batch:
        batch.add_column(sa.Column('duplicate_answer_changed', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('question') as batch:
        batch.drop_column('duplicate_answer_changed')
