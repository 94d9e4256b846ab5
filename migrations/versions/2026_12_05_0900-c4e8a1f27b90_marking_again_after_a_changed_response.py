"""Marking again after a re-opened attempt's response changed: ``manual_mark.marking`` and a mark without points

A short answer marked by people whose text the candidate changed after a proctor re-opened the
attempt goes back to the marking queue (issue 6, outside trial). Its earlier marks stay as history:

- ``mark.score`` may be NULL: such a row sets the marks before it aside, and the item awaits
  marking again;
- ``manual_mark.marking`` (1 for every existing row) numbers the markings of an item's response,
  and a round, or a marker, is unique within one marking instead of within the item, so the new
  text is marked in rounds 1–3 again.

No data is removed. Downgrade refuses once a mark without points, or a second marking, exists:
the old constraints could not hold them.

Revision ID: c4e8a1f27b90
Revises: 6d2a9c4e7b13
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = "c4e8a1f27b90"
down_revision = "6d2a9c4e7b13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mark", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Numeric(precision=6, scale=2), nullable=True)
    with op.batch_alter_table("manual_mark", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marking", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_constraint("uq_manual_mark_attempt_item_id_marker_id", type_="unique")
        batch_op.drop_constraint("uq_manual_mark_attempt_item_id_round", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_manual_mark_attempt_item_id_marking_round"),
                                          ["attempt_item_id", "marking", "round"])
        batch_op.create_unique_constraint(op.f("uq_manual_mark_attempt_item_id_marking_marker_id"),
                                          ["attempt_item_id", "marking", "marker_id"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM mark WHERE score IS NULL")).scalar() or \
            bind.execute(sa.text("SELECT count(*) FROM manual_mark WHERE marking <> 1")).scalar():
        raise RuntimeError("marks set aside after a changed response exist: downgrading would lose them")
    with op.batch_alter_table("manual_mark", schema=None) as batch_op:
        batch_op.drop_constraint("uq_manual_mark_attempt_item_id_marking_marker_id", type_="unique")
        batch_op.drop_constraint("uq_manual_mark_attempt_item_id_marking_round", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_manual_mark_attempt_item_id_marker_id"),
                                          ["attempt_item_id", "marker_id"])
        batch_op.create_unique_constraint(op.f("uq_manual_mark_attempt_item_id_round"), ["attempt_item_id", "round"])
        batch_op.drop_column("marking")
    with op.batch_alter_table("mark", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Numeric(precision=6, scale=2), nullable=False)
