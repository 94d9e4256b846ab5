"""Accounts: a password reset makes the person choose a new password at next sign-in; failed
sign-ins counted in the database for throttling when Redis is not configured (issue 10)

On SQLite the column is added and dropped with plain ALTER TABLE: a batch rebuild of
``user_account`` is not possible while other tables reference it.

Revision ID: 5b1e7c3a9d20
Revises: 5b7e2c91d4a3
Create Date: 2026-12-03 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5b1e7c3a9d20'
down_revision = '5b7e2c91d4a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                            server_default=sa.text('false')))
    op.create_table(
        'sign_in_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure')),
    )
    op.create_index('ix_sign_in_failure_key_at', 'sign_in_failure', ['key', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_sign_in_failure_occurred_at'), 'sign_in_failure', ['occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sign_in_failure_occurred_at'), table_name='sign_in_failure')
    op.drop_index('ix_sign_in_failure_key_at', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE user_account DROP COLUMN must_change_password")
    else:
        op.drop_column('user_account', 'must_change_password')
