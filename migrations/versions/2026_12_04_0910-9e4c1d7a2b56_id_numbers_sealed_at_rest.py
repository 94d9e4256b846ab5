"""ID numbers at rest: encrypted (AES-256-GCM) with a keyed lookup hash, never in clear (SEC-P5)

Upgrade seals every account's ID number with the configured key (``EXAMSVC_ID_KEY``, see
``examsvc.id_keys``), in batches, then drops the clear column; the lookup hash carries the
uniqueness the clear column had. Downgrade opens them again into the clear column. Numbers are
normalised on the way (``idnumbers.normalise``: a lower-case "x" becomes "X"), so two accounts whose
numbers differed only so stop the upgrade, naming both.

On SQLite dropping a column under a UNIQUE constraint needs the table rebuilt (batch mode; foreign
keys are off during migrations, see ``migrations/env.py``), and the rebuild loses the expression
index on ``lower(username)``, which is therefore dropped before and made again after.

Revision ID: 9e4c1d7a2b56
Revises: 9e4b2c7a1d35
Create Date: 2026-12-03 10:50:00
"""

from alembic import op
import sqlalchemy as sa

from examsvc.id_keys import vault_for_migrations

revision = '9e4c1d7a2b56'
down_revision = "9e4b2c7a1d35"
branch_labels = None
depends_on = None

#: The clear column goes only after every number in it has been sealed into the new ones.
DATA_STEPS = {"user_account.id_number": "seal_id_numbers"}
#: Rows read and written per round trip: a province's accounts (tens of thousands) in bounded memory.
BATCH_ROWS = 500

_accounts = sa.table(
    'user_account',
    sa.column('id', sa.Integer()),
    sa.column('id_number', sa.String()),
    sa.column('id_number_sealed', sa.String()),
    sa.column('id_number_lookup', sa.String()),
)


def _batches(source_column):
    """The rows (id, value) whose ``source_column`` is set, BATCH_ROWS at a time, by id."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(_accounts.c.id, source_column, _accounts.c.id_number_lookup)
                            .where(source_column.is_not(None), _accounts.c.id > last)
                            .order_by(_accounts.c.id).limit(BATCH_ROWS)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def seal_id_numbers():
    """Seals each account's clear ID number into ``id_number_sealed`` with its keyed hash in
    ``id_number_lookup`` (the clear column is dropped after). Raises RuntimeError naming the accounts
    when two numbers are one once normalised."""
    vault = vault_for_migrations()
    bind = op.get_bind()
    holders: dict[str, int] = {}
    for rows in _batches(_accounts.c.id_number):
        updates = []
        for account_id, number, _lookup in rows:
            sealed, lookup = vault.seal(number)
            if lookup in holders:
                raise RuntimeError(f"accounts {holders[lookup]} and {account_id} have the same ID number once "
                                   "normalised (a lower-case x read as X); correct one of them, then upgrade again")
            holders[lookup] = account_id
            updates.append({"account": account_id, "sealed": sealed, "lookup": lookup})
        bind.execute(_accounts.update().where(_accounts.c.id == sa.bindparam("account"))
                     .values(id_number_sealed=sa.bindparam("sealed"), id_number_lookup=sa.bindparam("lookup")),
                     updates)


def open_id_numbers():
    """Writes each account's sealed ID number back in clear into ``id_number`` (downgrade)."""
    vault = vault_for_migrations()
    bind = op.get_bind()
    for rows in _batches(_accounts.c.id_number_sealed):
        updates = [{"account": account_id, "number": vault.open(sealed, lookup)}
                   for account_id, sealed, lookup in rows]
        bind.execute(_accounts.update().where(_accounts.c.id == sa.bindparam("account"))
                     .values(id_number=sa.bindparam("number")), updates)


def upgrade() -> None:
    op.add_column('user_account', sa.Column('id_number_sealed', sa.String(length=100), nullable=True))
    op.add_column('user_account', sa.Column('id_number_lookup', sa.String(length=64), nullable=True))
    seal_id_numbers()
    op.drop_index('uq_user_account_username_lower', table_name='user_account')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_id_number', type_='unique')
        batch_op.drop_column('id_number')
        batch_op.create_unique_constraint('uq_user_account_id_number_lookup', ['id_number_lookup'])
    op.create_index('uq_user_account_username_lower', 'user_account', [sa.text('lower(username)')], unique=True)


def downgrade() -> None:
    op.add_column('user_account', sa.Column('id_number', sa.String(length=18), nullable=True))
    open_id_numbers()
    op.drop_index('uq_user_account_username_lower', table_name='user_account')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_id_number_lookup', type_='unique')
        batch_op.drop_column('id_number_lookup')
        batch_op.drop_column('id_number_sealed')
        batch_op.create_unique_constraint('uq_user_account_id_number', ['id_number'])
    op.create_index('uq_user_account_username_lower', 'user_account', [sa.text('lower(username)')], unique=True)
