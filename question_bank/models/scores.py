"""The score record for appraisal (成绩档案): an append-only, hash-chained ledger (domain.md §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, Points, UTCDateTime
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
    #: SHA-256 of the attempt as it stood for this entry: its times and state, its paper (items,
    #: marks, option order) and every response step (``ledger.responses_digest``). None on entries
    #: made before digests existed.
    responses_digest: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of every mark given to the attempt's items so far (``ledger.marks_digest``).
    marks_digest: Mapped[str | None] = mapped_column(String(64))
    #: The law versions the attempt's questions cited when it was drawn (its legal-validity
    #: snapshot, ``services.validity``): ``[[law title, version date ISO], …]`` in title order.
    #: None on entries made before snapshots existed. Not part of the entry's hash (see
    #: ``ledger.entry_content``); like the rest of the row, the database refuses to change it.
    law_versions: Mapped[list[list[str]] | None] = mapped_column(JSONDocument)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    attempt: Mapped[Attempt] = relationship()


class LedgerHead(Base):
    """The head of one hash chain: row 1 the score ledger, row 2 the audit log
    (``question_bank.services.hashchain.Chain``). It names the chain's last hash and its length and
    is locked to append one entry at a time across every worker and host."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)


class LedgerCheckpoint(Base):
    """A signed checkpoint of the score ledger and the audit log, as ``flask ledger-checkpoint``
    printed it. The copy that counts is the one kept outside the database (mailed, printed, on
    another host); this one lists what was issued. Insert-only."""

    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    score_entries: Mapped[int] = mapped_column(Integer)
    score_head: Mapped[str] = mapped_column(String(64))
    audit_entries: Mapped[int] = mapped_column(Integer)
    audit_head: Mapped[str] = mapped_column(String(64))
    #: Which signing key made it: "ed25519:" and the first 16 hex digits of the public key's SHA-256.
    key_id: Mapped[str] = mapped_column(String(80))
    #: The signed checkpoint document exactly as printed (JSON).
    document: Mapped[str] = mapped_column(Text)
