"""A make-up sitting (补考) names the sitting it makes up for (issue 9)

A table of its own rather than a column of ``sitting``: on SQLite a foreign key can only be added
to ``sitting`` by rebuilding it, which is not possible while other tables reference it.

Revision ID: b81e4c2d7a35
Revises: a7d3f0c61e28
Create Date: 2026-12-02 09:50:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'b81e4c2d7a35'
down_revision = 'a7d3f0c61e28'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'makeup_link',
        sa.Column('makeup_sitting_id', sa.Integer(), nullable=False),
        sa.Column('original_sitting_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['makeup_sitting_id'], ['sitting.id'], name=op.f('fk_makeup_link_makeup_sitting_id_sitting')),
        sa.ForeignKeyConstraint(['original_sitting_id'], ['sitting.id'], name=op.f('fk_makeup_link_original_sitting_id_sitting')),
        sa.PrimaryKeyConstraint('makeup_sitting_id', name=op.f('pk_makeup_link')),
    )
    op.create_index(op.f('ix_makeup_link_original_sitting_id'), 'makeup_link', ['original_sitting_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_makeup_link_original_sitting_id'), table_name='makeup_link')
    op.drop_table('makeup_link')
