"""Each question version keeps its content text (``text.content_text``: stem and sorted options,
width, case, space and punctuation folded away), so that duplicate detection reads it instead of
folding every candidate's stem and options again (issue 7: a 20,000-row import compared its parts
with hundreds of thousands of candidates, and folding them was a fifth of its time)

The column is filled for every existing version. It may be NULL (a row written by something that
does not know it, such as a bulk load): duplicate detection then folds the stem and options as
before, so a missing value is slower, never wrong. A later revision that changes what
``content_text`` keeps, or that rewrites stems or options, must fill the column again.

Revision ID: c2092e613d99
Revises: f3a8c2d61b57
Create Date: 2026-12-10 09:00:00
"""

from alembic import op
import sqlalchemy as sa

from question_bank.text import content_text

revision = 'c2092e613d99'
down_revision = 'f3a8c2d61b57'
branch_labels = None
depends_on = None

#: Versions read and written per round trip.
CHUNK = 1000

versions = sa.table(
    'question_version', sa.column('id', sa.Integer), sa.column('stem', sa.Text), sa.column('options', sa.JSON),
    sa.column('content_text', sa.Text),
)


def upgrade() -> None:
    # Added in place (no rebuild on SQLite: question_version is referenced by other tables and
    # carries the search triggers).
    with op.batch_alter_table('question_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('content_text', sa.Text(), nullable=True))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(versions.c.id, versions.c.stem, versions.c.options)
                            .where(versions.c.id > last).order_by(versions.c.id).limit(CHUNK)).all()
        if not rows:
            break
        bind.execute(versions.update().where(versions.c.id == sa.bindparam('vid'))
                     .values(content_text=sa.bindparam('text')),
                     [{'vid': vid, 'text': content_text(stem, options or [])} for vid, stem, options in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('question_version', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('content_text')
