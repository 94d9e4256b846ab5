"""Verification codes of printed score reports, and the lookups of the public verification page
counted per client address (issue 6, "Reports")

Revision ID: 931a8f1aaab8
Revises: a91f3c7e5d20
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '931a8f1aaab8'
down_revision = 'a91f3c7e5d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('score_record_id', sa.Integer(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_report_code_attempt_id_attempt')),
        sa.ForeignKeyConstraint(['score_record_id'], ['score_record.id'], name=op.f('fk_report_code_score_record_id_score_record')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_report_code_issued_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_code')),
        sa.UniqueConstraint('code', name=op.f('uq_report_code_code')),
        sa.UniqueConstraint('attempt_id', name=op.f('uq_report_code_attempt_id')),
    )
    op.create_table(
        'verification_lookup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_lookup')),
    )
    op.create_index('ix_verification_lookup_key_at', 'verification_lookup', ['key', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_verification_lookup_occurred_at'), 'verification_lookup', ['occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_verification_lookup_occurred_at'), table_name='verification_lookup')
    op.drop_index('ix_verification_lookup_key_at', table_name='verification_lookup')
    op.drop_table('verification_lookup')
    op.drop_table('report_code')
