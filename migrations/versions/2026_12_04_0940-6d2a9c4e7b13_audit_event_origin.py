"""Where an audit event came from: ``audit_event.origin``

A JSON object: the channel (``web``, ``api``, ``cli``, ``worker``) and, for web and API requests,
the client address (after the configured trusted proxy hops) and the whole user agent; the API
token's id, a command's name or a worker's name (issue-10 trial F9). NULL for every event made
before this revision, whose hash does not cover an origin: an event's hash covers its origin only
when it has one (``question_bank.services.audit.event_content``), so the chain verifies unchanged.

Downgrade refuses once any event has an origin: dropping the column would lose where those events
came from, and their hashes, which cover it, would no longer verify.

Revision ID: 6d2a9c4e7b13
Revises: b7d2e4f1a9c3
Create Date: 2026-12-04 09:40:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "6d2a9c4e7b13"
down_revision = "b7d2e4f1a9c3"
branch_labels = None
depends_on = None

_events = sa.table("audit_event", sa.column("id", sa.Integer()), sa.column("origin", sa.JSON()))


def upgrade() -> None:
    op.add_column("audit_event", sa.Column(
        "origin", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    with_origin = bind.execute(sa.select(sa.func.count()).select_from(_events)
                               .where(_events.c.origin.is_not(None))).scalar_one()
    if with_origin:
        first = bind.execute(sa.select(sa.func.min(_events.c.id)).where(_events.c.origin.is_not(None))).scalar_one()
        raise RuntimeError(f"{with_origin} audit event(s), the first id {first}, record where they came from "
                           "(audit_event.origin); downgrading below 6d2a9c4e7b13 would lose it and break their "
                           "hashes, so it is refused. Restore a backup taken before the upgrade instead.")
    op.drop_column("audit_event", "origin")
