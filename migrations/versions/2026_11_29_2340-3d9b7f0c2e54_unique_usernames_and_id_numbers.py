"""Usernames unique whatever their case, ID numbers unique

Revision ID: 3d9b7f0c2e54
Revises: 8c4f2a6e1b37
Create Date: 2026-11-29 23:40:00
"""

from alembic import op
import sqlalchemy as sa

revision = '3d9b7f0c2e54'
down_revision = '8c4f2a6e1b37'
branch_labels = None
depends_on = None


# On SQLite a batch operation rebuilds the table, so the expression index is made after it and
# dropped before it.
def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_user_account_id_number', ['id_number'])
    op.create_index('uq_user_account_username_lower', 'user_account', [sa.text('lower(username)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_user_account_username_lower', table_name='user_account')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_id_number', type_='unique')
