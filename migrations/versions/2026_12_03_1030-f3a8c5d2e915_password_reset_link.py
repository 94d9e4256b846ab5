"""One-time password-reset links (issue 10): only each token's SHA-256 is stored

Revision ID: f3a8c5d2e915
Revises: 7d3e5f1a9b42
Create Date: 2026-12-03 01:00:00
"""

from alembic import op
import sqlalchemy as sa

from question_bank.db import UTCDateTime

revision = 'f3a8c5d2e915'
down_revision = '7d3e5f1a9b42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'password_reset_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_password_reset_link_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_link_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_link_token_hash')),
    )
    op.create_index(op.f('ix_password_reset_link_user_id'), 'password_reset_link', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_reset_link_user_id'), table_name='password_reset_link')
    op.drop_table('password_reset_link')
