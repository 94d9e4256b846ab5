"""SEC-F5: CI fails a migration whose upgrade drops a column or a table, or changes a column's
type, without an explicit data step (``revision_rules``), and the rule itself catches each kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.migrations.revision_rules import removals, unexplained
from tests.migrations.test_upgrades_keep_data import revision_chain


@pytest.mark.parametrize("revision", revision_chain(), ids=lambda r: r.revision)
def test_sec_f5_no_revision_drops_or_retypes_without_a_data_step(revision):
    assert unexplained(Path(revision.path).read_text(encoding="utf-8")) == []


REVISION = '''
from alembic import op
import sqlalchemy as sa

{steps}

def upgrade():
{body}

def downgrade():
    op.drop_table("gone")

{functions}
'''


def revision(body: str, steps: str = "", functions: str = "") -> str:
    return REVISION.format(body="\n".join("    " + line for line in body.splitlines()), steps=steps, functions=functions)


KEEP = '''
def keep_notes():
    """Copies each note into note_history before the column goes."""
    op.execute("INSERT INTO note_history SELECT id, note FROM attempt")
'''


@pytest.mark.parametrize("body, target", [
    ('op.drop_column("attempt", "note")', "attempt.note"),
    ('with op.batch_alter_table("attempt") as batch_op:\n    batch_op.drop_column("note")', "attempt.note"),
    ('op.drop_table("old_scores")', "old_scores"),
    ('op.alter_column("attempt", "score", type_=sa.Integer())', "attempt.score"),
    ('with op.batch_alter_table("attempt") as b:\n    b.alter_column("score", type_=sa.Integer())', "attempt.score"),
    ('op.execute("ALTER TABLE attempt DROP COLUMN note")', ""),
    ('op.execute("drop table old_scores")', ""),
])
def test_sec_f5_the_rule_catches_every_kind_of_removal_without_a_data_step(body, target):
    [found] = unexplained(revision(body))
    assert found.target == target and "DATA_STEPS" in found.problem


@pytest.mark.parametrize("body, module_level, target", [
    ('op.execute(f"ALTER TABLE {name} DROP COLUMN note")', 'name = "attempt"', ""),
    ("op.execute(DROP_NOTE)", 'DROP_NOTE = "ALTER TABLE attempt DROP COLUMN note"', ""),
    ('op.execute("ALTER TABLE attempt " + "DROP COLUMN note")', "", ""),
    ('op.execute(f"ALTER TABLE attempt ALTER COLUMN {c} TYPE integer")', "", ""),
    ("tidy_up()", "def tidy_up():\n    op.drop_column('attempt', 'note')", "attempt.note"),
    ("tidy_up()", "def tidy_up():\n    drop_note()\n\ndef drop_note():\n    op.drop_table('old_scores')", "old_scores"),
])
def test_sec_f5_the_rule_reads_sql_however_it_is_written_and_follows_the_functions_upgrade_calls(
        body, module_level, target):
    source = revision(body, module_level)
    [found] = unexplained(source)
    assert found.target == target and "DATA_STEPS" in found.problem
    assert found.line == source.splitlines().index("    " + body) + 1  # where upgrade() does it


def test_sec_f5_a_data_step_called_before_the_drop_satisfies_the_rule_and_nothing_less_does():
    drop = 'op.drop_column("attempt", "note")'
    steps = 'DATA_STEPS = {"attempt.note": "keep_notes"}'
    assert unexplained(revision("keep_notes()\n" + drop, steps, KEEP)) == []
    assert "before line" in unexplained(revision(drop + "\nkeep_notes()", steps, KEEP))[0].problem
    assert "does not define" in unexplained(revision("keep_notes()\n" + drop, steps))[0].problem
    undocumented = KEEP.replace('    """Copies each note into note_history before the column goes."""\n', "")
    assert "docstring" in unexplained(revision("keep_notes()\n" + drop, steps, undocumented))[0].problem


def test_sec_f5_adding_things_and_downgrades_are_not_removals():
    source = revision('op.add_column("attempt", sa.Column("note", sa.Text()))\n'
                      'op.alter_column("attempt", "note", nullable=False, existing_type=sa.Text())')
    assert removals(source) == []
