"""Indexes that serve "the newest row of …" lookups: ``mark (attempt_item_id, id)`` and
``device_event (attempt_id, page, id)``

Each replaces a single-column index it covers. Marking at hand-in asks each item's newest mark
(``ORDER BY id DESC LIMIT 1``); with only ``attempt_item_id`` indexed, PostgreSQL walked the primary
key backwards past every mark in the table for an item that had none, which every item at hand-in
is: 160 ms per 100-question submit once 25,000 marks existed (issue 7, submit burst). No data
changes; downgrade restores the single-column indexes.

Revision ID: a7d3e5b19c42
Revises: c4e8a1f27b90
Create Date: 2026-12-06 09:00:00
"""

from alembic import op

revision = "a7d3e5b19c42"
down_revision = "c4e8a1f27b90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mark_attempt_item_id_id", "mark", ["attempt_item_id", "id"])
    op.drop_index("ix_mark_attempt_item_id", table_name="mark")
    op.create_index("ix_device_event_attempt_page_id", "device_event", ["attempt_id", "page", "id"])
    op.drop_index("ix_device_event_attempt_id", table_name="device_event")


def downgrade() -> None:
    op.create_index("ix_device_event_attempt_id", "device_event", ["attempt_id"])
    op.drop_index("ix_device_event_attempt_page_id", table_name="device_event")
    op.create_index("ix_mark_attempt_item_id", "mark", ["attempt_item_id"])
    op.drop_index("ix_mark_attempt_item_id_id", table_name="mark")
