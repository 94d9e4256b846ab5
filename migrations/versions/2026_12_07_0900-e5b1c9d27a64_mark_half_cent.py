"""``mark.half_cent``: the mean of two agreeing markers kept exactly

Points keep two decimal places, and the mean of two marks can need three (30.00 and 30.01 →
30.005). It was rounded half up per item, so two such means could lift a total of 59.99 to 60.00
and a fail to a pass (issue 6, tester finding 1). The mark now keeps the lower hundredth and this
flag the half; the attempt's total adds the halves back and drops what is below a hundredth
(``marking.total_of``). Existing rows are false (their marks were rounded as before); downgrade
drops the column.

Revision ID: e5b1c9d27a64
Revises: a7d3e5b19c42
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e5b1c9d27a64"
down_revision = "a7d3e5b19c42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite: other tables reference mark).
    op.add_column("mark", sa.Column("half_cent", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("mark", "half_cent")
