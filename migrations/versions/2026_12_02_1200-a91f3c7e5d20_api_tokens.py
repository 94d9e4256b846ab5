"""API tokens for the read-only records API (issue 6, "Reports")

New table api_token: a name, the SHA-256 of the token (the token itself is never stored), its
first characters, scopes, the unit subtree it reads, who made it and when, expiry, revocation and
last use. Nothing existing changes. Downgrade drops the table: the older code has no records API,
so no token could be used there anyway.

Revision ID: a91f3c7e5d20
Revises: 6094ca2e32a4
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'a91f3c7e5d20'
down_revision = '6094ca2e32a4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('scopes', json_type, nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_api_token_org_unit_id_org_unit')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_api_token_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                                name=op.f('fk_api_token_revoked_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    op.create_index(op.f('ix_api_token_org_unit_id'), 'api_token', ['org_unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_api_token_org_unit_id'), table_name='api_token')
    op.drop_table('api_token')
