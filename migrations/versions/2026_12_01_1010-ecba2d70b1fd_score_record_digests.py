"""Score ledger entries carry digests of the attempt's responses and marks

Entries made before this keep their hashes (the digests are left out of what those hash).

Downgrade. The older schema's ledger hashes no digests, so its verify would find the first entry
that carries them, and every entry after it, broken. When there are such entries, the ledger must
verify first (a broken one stops the downgrade, naming it: chaining again would hide the break);
then the digests stay where they are (the older code neither reads nor writes them), each entry's
place in the chain as made with them is kept beside it (``digest_chain_prev_hash``,
``digest_chain_entry_hash``), and the ledger is chained again by the older rule, its head row moved
to match (``DOWNGRADE_REWRITES``). Without such entries the digest columns are dropped.

Upgrade after such a downgrade. The ledger must verify by the older rule first (an entry changed
while the database was downgraded stops the upgrade, naming it); then every kept entry gets its
hashes back, so that a checkpoint made before the downgrade holds again, entries recorded while
downgraded are chained after them, and the kept columns go (``DATA_STEPS``).

Revision ID: ecba2d70b1fd
Revises: 02da04ccadef
Create Date: 2026-12-01 09:10:00
"""

from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

from question_bank.db import Points, UTCDateTime
from question_bank.services.hashchain import GENESIS_HASH, Chain, ChainPoint, digest, walk
from question_bank.services.ledger import entry_content

revision = 'ecba2d70b1fd'
down_revision = '02da04ccadef'
branch_labels = None
depends_on = None

DATA_STEPS = {"score_record.digest_chain_prev_hash": "restore_digest_chain",
              "score_record.digest_chain_entry_hash": "restore_digest_chain"}
#: Columns the downgrade rewrites (not only drops), for the test that walks the migrations.
DOWNGRADE_REWRITES = {"score_record": ("prev_hash", "entry_hash"), "ledger_head": ("last_hash",)}

records = sa.table(
    'score_record', sa.column('id', sa.Integer), sa.column('attempt_id', sa.Integer),
    sa.column('sitting_id', sa.Integer), sa.column('user_id', sa.Integer), sa.column('score', Points()),
    sa.column('max_score', Points()), sa.column('band', sa.String), sa.column('passed', sa.Boolean),
    sa.column('reason', sa.Text), sa.column('actor_id', sa.Integer), sa.column('recorded_at', UTCDateTime()),
    sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String),
    sa.column('responses_digest', sa.String), sa.column('marks_digest', sa.String),
    sa.column('digest_chain_prev_hash', sa.String), sa.column('digest_chain_entry_hash', sa.String),
)
heads = sa.table('ledger_head', sa.column('id', sa.Integer), sa.column('last_hash', sa.String),
                 sa.column('entry_count', sa.Integer))
_CONTENT = ('id', 'attempt_id', 'sitting_id', 'user_id', 'score', 'max_score', 'band', 'passed', 'reason',
            'actor_id', 'recorded_at', 'prev_hash', 'entry_hash')


def upgrade() -> None:
    present = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('score_record')}
    if 'responses_digest' not in present:
        with op.batch_alter_table('score_record', schema=None) as batch_op:
            batch_op.add_column(sa.Column('responses_digest', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('marks_digest', sa.String(length=64), nullable=True))
    if 'digest_chain_entry_hash' in present:
        restore_digest_chain()
        with op.batch_alter_table('score_record', schema=None) as batch_op:
            batch_op.drop_column('digest_chain_entry_hash')
            batch_op.drop_column('digest_chain_prev_hash')


def downgrade() -> None:
    carrying = op.get_bind().execute(sa.select(sa.func.count()).select_from(records).where(
        sa.or_(records.c.responses_digest.is_not(None), records.c.marks_digest.is_not(None)))).scalar()
    if carrying:
        keep_digest_chain()
        return
    with op.batch_alter_table('score_record', schema=None) as batch_op:
        batch_op.drop_column('marks_digest')
        batch_op.drop_column('responses_digest')


def _rows(*extra: str) -> list:
    columns = [records.c[name] for name in _CONTENT + extra]
    return op.get_bind().execute(sa.select(*columns).order_by(records.c.id)).all()


def _content(row, with_digests: bool) -> dict:
    """The entry's hashed content by the newer rule (its digests, where it has them) or the older (none)."""
    values = {name: row._mapping.get(name) for name in _CONTENT}
    digests = {name: row._mapping.get(name) if with_digests else None for name in ('responses_digest', 'marks_digest')}
    return entry_content(SimpleNamespace(**values, **digests))


def _require_intact(rows: list, with_digests: bool, when: str) -> None:
    """Stop unless the ledger verifies by the rule in force (RuntimeError naming the break)."""
    found = op.get_bind().execute(sa.select(heads.c.entry_count, heads.c.last_hash)
                                  .where(heads.c.id == int(Chain.SCORES))).one()
    check = walk(((row.id, _content(row, with_digests), row.prev_hash, row.entry_hash) for row in rows),
                 ChainPoint(found.entry_count, found.last_hash))
    if not check.ok or check.entries != found.entry_count:
        raise RuntimeError(f"the score ledger does not verify, so it is not chained again {when}: "
                           f"{check.reason or 'the head row counts other entries'}. Find out why first "
                           "(flask --app wsgi verify-ledger).")


def _store_chain(links: list[tuple[int, str, str, str, str]]) -> None:
    """Write (id, old prev, old hash, new prev, new hash) where they differ, and the head row."""
    bind = op.get_bind()
    for entry_id, old_prev, old_hash, prev_hash, entry_hash in links:
        if (old_prev, old_hash) != (prev_hash, entry_hash):
            bind.execute(records.update().where(records.c.id == entry_id)
                         .values(prev_hash=prev_hash, entry_hash=entry_hash))
    tip = links[-1][4] if links else GENESIS_HASH
    bind.execute(heads.update().where(heads.c.id == int(Chain.SCORES)).values(last_hash=tip, entry_count=len(links)))


def keep_digest_chain() -> None:
    """Downgrade's data step: nothing is dropped. The digests stay in their columns, each entry's
    prev_hash and entry_hash are copied into digest_chain_prev_hash and digest_chain_entry_hash,
    and the ledger is chained again by the older rule (no digests), so that the older code's verify
    holds; the upgrade puts the kept hashes back."""
    rows = _rows('responses_digest', 'marks_digest')
    _require_intact(rows, with_digests=True, when="for the older schema")
    with op.batch_alter_table('score_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_chain_prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('digest_chain_entry_hash', sa.String(length=64), nullable=True))
    op.execute(records.update().values(digest_chain_prev_hash=records.c.prev_hash,
                                       digest_chain_entry_hash=records.c.entry_hash))
    links, previous = [], GENESIS_HASH
    for row in rows:
        entry_hash = digest(_content(row, with_digests=False), previous)
        links.append((row.id, row.prev_hash, row.entry_hash, previous, entry_hash))
        previous = entry_hash
    _store_chain(links)


def restore_digest_chain() -> None:
    """Upgrade's data step after a downgrade that kept the digests: every entry that was in the
    ledger then gets back the prev_hash and entry_hash it was chained with, digests included, from
    digest_chain_prev_hash and digest_chain_entry_hash (which then go: nothing else is in them);
    entries recorded while downgraded (without digests) are chained after them."""
    rows = _rows('responses_digest', 'marks_digest', 'digest_chain_prev_hash', 'digest_chain_entry_hash')
    _require_intact(rows, with_digests=False, when="with the digests")
    links, previous = [], GENESIS_HASH
    for row in rows:
        if row.digest_chain_entry_hash is not None:
            prev_hash, entry_hash = row.digest_chain_prev_hash, row.digest_chain_entry_hash
        else:
            prev_hash, entry_hash = previous, digest(_content(row, with_digests=True), previous)
        links.append((row.id, row.prev_hash, row.entry_hash, prev_hash, entry_hash))
        previous = entry_hash
    _store_chain(links)
