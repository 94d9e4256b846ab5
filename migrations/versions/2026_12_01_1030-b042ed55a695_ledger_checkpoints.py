"""Signed checkpoints of the score ledger and the audit log, as issued

Revision ID: b042ed55a695
Revises: 8b4b9217cb2c
Create Date: 2026-12-01 09:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'b042ed55a695'
down_revision = '8b4b9217cb2c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score_entries', sa.Integer(), nullable=False),
    sa.Column('score_head', sa.String(length=64), nullable=False),
    sa.Column('audit_entries', sa.Integer(), nullable=False),
    sa.Column('audit_head', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=80), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoint'))
    )


def downgrade() -> None:
    op.drop_table('ledger_checkpoint')
