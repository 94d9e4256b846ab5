"""Proctoring: times a candidate left the exam page, voided attempts and re-opened attempts (issue 9)

Revision ID: c4f9a1e6b207
Revises: b81e4c2d7a35
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'c4f9a1e6b207'
down_revision = 'b81e4c2d7a35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'focus_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.String(length=10), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_focus_event_attempt_id_attempt')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_focus_event')),
    )
    op.create_index('ix_focus_event_attempt_time', 'focus_event', ['attempt_id', 'occurred_at'], unique=False)
    op.create_table(
        'attempt_void',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('voided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('voided_by_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_attempt_void_attempt_id_attempt')),
        sa.ForeignKeyConstraint(['voided_by_id'], ['user_account.id'], name=op.f('fk_attempt_void_voided_by_id_user_account')),
        sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_attempt_void')),
    )
    op.create_table(
        'attempt_reopening',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reopened_by_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('old_state', sa.String(length=20), nullable=False),
        sa.Column('old_finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('old_deadline', sa.DateTime(timezone=True), nullable=False),
        sa.Column('new_deadline', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_attempt_reopening_attempt_id_attempt')),
        sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'], name=op.f('fk_attempt_reopening_reopened_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_reopening')),
    )
    op.create_index(op.f('ix_attempt_reopening_attempt_id'), 'attempt_reopening', ['attempt_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_attempt_reopening_attempt_id'), table_name='attempt_reopening')
    op.drop_table('attempt_reopening')
    op.drop_table('attempt_void')
    op.drop_index('ix_focus_event_attempt_time', table_name='focus_event')
    op.drop_table('focus_event')
