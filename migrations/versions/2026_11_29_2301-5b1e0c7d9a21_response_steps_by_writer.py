"""Response steps are numbered per writer (one load of the exam page), not per attempt

Two pages of the same attempt (two tabs, a phone and a PC) each number their saves from 1, so a
save is identified by (writer, number) and ordered by arrival; ``superseded`` marks a save that
arrived after a later one of its own writer.

Data steps. Upgrade: the steps already stored came from one page each, whose response was the
step with the highest number, so a step is marked superseded where a step with a higher number of
the same slot arrived before it. Downgrade: the older schema numbers a slot's saves, not a page's,
and takes the highest number for the response; every slot's steps are numbered again in an order
that keeps the response it has now on top (superseded steps first, then by arrival), so that
submitted steps (numbered 1 by every page) fit the older unique number. The upgrade after it
finds the same superseded steps again; what is lost is each step's page and its own number
(``DOWNGRADE_REWRITES``).

Revision ID: 5b1e0c7d9a21
Revises: 4407518d2500
Create Date: 2026-11-29 23:01:04
"""

from alembic import op
import sqlalchemy as sa

revision = '5b1e0c7d9a21'
down_revision = '4407518d2500'
branch_labels = None
depends_on = None

#: Columns the downgrade rewrites (not only drops), for the test that walks the migrations.
DOWNGRADE_REWRITES = {"response_step": ("client_seq",)}

_steps = sa.table("response_step", sa.column("id", sa.Integer), sa.column("attempt_id", sa.Integer),
                  sa.column("slot", sa.Integer), sa.column("client_seq", sa.Integer),
                  sa.column("superseded", sa.Boolean))


def upgrade() -> None:
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('writer', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('superseded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint('uq_response_step_attempt_id_slot_client_seq', type_='unique')
        batch_op.create_unique_constraint('uq_response_step_attempt_id_slot_writer_client_seq',
                                          ['attempt_id', 'slot', 'writer', 'client_seq'])
    mark_superseded_steps()
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.alter_column('writer', server_default=None)
        batch_op.alter_column('superseded', server_default=None)


def mark_superseded_steps() -> None:
    """A step is superseded where a step of its slot with a higher number arrived before it."""
    earlier = _steps.alias("earlier")
    op.execute(_steps.update().where(sa.exists().where(
        earlier.c.attempt_id == _steps.c.attempt_id, earlier.c.slot == _steps.c.slot,
        earlier.c.client_seq > _steps.c.client_seq, earlier.c.id < _steps.c.id,
    )).values(superseded=True))


def downgrade() -> None:
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.drop_constraint('uq_response_step_attempt_id_slot_writer_client_seq', type_='unique')
    number_steps_per_slot()
    with op.batch_alter_table('response_step', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_response_step_attempt_id_slot_client_seq', ['attempt_id', 'slot', 'client_seq'])
        batch_op.drop_column('superseded')
        batch_op.drop_column('writer')


def number_steps_per_slot() -> None:
    """Number each slot's steps 1, 2, … with superseded ones first and the rest by arrival, so the
    step that is the response now carries the highest number, as the older schema reads it."""
    numbered = sa.select(
        _steps.c.id,
        sa.func.row_number().over(partition_by=(_steps.c.attempt_id, _steps.c.slot),
                                  order_by=(_steps.c.superseded.desc(), _steps.c.id)).label("number"),
    ).subquery("numbered")
    op.execute(_steps.update().values(
        client_seq=sa.select(numbered.c.number).where(numbered.c.id == _steps.c.id).scalar_subquery()))
