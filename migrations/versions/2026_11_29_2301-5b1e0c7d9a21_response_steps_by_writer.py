"""Response steps are numbered per writer (one load of the exam page), not per attempt

Two pages of the same attempt (two tabs, a phone and a PC) each number their saves from 1, so a
save is identified by (writer, number) and ordered by arrival; ``superseded`` marks a save that
arrived after a later one of its own writer.

Revision ID: 5b1e0c7d9a21
Revises: 4407518d2500
Create Date: 2026-11-29 23:01:04
"""

from alembic import op
import sqlalchemy as sa

revision = '5b1e0c7d9a21'
down_revision = '4407518d2500'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('writer', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('superseded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint('uq_response_step_attempt_id_slot_client_seq', type_='unique')
        batch_op.create_unique_constraint('uq_response_step_attempt_id_slot_writer_client_seq',
                                          ['attempt_id', 'slot', 'writer', 'client_seq'])
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.alter_column('writer', server_default=None)
        batch_op.alter_column('superseded', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.drop_constraint('uq_response_step_attempt_id_slot_writer_client_seq', type_='unique')
        batch_op.create_unique_constraint('uq_response_step_attempt_id_slot_client_seq', ['attempt_id', 'slot', 'client_seq'])
        batch_op.drop_column('superseded')
        batch_op.drop_column('writer')
