"""Audit events chained by SHA-256 like the score ledger, with their own head row

Events already recorded are chained in id order by the same digest the service uses.

Downgrade: the older schema chains no events, so the hashes and the audit log's head row go
(``DOWNGRADE_DELETES``); upgrading again chains the events anew, which gives unchanged events the
hashes they had.

Revision ID: 8b4b9217cb2c
Revises: ecba2d70b1fd
Create Date: 2026-12-01 09:20:00
"""

from alembic import op
import sqlalchemy as sa

from question_bank.db import JSONDocument, UTCDateTime
from question_bank.services.audit import event_content
from question_bank.services.hashchain import GENESIS_HASH, Chain, digest

revision = '8b4b9217cb2c'
down_revision = 'ecba2d70b1fd'
branch_labels = None
depends_on = None

events = sa.table(
    'audit_event', sa.column('id', sa.Integer), sa.column('occurred_at', UTCDateTime()),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.String), sa.column('before', JSONDocument), sa.column('after', JSONDocument),
    sa.column('detail', sa.Text), sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String),
)
#: Rows the downgrade deletes, for the test that walks the migrations.
DOWNGRADE_DELETES = {"ledger_head": ({"id": int(Chain.AUDIT)},)}

heads = sa.table('ledger_head', sa.column('id', sa.Integer), sa.column('last_hash', sa.String),
                 sa.column('entry_count', sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    previous, count = GENESIS_HASH, 0
    rows = conn.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        content = event_content(row.occurred_at, row.actor_id, row.action, row.object_type, row.object_id,
                                row.before, row.after, row.detail)
        entry_hash = digest(content, previous)
        conn.execute(events.update().where(events.c.id == row.id).values(prev_hash=previous, entry_hash=entry_hash))
        previous, count = entry_hash, count + 1
    op.bulk_insert(heads, [{'id': int(Chain.AUDIT), 'last_hash': previous, 'entry_count': count}])
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_entry_hash'), ['entry_hash'])


def downgrade() -> None:
    op.execute(heads.delete().where(heads.c.id == int(Chain.AUDIT)))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_entry_hash'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
