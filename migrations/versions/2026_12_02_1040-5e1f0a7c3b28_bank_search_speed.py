"""Bank search within 300 ms on 100,000 questions: an index of the versions put into an attempt,
and on PostgreSQL an index of the one- and two-character pieces of the search text

A partial index on question_version (question_id) over the used versions only, on both databases:
the list's "used in a sitting" filter reads the questions from it instead of probing the versions of
every question in the bank. On PostgreSQL, pg_trgm draws no trigram from a query of one or two
characters, the commonest Chinese search ("听证", "罚款"), which was a scan of every version: the
function ``search_pieces`` gives the distinct characters and character pairs of a text, and a GIN
index over it on ``search_text`` finds the versions holding a given one or two characters
(``services.text_search``). Indexes and a function only: no data moves.

Revision ID: 5e1f0a7c3b28
Revises: 5b1e7c3a9d20
Create Date: 2026-12-02 10:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5e1f0a7c3b28'
down_revision = '5b1e7c3a9d20'
branch_labels = None
depends_on = None


#: Every distinct character and pair of adjacent characters of a text. IMMUTABLE (it depends on the
#: text alone), so that an index may be built on it.
SEARCH_PIECES = (
    "CREATE FUNCTION search_pieces(document text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT coalesce(array_agg(DISTINCT piece), '{}') FROM generate_series(1, length(document)) AS at, "
    "LATERAL (VALUES (substr(document, at, 1)), (substr(document, at, 2))) AS pieces(piece) $$"
)


def upgrade() -> None:
    op.create_index('ix_question_version_used', 'question_version', ['question_id'], unique=False,
                    sqlite_where=sa.text('used_at IS NOT NULL'), postgresql_where=sa.text('used_at IS NOT NULL'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SEARCH_PIECES)
        op.execute('CREATE INDEX ix_question_version_search_pieces ON question_version '
                   'USING gin (search_pieces(search_text))')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_question_version_search_pieces')
        op.execute('DROP FUNCTION search_pieces(text)')
    op.drop_index('ix_question_version_used', table_name='question_version')
