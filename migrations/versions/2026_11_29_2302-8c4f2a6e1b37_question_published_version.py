"""Questions remember their last approved version, which is what papers draw

An edit of a published question waits for review without taking the question out of the sittings
that draw on it. Published questions start with their current version as the approved one.

Downgrade: the older schema has no approved version apart from the current one, so it drops the
column; a question whose edit waits for review is then, as the older code has it, out of the
sittings until approved (upgrading again finds no approved version for it).

Revision ID: 8c4f2a6e1b37
Revises: 5b1e0c7d9a21
Create Date: 2026-11-29 23:02:00
"""

from alembic import op
import sqlalchemy as sa

revision = '8c4f2a6e1b37'
down_revision = '5b1e0c7d9a21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_question_published_version', 'question_version',
                                    ['published_version_id'], ['id'])
    op.execute("UPDATE question SET published_version_id = current_version_id WHERE status = 'published'")


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint('fk_question_published_version', type_='foreignkey')
        batch_op.drop_column('published_version_id')
