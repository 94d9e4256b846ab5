"""Each question version carries its category, so a change of category is reviewed like any
other change and papers draw by the approved version's category

Upgrade: every version starts with its question's category. Downgrade: the older schema keeps the
category on the question only, so the versions' own categories are dropped (upgrading again gives
every version its question's category).

Revision ID: 6e2a9c4d8f13
Revises: 3d9b7f0c2e54
Create Date: 2026-11-30 00:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = '6e2a9c4d8f13'
down_revision = '3d9b7f0c2e54'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
    op.execute("UPDATE question_version SET category_id = "
               "(SELECT question.category_id FROM question WHERE question.id = question_version.question_id)")
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_question_version_category_id'), ['category_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_question_version_category_id_category'), 'category',
                                    ['category_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_version_category_id_category'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_version_category_id'))
        batch_op.drop_column('category_id')
