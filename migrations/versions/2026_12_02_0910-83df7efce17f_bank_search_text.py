"""Bank search reads a folded copy of each version's stem and options and of its legal basis (full
and half width, Chinese and ASCII punctuation, space), indexed by trigrams on PostgreSQL

On PostgreSQL the pg_trgm extension is created (a trusted extension: the database owner may) and
GIN trigram indexes serve substring search (``LIKE '%…%'``). On SQLite an FTS5 table with the
trigram tokenizer indexes both columns (external content: no copy of the text), with its
vocabulary table and triggers that keep it in step with question_version
(``question_bank.services.text_search``). A later revision that rebuilds question_version on
SQLite must create the triggers again. The list's default order (last changed) the author
filter and the search (from a version found to its question) get plain indexes on both.

Revision ID: 83df7efce17f
Revises: 62165f5a6551
Create Date: 2026-12-02 09:10:00
"""

from alembic import op
import sqlalchemy as sa

from question_bank.text import search_basis, search_document

revision = '83df7efce17f'
down_revision = '62165f5a6551'
branch_labels = None
depends_on = None

CHUNK = 1000

#: SQLite's index: the FTS5 trigram table over both folded columns (detail=none: substring tests
#: need no positions, and the LIKE that FTS5 answers is checked against the text), its vocabulary,
#: filled from the rows already there, and the triggers that keep it in step.
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE question_search USING fts5(search_text, search_basis, content='question_version', "
    "content_rowid='id', tokenize='trigram', detail='none')",
    "INSERT INTO question_search(question_search) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE question_search_terms USING fts5vocab(question_search, 'row')",
    "CREATE TRIGGER question_version_search_insert AFTER INSERT ON question_version BEGIN "
    "INSERT INTO question_search(rowid, search_text, search_basis) VALUES (new.id, new.search_text, new.search_basis); "
    "END",
    "CREATE TRIGGER question_version_search_delete AFTER DELETE ON question_version BEGIN "
    "INSERT INTO question_search(question_search, rowid, search_text, search_basis) "
    "VALUES ('delete', old.id, old.search_text, old.search_basis); END",
    "CREATE TRIGGER question_version_search_update AFTER UPDATE OF search_text, search_basis ON question_version "
    "BEGIN INSERT INTO question_search(question_search, rowid, search_text, search_basis) "
    "VALUES ('delete', old.id, old.search_text, old.search_basis); "
    "INSERT INTO question_search(rowid, search_text, search_basis) VALUES (new.id, new.search_text, new.search_basis); "
    "END",
]

versions = sa.table(
    'question_version', sa.column('id', sa.Integer), sa.column('stem', sa.Text), sa.column('options', sa.JSON),
    sa.column('legal_basis', sa.Text), sa.column('search_text', sa.Text), sa.column('search_basis', sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table('question_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('search_basis', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(versions.c.id, versions.c.stem, versions.c.options, versions.c.legal_basis)
                            .where(versions.c.id > last).order_by(versions.c.id).limit(CHUNK)).all()
        if not rows:
            break
        bind.execute(versions.update().where(versions.c.id == sa.bindparam('vid')).values(
            search_text=sa.bindparam('text'), search_basis=sa.bindparam('basis')),
            [{'vid': vid, 'text': search_document(stem, options or []), 'basis': search_basis(basis or '')}
             for vid, stem, options, basis in rows])
        last = rows[-1][0]
    op.create_index(op.f('ix_question_updated_at'), 'question', ['updated_at'], unique=False)
    op.create_index(op.f('ix_question_author_id'), 'question', ['author_id'], unique=False)
    op.create_index(op.f('ix_question_current_version_id'), 'question', ['current_version_id'], unique=False)
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE_INDEX:
            op.execute(statement)
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_question_version_search_text_trgm ON question_version '
                   'USING gin (search_text gin_trgm_ops)')
        op.execute('CREATE INDEX ix_question_version_search_basis_trgm ON question_version '
                   'USING gin (search_basis gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('question_version_search_insert', 'question_version_search_delete',
                     'question_version_search_update'):
            op.execute(f'DROP TRIGGER {name}')
        op.execute('DROP TABLE question_search_terms')
        op.execute('DROP TABLE question_search')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_question_version_search_basis_trgm')
        op.execute('DROP INDEX ix_question_version_search_text_trgm')
        # The extension stays: other databases objects may use it, and it costs nothing unused.
    op.drop_index(op.f('ix_question_current_version_id'), table_name='question')
    op.drop_index(op.f('ix_question_author_id'), table_name='question')
    op.drop_index(op.f('ix_question_updated_at'), table_name='question')
    op.drop_column('question_version', 'search_basis')
    op.drop_column('question_version', 'search_text')
