"""Study lists (学法清单): lists and their versions, target units, items with their resolved
articles, each cadre's study progress, and a paper section's choice to draw from a list's laws.

Revision ID: 815187f8a22c
Revises: 4614d373afb2
Create Date: 2026-12-03 09:00:00
"""

from alembic import op

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '815187f8a22c'
down_revision = '4614d373afb2'
branch_labels = None
depends_on = None

# Dropping a column or a table, or changing a column's type, needs a data step: name it in
# DATA_STEPS = {"table.column": "function_name"} and call that function (its docstring says where the
# data goes, or why there is none) in upgrade() before the drop; tests/migrations/revision_rules.py
# fails the build otherwise. A downgrade that rewrites columns it keeps names them in
# DOWNGRADE_REWRITES = {"table": ("column",)}, and rows it deletes (data the older schema cannot
# hold) DOWNGRADE_DELETES = {"table": ({"column": value},)}. tests/migrations walks every revision
# on a populated database, down and up, on SQLite and PostgreSQL.


def upgrade() -> None:
    op.create_table('study_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('audience_note', sa.Text(), nullable=False),
    sa.Column('target_levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('coverage_threshold', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('coverage_threshold >= 0', name=op.f('ck_study_list_threshold_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_study_list_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_study_list_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_study_list_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_list')),
    sa.UniqueConstraint('family_id', 'version_no', name=op.f('uq_study_list_family_id_version_no'))
    )
    with op.batch_alter_table('study_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_list_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_list_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('study_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_list_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('law_id', sa.Integer(), nullable=False),
    sa.Column('law_version_id', sa.Integer(), nullable=False),
    sa.Column('scope_text', sa.Text(), nullable=False),
    sa.Column('scope_parts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requirement', sa.String(length=20), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('article_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('hours IS NULL OR hours >= 0', name=op.f('ck_study_item_hours_not_negative')),
    sa.ForeignKeyConstraint(['law_id'], ['law.id'], name=op.f('fk_study_item_law_id_law')),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_study_item_law_version_id_law_version')),
    sa.ForeignKeyConstraint(['study_list_id'], ['study_list.id'], name=op.f('fk_study_item_study_list_id_study_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_item')),
    sa.UniqueConstraint('study_list_id', 'position', name=op.f('uq_study_item_study_list_id_position'))
    )
    with op.batch_alter_table('study_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_item_law_id'), ['law_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_item_study_list_id'), ['study_list_id'], unique=False)

    op.create_table('study_list_unit',
    sa.Column('study_list_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_study_list_unit_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['study_list_id'], ['study_list.id'], name=op.f('fk_study_list_unit_study_list_id_study_list')),
    sa.PrimaryKeyConstraint('study_list_id', 'org_unit_id', name=op.f('pk_study_list_unit'))
    )
    op.create_table('study_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('study_item_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('studied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds_spent', sa.Integer(), nullable=False),
    sa.CheckConstraint('seconds_spent >= 0', name=op.f('ck_study_progress_seconds_not_negative')),
    sa.ForeignKeyConstraint(['study_item_id'], ['study_item.id'], name=op.f('fk_study_progress_study_item_id_study_item')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_study_progress_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_progress')),
    sa.UniqueConstraint('user_id', 'study_item_id', name=op.f('uq_study_progress_user_id_study_item_id'))
    )
    with op.batch_alter_table('study_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_progress_study_item_id'), ['study_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_progress_user_id'), ['user_id'], unique=False)

    op.create_table('study_item_article',
    sa.Column('study_item_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['law_article.id'], name=op.f('fk_study_item_article_article_id_law_article')),
    sa.ForeignKeyConstraint(['study_item_id'], ['study_item.id'], name=op.f('fk_study_item_article_study_item_id_study_item')),
    sa.PrimaryKeyConstraint('study_item_id', 'article_id', name=op.f('pk_study_item_article'))
    )
    with op.batch_alter_table('study_item_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_item_article_article_id'), ['article_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        # A batch rebuild of blueprint_section is not possible while attempt items reference it.
        op.execute("ALTER TABLE blueprint_section ADD COLUMN study_list_id INTEGER "
                   "CONSTRAINT fk_blueprint_section_study_list_id_study_list REFERENCES study_list (id)")
    else:
        op.add_column('blueprint_section', sa.Column('study_list_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_blueprint_section_study_list_id_study_list', 'blueprint_section', 'study_list',
                              ['study_list_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE blueprint_section DROP COLUMN study_list_id")
    else:
        op.drop_constraint('fk_blueprint_section_study_list_id_study_list', 'blueprint_section', type_='foreignkey')
        op.drop_column('blueprint_section', 'study_list_id')
    with op.batch_alter_table('study_item_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_item_article_article_id'))

    op.drop_table('study_item_article')
    with op.batch_alter_table('study_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_progress_user_id'))
        batch_op.drop_index(batch_op.f('ix_study_progress_study_item_id'))

    op.drop_table('study_progress')
    op.drop_table('study_list_unit')
    with op.batch_alter_table('study_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_item_study_list_id'))
        batch_op.drop_index(batch_op.f('ix_study_item_law_id'))

    op.drop_table('study_item')
    with op.batch_alter_table('study_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_list_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_study_list_family_id'))

    op.drop_table('study_list')
