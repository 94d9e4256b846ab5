"""Questions held for law review after an amendment (law_review_flag), the law versions each attempt
tested (attempt_law_version), and the same list kept with each new score ledger entry
(score_record.law_versions)

score_record gains a nullable column by ALTER TABLE … ADD COLUMN (no table rebuild on SQLite, so
its append-only triggers stay). Existing entries keep NULL there. The column is not part of any
entry's hash, so every entry verifies as before, by this revision's rules and the older ones.

Attempts already made get their snapshot from the citations their items' versions hold now.

Downgrade: the flags and the attempts' snapshots go with their tables (held questions are drawn
again, as the older code knows no flags). The score record's column is dropped only when no entry
carries a snapshot: entries are append-only and their snapshots could not be written back, so
otherwise it stays (the older code neither reads nor writes it) and the upgrade finds it there.

Revision ID: 033d9181375b
Revises: 83df7efce17f
Create Date: 2026-12-02 09:20:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '033d9181375b'
down_revision = '83df7efce17f'
branch_labels = None
depends_on = None


BACKFILL_SNAPSHOTS = (
    "INSERT INTO attempt_law_version (attempt_id, law_version_id, items) "
    "SELECT attempt_item.attempt_id, question_citation.law_version_id, COUNT(DISTINCT attempt_item.id) "
    "FROM attempt_item JOIN question_citation "
    "ON question_citation.question_version_id = attempt_item.question_version_id "
    "WHERE question_citation.law_version_id IS NOT NULL AND question_citation.article_id IS NOT NULL "
    "GROUP BY attempt_item.attempt_id, question_citation.law_version_id"
)


def upgrade() -> None:
    op.create_table('law_review_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('citation_id', sa.Integer(), nullable=True),
    sa.Column('citation_text', sa.String(length=500), nullable=False),
    sa.Column('law_id', sa.Integer(), nullable=False),
    sa.Column('old_version_id', sa.Integer(), nullable=False),
    sa.Column('old_article_id', sa.Integer(), nullable=False),
    sa.Column('new_version_id', sa.Integer(), nullable=False),
    sa.Column('new_article_id', sa.Integer(), nullable=True),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_to_article_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['citation_id'], ['question_citation.id'], name=op.f('fk_law_review_flag_citation_id_question_citation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cleared_to_article_id'], ['law_article.id'], name=op.f('fk_law_review_flag_cleared_to_article_id_law_article')),
    sa.ForeignKeyConstraint(['law_id'], ['law.id'], name=op.f('fk_law_review_flag_law_id_law')),
    sa.ForeignKeyConstraint(['new_article_id'], ['law_article.id'], name=op.f('fk_law_review_flag_new_article_id_law_article')),
    sa.ForeignKeyConstraint(['new_version_id'], ['law_version.id'], name=op.f('fk_law_review_flag_new_version_id_law_version')),
    sa.ForeignKeyConstraint(['old_article_id'], ['law_article.id'], name=op.f('fk_law_review_flag_old_article_id_law_article')),
    sa.ForeignKeyConstraint(['old_version_id'], ['law_version.id'], name=op.f('fk_law_review_flag_old_version_id_law_version')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_law_review_flag_question_id_question')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_law_review_flag_question_version_id_question_version')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_law_review_flag_resolved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_review_flag')),
    sa.UniqueConstraint('question_version_id', 'old_article_id', 'new_version_id', name='uq_law_review_flag_once'),
    )
    with op.batch_alter_table('law_review_flag', schema=None) as batch_op:
        batch_op.create_index('ix_law_review_flag_open', ['question_id', 'question_version_id', 'outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_law_review_flag_law_id'), ['law_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_law_review_flag_new_version_id'), ['new_version_id'], unique=False)

    op.create_table('attempt_law_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('law_version_id', sa.Integer(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_attempt_law_version_attempt_id_attempt')),
    sa.ForeignKeyConstraint(['law_version_id'], ['law_version.id'], name=op.f('fk_attempt_law_version_law_version_id_law_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_law_version')),
    sa.UniqueConstraint('attempt_id', 'law_version_id', name=op.f('uq_attempt_law_version_attempt_id_law_version_id')),
    )
    with op.batch_alter_table('attempt_law_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_law_version_attempt_id'), ['attempt_id'], unique=False)
    # Attempts made before snapshots existed: the versions their items' citations point at now,
    # which nothing has re-pointed yet (re-pointing arrives with this revision).
    op.execute(BACKFILL_SNAPSHOTS)

    # Plain ALTER TABLE … ADD COLUMN (not a batch): SQLite would rebuild the table and drop its
    # triggers. Kept by a downgrade when entries carry it: then it is there already.
    if 'law_versions' not in {c['name'] for c in sa.inspect(op.get_bind()).get_columns('score_record')}:
        op.add_column('score_record', sa.Column(
            'law_versions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=True))


def downgrade() -> None:
    carrying = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM score_record WHERE law_versions IS NOT NULL")).scalar()
    if not carrying:
        # SQLite 3.35+ drops a column in place (no rebuild): the append-only triggers stay.
        op.execute('ALTER TABLE score_record DROP COLUMN law_versions')
    with op.batch_alter_table('attempt_law_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_law_version_attempt_id'))
    op.drop_table('attempt_law_version')
    with op.batch_alter_table('law_review_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_review_flag_new_version_id'))
        batch_op.drop_index(batch_op.f('ix_law_review_flag_law_id'))
        batch_op.drop_index('ix_law_review_flag_open')
    op.drop_table('law_review_flag')
