"""``slot_steps_after_lock(attempt, slot)``: on PostgreSQL, a slot's stored response steps read with
a snapshot of their own, so that the autosave's locking read can bring them in the same statement

An autosave must judge a change against every step of its slot committed before it got the
attempt's lock (case C-18). Under read committed a statement reads every table as it stood when the
statement began, and a statement that waited for another save's lock began before that save
committed: so the steps were read by a second statement once the lock was held (an outside trial's
finding), five round trips a save with BEGIN and COMMIT against issue 7's goal of four. A VOLATILE
function takes a fresh snapshot for each query it runs (PostgreSQL documentation, "Function
Volatility Categories"), and called in the select list of a query over a locking subquery it runs
after the lock is granted: it sees what the lock's holder committed. Not inlined (its body reads a
table), so the fresh snapshot is kept. ``services.quick_save`` calls it.

The steps come as one JSON array, oldest first (by id), each ``[writer, client_seq, superseded,
answer]``. SQLite takes its write lock before the transaction's first statement and needs no such
function. Downgrade drops it; the autosave of the previous revision does not call it.

Revision ID: db2193fd0785
Revises: c2092e613d99
Create Date: 2026-12-11 09:00:00
"""

from alembic import op

revision = 'db2193fd0785'
down_revision = 'c2092e613d99'
branch_labels = None
depends_on = None

CREATE = """CREATE FUNCTION slot_steps_after_lock(attempt integer, slot integer) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_array(s.writer, s.client_seq, s.superseded, s.answer) ORDER BY s.id),
                    '[]'::jsonb)
    FROM response_step AS s
    WHERE s.attempt_id = $1 AND s.slot = $2
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION slot_steps_after_lock(integer, integer)')
