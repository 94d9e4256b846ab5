"""Fixed papers (固定试卷) and item exposure control (issue 9, "Papers")

New table fixed_item: the questions an exam admin picked for a fixed section, in order, each with
its own mark and the question version the paper was built with. blueprint_section gains ``fixed``
(server default false: every existing section is a drawn one) and its category becomes optional
(a fixed section draws from no category). On SQLite the NOT NULL is taken off by the documented
schema edit for removing a NOT NULL constraint (sqlite.org/lang_altertable.html, "Making other
kinds of table schema changes"), not by rebuilding the table: a rebuild would turn the column
constraint on study_list_id into a table constraint, which the study-list revision's downgrade
(ALTER TABLE … DROP COLUMN) cannot drop.
paper gains avoid_seen (server default false) and yearly_cap (null: no cap), added with ALTER TABLE
… ADD COLUMN: existing papers draw as before.

Downgrade: the older schema knows no fixed sections, so they and their items go
(``DOWNGRADE_DELETES``); drawn sections are kept as they are; the exposure settings go.

Revision ID: 6094ca2e32a4
Revises: e5b7c2a9d113
Create Date: 2026-11-30 22:13:16.191166
"""

import re

from alembic import op
import sqlalchemy as sa


revision = '6094ca2e32a4'
down_revision = 'e5b7c2a9d113'
branch_labels = None
depends_on = None

DOWNGRADE_DELETES = {"blueprint_section": ({"fixed": True},)}


def upgrade() -> None:
    op.add_column('paper', sa.Column('avoid_seen', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('paper', sa.Column('yearly_cap', sa.Integer(), nullable=True))
    op.add_column('blueprint_section', sa.Column('fixed', sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_category_column("category_id INTEGER NOT NULL", "category_id INTEGER")
    else:
        op.alter_column('blueprint_section', 'category_id', existing_type=sa.INTEGER(), nullable=True)
    op.create_table('fixed_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.CheckConstraint('mark > 0', name=op.f('ck_fixed_item_mark_positive')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_fixed_item_question_id_question')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_fixed_item_question_version_id_question_version')),
    sa.ForeignKeyConstraint(['section_id'], ['blueprint_section.id'], name=op.f('fk_fixed_item_section_id_blueprint_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fixed_item')),
    sa.UniqueConstraint('section_id', 'position', name=op.f('uq_fixed_item_section_id_position'))
    )
    op.create_index(op.f('ix_fixed_item_question_id'), 'fixed_item', ['question_id'], unique=False)
    op.create_index(op.f('ix_fixed_item_section_id'), 'fixed_item', ['section_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_fixed_item_section_id'), table_name='fixed_item')
    op.drop_index(op.f('ix_fixed_item_question_id'), table_name='fixed_item')
    op.drop_table('fixed_item')
    op.execute(sa.text("DELETE FROM blueprint_section WHERE fixed"))
    if op.get_bind().dialect.name == 'sqlite':
        # Every row left has a category: only fixed sections had none, and they are gone.
        _sqlite_category_column("category_id INTEGER", "category_id INTEGER NOT NULL")
    else:
        op.alter_column('blueprint_section', 'category_id', existing_type=sa.INTEGER(), nullable=False)
    op.drop_column('blueprint_section', 'fixed')
    op.drop_column('paper', 'yearly_cap')
    op.drop_column('paper', 'avoid_seen')


def _sqlite_category_column(old: str, new: str) -> None:
    """Rewrite blueprint_section's definition of category_id from ``old`` to ``new`` in SQLite's
    schema table (changing only its NOT NULL), bumping the schema version so that every
    connection reads it anew, then check the database's integrity."""
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'blueprint_section'").scalar()
    changed = re.sub(rf"\b{old}\b(?! NOT NULL)", new, table_sql, count=1)
    if changed == table_sql:
        raise RuntimeError(f"blueprint_section has no column definition {old!r}: {table_sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'blueprint_section'",
                         (changed,))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA integrity_check").scalar()
    if result != "ok":
        raise RuntimeError(f"integrity check after changing blueprint_section.category_id: {result}")
