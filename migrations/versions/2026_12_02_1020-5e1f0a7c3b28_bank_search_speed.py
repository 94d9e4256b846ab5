"""Bank search within 300 ms on 100,000 questions: an index of the versions put into an attempt

A partial index on question_version (question_id) over the used versions only, on both databases:
the list's "used in a sitting" filter reads the questions from it instead of probing the versions of
every question in the bank. An index only: no data moves.

Revision ID: 5e1f0a7c3b28
Revises: d7e3a1b9c402
Create Date: 2026-12-02 10:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5e1f0a7c3b28'
down_revision = 'd7e3a1b9c402'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_question_version_used', 'question_version', ['question_id'], unique=False,
                    sqlite_where=sa.text('used_at IS NOT NULL'), postgresql_where=sa.text('used_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_question_version_used', table_name='question_version')
