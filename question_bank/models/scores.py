"""The score record for appraisal (成绩档案): an append-only, hash-chained ledger (domain.md §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, Points, UTCDateTime
from question_bank.models.attempts import Attempt


class ScoreRecord(Base):
    """One entry of the score ledger. A correction is a new entry; entries are never updated.

    ``entry_hash`` = SHA-256 over the entry's fields and ``prev_hash`` (see
    ``question_bank.services.ledger``), so any edit or deletion breaks the chain.
    """

    __tablename__ = "score_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    score: Mapped[Decimal] = mapped_column(Points(8))
    max_score: Mapped[Decimal] = mapped_column(Points(8))
    band: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool] = mapped_column()
    #: Why the entry exists: "submitted", "auto_submitted", "regrade", …
    reason: Mapped[str] = mapped_column(Text)
    #: Who caused it; None for the system (an automatic close).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    attempt: Mapped[Attempt] = relationship()


class LedgerHead(Base):
    """The single row that names the ledger's last entry; locked to append one entry at a time
    across every worker and host."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
