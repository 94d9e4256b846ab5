"""A sitting's results can be released to candidates before its policy would show them (case C-19)

Who released them is in the audit log (sitting.release_results). On SQLite the column is added
and dropped with plain ALTER TABLE: a batch rebuild of ``sitting`` is not possible while other
tables reference it.

Revision ID: 176669fdeb0b
Revises: 8992736fd474
Create Date: 2026-12-01 09:50:00
"""

from alembic import op
import sqlalchemy as sa

revision = '176669fdeb0b'
down_revision = '8992736fd474'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sitting', sa.Column('results_released_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE sitting DROP COLUMN results_released_at")
    else:
        op.drop_column('sitting', 'results_released_at')
