"""Fixed papers (固定试卷) and item exposure control (issue 9, "Papers")

New table fixed_item: the questions an exam admin picked for a fixed section, in order, each with
its own mark and the question version the paper was built with. blueprint_section gains ``fixed``
(server default false: every existing section is a drawn one) and its category becomes optional
(a fixed section draws from no category); on SQLite the table is rebuilt by a batch, its rows kept.
paper gains avoid_seen (server default false) and yearly_cap (null: no cap), added with ALTER TABLE
… ADD COLUMN: existing papers draw as before.

Downgrade: the older schema knows no fixed sections, so they and their items go
(``DOWNGRADE_DELETES``); drawn sections are kept as they are; the exposure settings go.

Revision ID: 6094ca2e32a4
Revises: 5b7e2c91d4a3
Create Date: 2026-11-30 22:13:16.191166
"""

from alembic import op
import sqlalchemy as sa


revision = '6094ca2e32a4'
down_revision = '5b7e2c91d4a3'
branch_labels = None
depends_on = None

DOWNGRADE_DELETES = {"blueprint_section": ({"fixed": True},)}


def upgrade() -> None:
    op.add_column('paper', sa.Column('avoid_seen', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('paper', sa.Column('yearly_cap', sa.Integer(), nullable=True))
    with op.batch_alter_table('blueprint_section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fixed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('category_id', existing_type=sa.INTEGER(), nullable=True)
    op.create_table('fixed_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.CheckConstraint('mark > 0', name=op.f('ck_fixed_item_mark_positive')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_fixed_item_question_id_question')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_fixed_item_question_version_id_question_version')),
    sa.ForeignKeyConstraint(['section_id'], ['blueprint_section.id'], name=op.f('fk_fixed_item_section_id_blueprint_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fixed_item')),
    sa.UniqueConstraint('section_id', 'position', name=op.f('uq_fixed_item_section_id_position'))
    )
    op.create_index(op.f('ix_fixed_item_question_id'), 'fixed_item', ['question_id'], unique=False)
    op.create_index(op.f('ix_fixed_item_section_id'), 'fixed_item', ['section_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_fixed_item_section_id'), table_name='fixed_item')
    op.drop_index(op.f('ix_fixed_item_question_id'), table_name='fixed_item')
    op.drop_table('fixed_item')
    op.execute(sa.text("DELETE FROM blueprint_section WHERE fixed"))
    with op.batch_alter_table('blueprint_section', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('fixed')
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_column('yearly_cap')
        batch_op.drop_column('avoid_seen')
