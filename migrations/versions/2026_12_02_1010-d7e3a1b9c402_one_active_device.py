"""One active device per attempt: the page that holds it, and a log of pages opening and taking
over an attempt, with their addresses and browsers, for the proctor

Two nullable columns on attempt (no page holds an attempt in progress until its page next loads,
which then claims it) and a new insert-only table. Nothing to move. On SQLite the columns are added
and dropped with plain ALTER TABLE: a batch rebuild of ``attempt`` is not possible while other
tables reference it.

Revision ID: d7e3a1b9c402
Revises: c18a5e7d2f01
Create Date: 2026-12-02 10:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'd7e3a1b9c402'
down_revision = 'c18a5e7d2f01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('attempt', sa.Column('active_page', sa.String(length=32), nullable=True))
    op.add_column('attempt', sa.Column('active_since', sa.DateTime(timezone=True), nullable=True))
    op.create_table('device_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('page', sa.String(length=32), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('other_page', sa.String(length=32), nullable=True),
    sa.Column('other_ip', sa.String(length=45), nullable=True),
    sa.Column('other_user_agent', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_device_event_attempt_id_attempt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_event'))
    )
    with op.batch_alter_table('device_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_event_attempt_id'), ['attempt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('device_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_event_attempt_id'))
    op.drop_table('device_event')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE attempt DROP COLUMN active_since")
        op.execute("ALTER TABLE attempt DROP COLUMN active_page")
    else:
        op.drop_column('attempt', 'active_since')
        op.drop_column('attempt', 'active_page')
