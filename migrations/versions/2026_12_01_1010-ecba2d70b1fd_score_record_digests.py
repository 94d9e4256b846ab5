"""Score ledger entries carry digests of the attempt's responses and marks

Entries made before this keep their hashes (the digests are left out of what those hash).

Revision ID: ecba2d70b1fd
Revises: 02da04ccadef
Create Date: 2026-12-01 09:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'ecba2d70b1fd'
down_revision = '02da04ccadef'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('score_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responses_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('marks_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('score_record', schema=None) as batch_op:
        batch_op.drop_column('marks_digest')
        batch_op.drop_column('responses_digest')
