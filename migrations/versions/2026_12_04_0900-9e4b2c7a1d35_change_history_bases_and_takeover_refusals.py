"""The answer history shows the base version of every taken change, and the saves refused because
another page had taken the attempt over, with their reason (issue-9 trial)

Revision ID: 9e4b2c7a1d35
Revises: 5c2e8b7d41a6
Create Date: 2026-12-04 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '9e4b2c7a1d35'
down_revision = '5c2e8b7d41a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: steps stored before bases were kept have none, and the history says so.
    with op.batch_alter_table('response_step') as batch:
        batch.add_column(sa.Column('base_version', sa.Integer(), nullable=True))
    # Every refusal stored before was a stale one. A change refused while another page held the
    # attempt may be refused as stale later (after a take-back): one row per reason.
    with op.batch_alter_table('refused_change') as batch:
        batch.add_column(sa.Column('reason', sa.String(length=20), nullable=False, server_default='stale'))
        batch.drop_constraint('uq_refused_change_attempt_id_slot_writer_client_seq', type_='unique')
        batch.create_unique_constraint('uq_refused_change_attempt_id_slot_writer_client_seq_reason',
                                       ['attempt_id', 'slot', 'writer', 'client_seq', 'reason'])


def downgrade() -> None:
    op.execute("DELETE FROM refused_change WHERE reason <> 'stale'")
    with op.batch_alter_table('refused_change') as batch:
        batch.drop_constraint('uq_refused_change_attempt_id_slot_writer_client_seq_reason', type_='unique')
        batch.create_unique_constraint('uq_refused_change_attempt_id_slot_writer_client_seq',
                                       ['attempt_id', 'slot', 'writer', 'client_seq'])
        batch.drop_column('reason')
    with op.batch_alter_table('response_step') as batch:
        batch.drop_column('base_version')
