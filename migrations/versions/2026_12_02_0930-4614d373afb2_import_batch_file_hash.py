"""An import batch keeps the SHA-256 of its file, so the same file uploaded again is recognised
before anything is written (issue 5, "the same file twice"). Batches imported before have none:
their files were never kept, so there is nothing to compute it from.

An upload held back because it repeats the bank waits in ``held_import`` for its uploader's choice
(skip the repeats, import them anyway, or drop it), so the file need not be chosen again.

A question's citations keep the words cited and the law's name whole (TEXT): they were cut to 500
and 200 characters without a word (issue 5: no field is cut to a column's length).

Revision ID: 4614d373afb2
Revises: 033d9181375b
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '4614d373afb2'
down_revision = '033d9181375b'
branch_labels = None
depends_on = None


DATA_STEPS = {"question_citation.text": "widen_citation_texts",
              "question_citation.law_title": "widen_citation_texts"}


def widen_citation_texts() -> None:
    """Nothing moves: every value the VARCHAR(500) and VARCHAR(200) columns hold fits TEXT as it is;
    the columns only stop limiting the length."""


def upgrade() -> None:
    op.add_column('import_batch', sa.Column('file_sha256', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_import_batch_file_sha256'), 'import_batch', ['file_sha256'], unique=False)
    op.create_table(
        'held_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('file_format', sa.String(length=20), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_held_import_uploaded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_held_import')),
    )
    op.create_index(op.f('ix_held_import_uploaded_by_id'), 'held_import', ['uploaded_by_id'], unique=False)
    widen_citation_texts()
    with op.batch_alter_table('question_citation') as batch:
        batch.alter_column('text', type_=sa.Text(), existing_type=sa.String(length=500), existing_nullable=False)
        batch.alter_column('law_title', type_=sa.Text(), existing_type=sa.String(length=200), existing_nullable=False)


def downgrade() -> None:
    # Held uploads are a moment's state: an uploader whose choice is lost uploads the file again.
    op.drop_index(op.f('ix_held_import_uploaded_by_id'), table_name='held_import')
    op.drop_table('held_import')
    # A text longer than the old limit makes PostgreSQL refuse this step rather than cut it.
    with op.batch_alter_table('question_citation') as batch:
        batch.alter_column('text', type_=sa.String(length=500), existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column('law_title', type_=sa.String(length=200), existing_type=sa.Text(), existing_nullable=False)
    op.drop_index(op.f('ix_import_batch_file_sha256'), table_name='import_batch')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE import_batch DROP COLUMN file_sha256")
    else:
        op.drop_column('import_batch', 'file_sha256')
