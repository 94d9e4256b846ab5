"""Practice (练习) and the wrong-answer book (错题本): practice runs, the questions served in them
with their answers, the book's entries and the exam items taken into it; a paper can be kept out
of practice altogether (issue 11)

New tables, two indexes on ``question_citation`` (a law's or an article's citing versions in
version order, which practice walks from a random point), and one column on ``paper`` (false for every existing paper: their pools are held
out of practice only while one of their sittings is open). On SQLite the column is added and
dropped with plain ALTER TABLE: a batch rebuild of ``paper`` is not possible while other tables
reference it.

Revision ID: cc1404d3887a
Revises: 815187f8a22c
Create Date: 2026-12-03 09:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import question_bank.db

revision = 'cc1404d3887a'
down_revision = '815187f8a22c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('article_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('started_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_practice_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice'))
    )
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.create_index('ix_practice_user_started', ['user_id', 'started_at'], unique=False)

    op.create_table('wrong_answer_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('wrong_count', sa.Integer(), nullable=False),
    sa.Column('streak', sa.Integer(), nullable=False),
    sa.Column('first_wrong_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_wrong_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_practised_at', question_bank.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', question_bank.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('streak >= 0', name=op.f('ck_wrong_answer_entry_streak_nonnegative')),
    sa.CheckConstraint('wrong_count >= 1', name=op.f('ck_wrong_answer_entry_wrong_count_positive')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_wrong_answer_entry_question_id_question')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_wrong_answer_entry_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wrong_answer_entry')),
    sa.UniqueConstraint('user_id', 'question_id', name=op.f('uq_wrong_answer_entry_user_id_question_id'))
    )
    with op.batch_alter_table('wrong_answer_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wrong_answer_entry_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wrong_answer_entry_user_id'), ['user_id'], unique=False)

    op.create_table('practice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('option_order', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('served_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', question_bank.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=True),
    sa.Column('withdrawn_at', question_bank.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('correct IS NULL OR answered_at IS NOT NULL', name=op.f('ck_practice_item_correct_when_answered')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_practice_item_practice_id_practice')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_practice_item_question_id_question')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_practice_item_question_version_id_question_version')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_practice_item_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_item'))
    )
    with op.batch_alter_table('practice_item', schema=None) as batch_op:
        batch_op.create_index('ix_practice_item_practice_question', ['practice_id', 'question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_item_question_id'), ['question_id'], unique=False)
        batch_op.create_index('ix_practice_item_user_answered', ['user_id', 'answered_at'], unique=False)

    op.create_table('wrong_answer_exam_item',
    sa.Column('attempt_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_item_id'], ['attempt_item.id'], name=op.f('fk_wrong_answer_exam_item_attempt_item_id_attempt_item')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_wrong_answer_exam_item_question_id_question')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_wrong_answer_exam_item_user_id_user_account')),
    sa.PrimaryKeyConstraint('attempt_item_id', name=op.f('pk_wrong_answer_exam_item'))
    )
    with op.batch_alter_table('wrong_answer_exam_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wrong_answer_exam_item_user_id'), ['user_id'], unique=False)

    op.add_column('paper', sa.Column('practice_excluded', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_question_citation_law_version', 'question_citation', ['law_id', 'question_version_id'])
    op.create_index('ix_question_citation_article_version', 'question_citation', ['article_id', 'question_version_id'])


def downgrade() -> None:
    op.drop_index('ix_question_citation_article_version', table_name='question_citation')
    op.drop_index('ix_question_citation_law_version', table_name='question_citation')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE paper DROP COLUMN practice_excluded")
    else:
        op.drop_column('paper', 'practice_excluded')
    op.drop_table('wrong_answer_exam_item')
    op.drop_table('practice_item')
    op.drop_table('wrong_answer_entry')
    op.drop_table('practice')
