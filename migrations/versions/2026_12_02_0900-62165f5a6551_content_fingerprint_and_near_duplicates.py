"""Duplicate detection compares stem and options (case C-21): each version's fingerprint covers
both, near-duplicates are found through an index of locality-sensitive hash keys, and a flag says
how alike the two questions are

Existing versions get their new fingerprint and their keys. Existing flags are checked again: a
flag between two questions whose stems matched but whose options differ is cleared (they are not
repeats), the others get their similarity; a live question whose content repeats an older live
question's published or current version, which the old check (current versions only) missed, is
flagged.

Revision ID: 62165f5a6551
Revises: 176669fdeb0b
Create Date: 2026-12-02 09:00:00
"""

import hashlib
import unicodedata

from alembic import op
import sqlalchemy as sa

from question_bank.similarity import NEAR_DUPLICATE_MIN, band_keys, similarity
from question_bank.text import content_fingerprint, content_text

revision = '62165f5a6551'
down_revision = '176669fdeb0b'
branch_labels = None
depends_on = None

#: Versions read and written per round trip.
CHUNK = 1000

versions = sa.table(
    'question_version', sa.column('id', sa.Integer), sa.column('question_id', sa.Integer),
    sa.column('stem', sa.Text), sa.column('options', sa.JSON), sa.column('fingerprint', sa.String),
    sa.column('stem_fingerprint', sa.String),
)
questions = sa.table(
    'question', sa.column('id', sa.Integer), sa.column('status', sa.String),
    sa.column('current_version_id', sa.Integer), sa.column('published_version_id', sa.Integer),
    sa.column('duplicate_of_id', sa.Integer), sa.column('duplicate_similarity', sa.Integer),
)
bands = sa.table('near_duplicate_band', sa.column('band_key', sa.BigInteger),
                 sa.column('question_version_id', sa.Integer))


def _chunks(bind, *columns):
    """The versions' rows, CHUNK at a time, in id order (a server-side cursor is not needed)."""
    last = 0
    while True:
        rows = bind.execute(sa.select(versions.c.id, *columns).where(versions.c.id > last)
                            .order_by(versions.c.id).limit(CHUNK)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    op.drop_index('ix_question_version_stem_fingerprint', table_name='question_version')
    # RENAME COLUMN in place on both databases: question_version is referenced by other tables,
    # so it must not be rebuilt on SQLite.
    op.execute('ALTER TABLE question_version RENAME COLUMN stem_fingerprint TO fingerprint')
    with op.batch_alter_table('question', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('duplicate_similarity', sa.Integer(), nullable=True))
    op.create_table(
        'near_duplicate_band',
        sa.Column('band_key', sa.BigInteger(), nullable=False),
        sa.Column('question_version_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'],
                                name=op.f('fk_near_duplicate_band_question_version_id_question_version')),
        sa.PrimaryKeyConstraint('band_key', 'question_version_id', name=op.f('pk_near_duplicate_band')),
    )
    op.create_index(op.f('ix_near_duplicate_band_question_version_id'), 'near_duplicate_band',
                    ['question_version_id'], unique=False)

    bind = op.get_bind()
    contents: dict[int, str] = {}
    for rows in _chunks(bind, versions.c.stem, versions.c.options):
        texts = [content_text(stem, options or []) for _, stem, options in rows]
        contents.update((row[0], text) for row, text in zip(rows, texts))
        bind.execute(versions.update().where(versions.c.id == sa.bindparam('vid')).values(
            fingerprint=sa.bindparam('fp')),
            [{'vid': vid, 'fp': content_fingerprint(stem, options or [])} for vid, stem, options in rows])
        keys = {(key, row[0]) for row, row_keys in zip(rows, band_keys(texts)) for key in row_keys}
        bind.execute(bands.insert(), [{'band_key': k, 'question_version_id': v} for k, v in keys])
    op.create_index(op.f('ix_question_version_fingerprint'), 'question_version', ['fingerprint'], unique=False)
    _recheck_flags(bind, contents)


def _recheck_flags(bind, contents: dict[int, str]) -> None:
    """Flags by the new rule: repeats among live questions (published and current versions), and
    the similarity of every flag kept."""
    live = bind.execute(sa.select(questions.c.id, questions.c.current_version_id, questions.c.published_version_id,
                                  questions.c.duplicate_of_id)
                        .where(questions.c.status != 'retired').order_by(questions.c.id)).all()
    current_of = {qid: current for qid, current, _, _ in live}
    first_holder: dict[str, int] = {}
    changes = []
    for qid, current, published, flagged in live:
        texts = {contents[v] for v in (current, published) if v is not None}
        repeated = min((first_holder[t] for t in texts if t in first_holder), default=None)
        for text in texts:
            first_holder.setdefault(text, qid)
        if repeated is not None and repeated != qid:
            changes.append({'qid': qid, 'dup': repeated, 'sim': 100})
        elif flagged is not None:
            other = current_of.get(flagged)
            alike = similarity(contents[current], contents[other]) if current and other else 0
            changes.append({'qid': qid, 'dup': flagged if alike >= NEAR_DUPLICATE_MIN else None,
                            'sim': alike if alike >= NEAR_DUPLICATE_MIN else None})
    if changes:
        bind.execute(questions.update().where(questions.c.id == sa.bindparam('qid')).values(
            duplicate_of_id=sa.bindparam('dup'), duplicate_similarity=sa.bindparam('sim')), changes)


def _stem_fingerprint(stem: str) -> str:
    """The fingerprint before this revision: the stem alone, letters and digits after NFKC."""
    folded = unicodedata.normalize('NFKC', stem or '').casefold()
    kept = ''.join(ch for ch in folded if unicodedata.category(ch)[0] in 'LN')
    return hashlib.sha256(kept.encode('utf-8')).hexdigest()


def downgrade() -> None:
    op.drop_index(op.f('ix_near_duplicate_band_question_version_id'), table_name='near_duplicate_band')
    op.drop_table('near_duplicate_band')
    op.drop_index(op.f('ix_question_version_fingerprint'), table_name='question_version')
    op.execute('ALTER TABLE question_version RENAME COLUMN fingerprint TO stem_fingerprint')
    bind = op.get_bind()
    for rows in _chunks(bind, versions.c.stem):
        bind.execute(versions.update().where(versions.c.id == sa.bindparam('vid')).values(
            stem_fingerprint=sa.bindparam('fp')), [{'vid': vid, 'fp': _stem_fingerprint(stem)} for vid, stem in rows])
    op.create_index('ix_question_version_stem_fingerprint', 'question_version', ['stem_fingerprint'], unique=False)
    # Outside batch mode: SQLite (3.35 and later) drops the column in place.
    op.drop_column('question', 'duplicate_similarity')
