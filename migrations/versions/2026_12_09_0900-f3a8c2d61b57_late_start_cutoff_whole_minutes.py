"""The late-start cut-off is stored as whole minutes, never negative: ``ck_sitting_cutoff_whole_minutes``

The sittings service has always refused a cut-off below zero or not a whole number of minutes
(``sittings.validate``); the table now holds the same rule, so no batch job or hand edit can
store one the refusal message (which names the cut-off in whole minutes) would misstate.

Upgrade refuses, naming the sittings, when one already holds such a cut-off: which value was meant
is for a person to say, so nothing is rounded silently.

Revision ID: f3a8c2d61b57
Revises: 9c2f4b7d1e60
Create Date: 2026-12-09 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = "f3a8c2d61b57"
down_revision = "9c2f4b7d1e60"
branch_labels = None
depends_on = None

RULE = "late_start_cutoff_s >= 0 AND late_start_cutoff_s % 60 = 0"


def upgrade() -> None:
    wrong = op.get_bind().execute(sa.text(f"SELECT id, late_start_cutoff_s FROM sitting WHERE NOT ({RULE}) ORDER BY id")).all()
    if wrong:
        listed = ", ".join(f"sitting {row.id} ({row.late_start_cutoff_s} s)" for row in wrong)
        raise RuntimeError(f"late-start cut-offs that are negative or not whole minutes: {listed}; "
                           "set each to a whole number of minutes (0 for none) before upgrading")
    with op.batch_alter_table("sitting", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_sitting_cutoff_whole_minutes"), RULE)


def downgrade() -> None:
    with op.batch_alter_table("sitting", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sitting_cutoff_whole_minutes"), type_="check")
