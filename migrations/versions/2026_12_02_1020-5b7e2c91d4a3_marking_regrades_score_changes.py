"""Marking by people, regrades and four-eyes score changes (issue 6, "Marking and regrades")

New tables: manual_mark (each marker's mark and comment per round), regrade and regrade_change
(what a regrade did, with each attempt's old and new total), score_change (a proposed manual change
and its decision). Sitting gains second_marking and marking_tolerance, added with ALTER TABLE … ADD
COLUMN and server defaults (no rebuild of ``sitting`` on SQLite; existing sittings keep single
marking).

Downgrade: the new tables go with what they hold (the older code knows no manual marks beyond the
``mark`` rows, which stay, nor regrades; their ledger entries stay too); the two sitting columns
are dropped.

Revision ID: 5b7e2c91d4a3
Revises: d7e3a1b9c402
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5b7e2c91d4a3'
down_revision = 'd7e3a1b9c402'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sitting', sa.Column('second_marking', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('sitting', sa.Column('marking_tolerance', sa.Numeric(precision=6, scale=2), server_default='0',
                                       nullable=False))
    op.create_table('manual_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('round BETWEEN 1 AND 3', name=op.f('ck_manual_mark_round_known')),
    sa.CheckConstraint('score >= 0', name=op.f('ck_manual_mark_score_nonnegative')),
    sa.ForeignKeyConstraint(['attempt_item_id'], ['attempt_item.id'], name=op.f('fk_manual_mark_attempt_item_id_attempt_item')),
    sa.ForeignKeyConstraint(['marker_id'], ['user_account.id'], name=op.f('fk_manual_mark_marker_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_mark')),
    sa.UniqueConstraint('attempt_item_id', 'marker_id', name=op.f('uq_manual_mark_attempt_item_id_marker_id')),
    sa.UniqueConstraint('attempt_item_id', 'round', name=op.f('uq_manual_mark_attempt_item_id_round'))
    )
    op.create_index(op.f('ix_manual_mark_attempt_item_id'), 'manual_mark', ['attempt_item_id'], unique=False)
    op.create_index(op.f('ix_manual_mark_marker_id'), 'manual_mark', ['marker_id'], unique=False)
    op.create_table('regrade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key_version_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user_account.id'], name=op.f('fk_regrade_applied_by_id_user_account')),
    sa.ForeignKeyConstraint(['key_version_id'], ['question_version.id'], name=op.f('fk_regrade_key_version_id_question_version')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_regrade_question_id_question')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sitting.id'], name=op.f('fk_regrade_sitting_id_sitting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regrade'))
    )
    op.create_index(op.f('ix_regrade_question_id'), 'regrade', ['question_id'], unique=False)
    op.create_index(op.f('ix_regrade_sitting_id'), 'regrade', ['sitting_id'], unique=False)
    op.create_table('regrade_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regrade_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('old_score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('new_score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('old_max', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('new_max', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('old_passed', sa.Boolean(), nullable=True),
    sa.Column('new_passed', sa.Boolean(), nullable=True),
    sa.Column('score_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_regrade_change_attempt_id_attempt')),
    sa.ForeignKeyConstraint(['regrade_id'], ['regrade.id'], name=op.f('fk_regrade_change_regrade_id_regrade')),
    sa.ForeignKeyConstraint(['score_record_id'], ['score_record.id'], name=op.f('fk_regrade_change_score_record_id_score_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regrade_change')),
    sa.UniqueConstraint('regrade_id', 'attempt_id', name=op.f('uq_regrade_change_regrade_id_attempt_id'))
    )
    op.create_index(op.f('ix_regrade_change_attempt_id'), 'regrade_change', ['attempt_id'], unique=False)
    op.create_index(op.f('ix_regrade_change_regrade_id'), 'regrade_change', ['regrade_id'], unique=False)
    op.create_table('score_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_item_id', sa.Integer(), nullable=False),
    sa.Column('old_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('new_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> proposed_by_id', name=op.f('ck_score_change_four_eyes')),
    sa.CheckConstraint('new_score >= 0', name=op.f('ck_score_change_new_score_nonnegative')),
    sa.ForeignKeyConstraint(['attempt_item_id'], ['attempt_item.id'], name=op.f('fk_score_change_attempt_item_id_attempt_item')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_score_change_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_score_change_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_change'))
    )
    op.create_index(op.f('ix_score_change_attempt_item_id'), 'score_change', ['attempt_item_id'], unique=False)
    op.create_index('uq_score_change_one_open', 'score_change', ['attempt_item_id'], unique=True,
                    sqlite_where=sa.text("state = 'proposed'"), postgresql_where=sa.text("state = 'proposed'"))


def downgrade() -> None:
    op.drop_index('uq_score_change_one_open', table_name='score_change',
                  sqlite_where=sa.text("state = 'proposed'"), postgresql_where=sa.text("state = 'proposed'"))
    op.drop_index(op.f('ix_score_change_attempt_item_id'), table_name='score_change')
    op.drop_table('score_change')
    op.drop_index(op.f('ix_regrade_change_regrade_id'), table_name='regrade_change')
    op.drop_index(op.f('ix_regrade_change_attempt_id'), table_name='regrade_change')
    op.drop_table('regrade_change')
    op.drop_index(op.f('ix_regrade_sitting_id'), table_name='regrade')
    op.drop_index(op.f('ix_regrade_question_id'), table_name='regrade')
    op.drop_table('regrade')
    op.drop_index(op.f('ix_manual_mark_marker_id'), table_name='manual_mark')
    op.drop_index(op.f('ix_manual_mark_attempt_item_id'), table_name='manual_mark')
    op.drop_table('manual_mark')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE sitting DROP COLUMN marking_tolerance")
        op.execute("ALTER TABLE sitting DROP COLUMN second_marking")
    else:
        op.drop_column('sitting', 'marking_tolerance')
        op.drop_column('sitting', 'second_marking')
