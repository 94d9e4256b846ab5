"""An import batch keeps the SHA-256 of its file, so the same file uploaded again is recognised
before anything is written (issue 5, "the same file twice"). Batches imported before have none:
their files were never kept, so there is nothing to compute it from.

Revision ID: 4614d373afb2
Revises: 83df7efce17f
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '4614d373afb2'
down_revision = '83df7efce17f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('import_batch', sa.Column('file_sha256', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_import_batch_file_sha256'), 'import_batch', ['file_sha256'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_import_batch_file_sha256'), table_name='import_batch')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE import_batch DROP COLUMN file_sha256")
    else:
        op.drop_column('import_batch', 'file_sha256')
