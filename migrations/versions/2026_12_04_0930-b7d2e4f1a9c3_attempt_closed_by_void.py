"""A voided attempt is in its own closed state, "closed_by_void"; the state it had closed in
("submitted" or "auto_submitted") moves to the void record, ``attempt_void.closed_state``
(issue-9 trial F7: a page still open on a voided attempt was told "already submitted", and the
candidate's list said "submitted")

``attempt.state`` is a plain String(20) on both databases, without a CHECK constraint or an enum
type, so the new value needs no change to the column. Upgrade: every void record gets the state its
attempt had, then those attempts become "closed_by_void". Downgrade maps them back to the state
kept on their void record, so the older code finds every attempt as it left it
(``DOWNGRADE_REWRITES``: the state of voided attempts), then drops the column. The score ledger is
untouched either way: its responses digest covers the state an attempt closed in
(``Attempt.closed_state``), the same before and after.

Revision ID: b7d2e4f1a9c3
Revises: 3f7a2c9e8d41
Create Date: 2026-12-04 09:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'b7d2e4f1a9c3'
down_revision = '3f7a2c9e8d41'
branch_labels = None
depends_on = None

DOWNGRADE_REWRITES = {"attempt": ("state",)}


def upgrade() -> None:
    with op.batch_alter_table('attempt_void') as batch:
        batch.add_column(sa.Column('closed_state', sa.String(length=20), nullable=True))
    op.execute("UPDATE attempt_void SET closed_state = "
               "(SELECT attempt.state FROM attempt WHERE attempt.id = attempt_void.attempt_id)")
    op.execute("UPDATE attempt SET state = 'closed_by_void' "
               "WHERE id IN (SELECT attempt_id FROM attempt_void)")
    with op.batch_alter_table('attempt_void') as batch:
        batch.alter_column('closed_state', existing_type=sa.String(length=20), nullable=False)


def downgrade() -> None:
    op.execute("UPDATE attempt SET state = "
               "(SELECT attempt_void.closed_state FROM attempt_void WHERE attempt_void.attempt_id = attempt.id) "
               "WHERE state = 'closed_by_void' AND id IN (SELECT attempt_id FROM attempt_void)")
    remaining = op.get_bind().execute(sa.text("SELECT count(*) FROM attempt WHERE state = 'closed_by_void'")).scalar()
    if remaining:
        raise RuntimeError(f"{remaining} attempt(s) are closed_by_void without a void record: the older schema "
                           "cannot say how they closed; nothing was downgraded")
    with op.batch_alter_table('attempt_void') as batch:
        batch.drop_column('closed_state')
