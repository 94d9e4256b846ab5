"""Audit events: who changed what, when, with the values before and after (domain.md §9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, UTCDateTime
from question_bank.models.people import User


class AuditEvent(Base):
    """One audited action, insert-only, chained like the score ledger: ``entry_hash`` is the
    SHA-256 of the event and ``prev_hash`` (``question_bank.services.audit``), so an event changed,
    removed or swapped breaks the chain."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    #: Who acted; None for the system (the overdue sweep, a migration).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Dotted verb such as "question.update", "batch.approve", "export.score_sheet".
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    detail: Mapped[str] = mapped_column(Text, default="")
    #: Where the action came in: ``{"channel": "web"|"api"|"cli"|"worker", ...}`` with, for web and
    #: API, ``address`` (after the trusted proxy hops) and ``agent`` (the whole User-Agent), the
    #: API's ``token`` id, a command's ``command``, a worker's ``worker``. None for events made
    #: before it was recorded, and by services run outside those (``question_bank.services.audit``).
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()
