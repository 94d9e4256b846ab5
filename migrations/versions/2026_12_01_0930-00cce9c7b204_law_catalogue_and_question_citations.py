"""The law catalogue (laws, versions, their history, headings and articles), the law_admin role,
and the citations each question version's legal basis resolves to

Downgrade: the catalogue and the citations go with their tables (the legal basis each question
version states stays, as text), and so does every grant of the law_admin role, which the older
code does not know (``DOWNGRADE_DELETES``).

Revision ID: 00cce9c7b204
Revises: a7c3e5f19b20
Create Date: 2026-11-30 18:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '00cce9c7b204'
down_revision = 'a7c3e5f19b20'
branch_labels = None
depends_on = None

#: Rows the downgrade deletes, for the test that walks the migrations.
DOWNGRADE_DELETES = {"user_role": ({"role": "law_admin"},)}


def upgrade() -> None:
    op.create_table('law',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_key', sa.String(length=200), nullable=False),
    sa.Column('short_title', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('aliases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('repealed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law')),
    sa.UniqueConstraint('title', name=op.f('uq_law_title')),
    sa.UniqueConstraint('title_key', name=op.f('uq_law_title_key'))
    )
    op.create_table('law_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_id', sa.Integer(), nullable=False),
    sa.Column('version_date', sa.Date(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('text_digest', sa.String(length=64), nullable=False),
    sa.Column('article_count', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('loaded_by_id', sa.Integer(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['law_id'], ['law.id'], name=op.f('fk_law_version_law_id_law')),
    sa.ForeignKeyConstraint(['loaded_by_id'], ['user_account.id'], name=op.f('fk_law_version_loaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_version')),
    sa.UniqueConstraint('law_id', 'version_date', name=op.f('uq_law_version_law_id_version_date'))
    )
    with op.batch_alter_table('law_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_version_law_id'), ['law_id'], unique=False)

    op.create_table('law_heading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=50), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('first_article', sa.Integer(), nullable=True),
    sa.Column('last_article', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_law_heading_law_version_id_law_version')),
    sa.ForeignKeyConstraint(['parent_id'], ['law_heading.id'], name=op.f('fk_law_heading_parent_id_law_heading')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_heading')),
    sa.UniqueConstraint('law_version_id', 'address', name=op.f('uq_law_heading_law_version_id_address')),
    sa.UniqueConstraint('law_version_id', 'position', name=op.f('uq_law_heading_law_version_id_position'))
    )
    with op.batch_alter_table('law_heading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_heading_law_version_id'), ['law_version_id'], unique=False)

    op.create_table('law_history_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_law_history_event_law_version_id_law_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_history_event')),
    sa.UniqueConstraint('law_version_id', 'position', name=op.f('uq_law_history_event_law_version_id_position'))
    )
    with op.batch_alter_table('law_history_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_history_event_law_version_id'), ['law_version_id'], unique=False)

    op.create_table('law_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('suffix', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('heading_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('items_per_paragraph', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['heading_id'], ['law_heading.id'], name=op.f('fk_law_article_heading_id_law_heading')),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_law_article_law_version_id_law_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_article')),
    sa.UniqueConstraint('law_version_id', 'number', 'suffix', name=op.f('uq_law_article_law_version_id_number_suffix')),
    sa.UniqueConstraint('law_version_id', 'position', name=op.f('uq_law_article_law_version_id_position'))
    )
    with op.batch_alter_table('law_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_article_heading_id'), ['heading_id'], unique=False)

    op.create_table('question_citation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('law_title', sa.String(length=200), nullable=False),
    sa.Column('named_year', sa.Integer(), nullable=True),
    sa.Column('article_number', sa.Integer(), nullable=True),
    sa.Column('article_suffix', sa.Integer(), nullable=False),
    sa.Column('paragraph', sa.Integer(), nullable=True),
    sa.Column('item', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('law_id', sa.Integer(), nullable=True),
    sa.Column('law_version_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['law_article.id'], name=op.f('fk_question_citation_article_id_law_article')),
    sa.ForeignKeyConstraint(['law_id'], ['law.id'], name=op.f('fk_question_citation_law_id_law')),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_question_citation_law_version_id_law_version')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_question_citation_question_version_id_question_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_citation'))
    )
    with op.batch_alter_table('question_citation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_citation_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_citation_law_id'), ['law_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_citation_law_version_id'), ['law_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_citation_question_version_id'), ['question_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_citation_status'), ['status'], unique=False)



def downgrade() -> None:
    # The role goes with the catalogue it keeps: older code does not know it.
    op.execute("DELETE FROM user_role WHERE role = 'law_admin'")
    with op.batch_alter_table('question_citation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_citation_status'))
        batch_op.drop_index(batch_op.f('ix_question_citation_question_version_id'))
        batch_op.drop_index(batch_op.f('ix_question_citation_law_version_id'))
        batch_op.drop_index(batch_op.f('ix_question_citation_law_id'))
        batch_op.drop_index(batch_op.f('ix_question_citation_article_id'))

    op.drop_table('question_citation')
    with op.batch_alter_table('law_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_article_heading_id'))

    op.drop_table('law_article')
    with op.batch_alter_table('law_history_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_history_event_law_version_id'))

    op.drop_table('law_history_event')
    with op.batch_alter_table('law_heading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_heading_law_version_id'))

    op.drop_table('law_heading')
    with op.batch_alter_table('law_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_version_law_id'))

    op.drop_table('law_version')
    op.drop_table('law')
