"""A sitting may ask for an access code and allow only some networks; wrong codes are counted in
the database to throttle guessing (issue 9)

On SQLite the columns are added and dropped with plain ALTER TABLE: a batch rebuild of ``sitting``
is not possible while other tables reference it.

Revision ID: a7d3f0c61e28
Revises: 5c1e7a2b9d04
Create Date: 2026-12-02 09:40:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a7d3f0c61e28'
down_revision = '5c1e7a2b9d04'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sitting', sa.Column('access_code_hash', sa.String(length=255), nullable=True))
    op.add_column('sitting', sa.Column('allowed_networks', sa.Text(), nullable=True))
    op.create_table(
        'access_code_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('client_ip', sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(['sitting_id'], ['sitting.id'], name=op.f('fk_access_code_failure_sitting_id_sitting')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_access_code_failure_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code_failure')),
    )
    op.create_index('ix_access_code_failure_lookup', 'access_code_failure', ['sitting_id', 'user_id', 'failed_at'])


def downgrade() -> None:
    op.drop_index('ix_access_code_failure_lookup', table_name='access_code_failure')
    op.drop_table('access_code_failure')
    for column in ('allowed_networks', 'access_code_hash'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f"ALTER TABLE sitting DROP COLUMN {column}")
        else:
            op.drop_column('sitting', column)
