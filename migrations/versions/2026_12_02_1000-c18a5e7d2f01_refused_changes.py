"""Changes refused as stale are kept, so a slot's history shows every attempt to change it (case C-18)

A change based on an older version of its slot than another page stored is refused and not a
response step; it is recorded here instead (insert-only). Nothing to move: no change was ever
refused before this revision. A slot's version is the number of its steps that are not
superseded, so the steps already stored need no new column.

Revision ID: c18a5e7d2f01
Revises: cc1404d3887a
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'c18a5e7d2f01'
down_revision = 'cc1404d3887a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refused_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('writer', sa.String(length=32), nullable=False),
    sa.Column('client_seq', sa.BigInteger(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('stored_version', sa.Integer(), nullable=False),
    sa.Column('answer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_refused_change_attempt_id_attempt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refused_change')),
    sa.UniqueConstraint('attempt_id', 'slot', 'writer', 'client_seq',
                        name=op.f('uq_refused_change_attempt_id_slot_writer_client_seq'))
    )
    with op.batch_alter_table('refused_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refused_change_attempt_id'), ['attempt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refused_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refused_change_attempt_id'))
    op.drop_table('refused_change')
