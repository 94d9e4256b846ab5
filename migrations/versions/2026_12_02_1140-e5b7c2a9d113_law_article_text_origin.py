"""Law articles record the earliest article of the law they repeat word for word (text origin), so
a study list pinned to an older version counts questions carried forward to the law in force

One nullable column on law_article with an index, filled for every loaded article from the texts
already there (versions of each law in date order, texts compared normalised as the loader does).
Nothing is moved or dropped.

Revision ID: e5b7c2a9d113
Revises: c4f9a1e6b207
Create Date: 2026-12-02 10:20:00
"""

from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

from question_bank.analysis.law_changes import text_origins

revision = 'e5b7c2a9d113'
down_revision = 'c4f9a1e6b207'
branch_labels = None
depends_on = None


def _fill_origins() -> None:
    """Every existing article's origin, law by law (one read, one update per article)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT a.id, a.number, a.suffix, a.text, a.law_version_id, v.law_id FROM law_article a "
        "JOIN law_version v ON v.id = a.law_version_id ORDER BY v.law_id, v.version_date, a.position")).all()
    laws: dict[int, dict[int, list[SimpleNamespace]]] = {}
    for row in rows:
        laws.setdefault(row.law_id, {}).setdefault(row.law_version_id, []).append(
            SimpleNamespace(id=row.id, number=row.number, suffix=row.suffix, text=row.text))
    update = sa.text("UPDATE law_article SET text_origin_id = :origin WHERE id = :id")
    for versions in laws.values():
        origins = text_origins(versions.values())
        if origins:
            connection.execute(update, [{"id": a, "origin": o} for a, o in origins.items()])


def upgrade() -> None:
    # Plain ALTER TABLE, no batch rebuild: other tables reference law_article.
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a column's REFERENCES in ADD COLUMN, never a named constraint added later.
        op.execute("ALTER TABLE law_article ADD COLUMN text_origin_id INTEGER "
                   "CONSTRAINT fk_law_article_text_origin_id_law_article REFERENCES law_article (id)")
    else:
        op.add_column('law_article', sa.Column('text_origin_id', sa.Integer(), sa.ForeignKey(
            'law_article.id', name=op.f('fk_law_article_text_origin_id_law_article')), nullable=True))
    op.create_index(op.f('ix_law_article_text_origin_id'), 'law_article', ['text_origin_id'], unique=False)
    _fill_origins()


def downgrade() -> None:
    op.drop_index(op.f('ix_law_article_text_origin_id'), table_name='law_article')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_law_article_text_origin_id_law_article'), 'law_article', type_='foreignkey')
    op.drop_column('law_article', 'text_origin_id')
