"""Focus events carry the sending page and its message number, so a retried one is stored once (issue 9)

Revision ID: 7d3e5f1a9b42
Revises: 931a8f1aaab8
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '7d3e5f1a9b42'
down_revision = '931a8f1aaab8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: events stored before have no key; NULLs never collide in the unique index.
    with op.batch_alter_table('focus_event') as batch:
        batch.add_column(sa.Column('page', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('number', sa.Integer(), nullable=True))
    op.create_index('uq_focus_event_attempt_page_number', 'focus_event', ['attempt_id', 'page', 'number'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_focus_event_attempt_page_number', table_name='focus_event')
    with op.batch_alter_table('focus_event') as batch:
        batch.drop_column('number')
        batch.drop_column('page')
