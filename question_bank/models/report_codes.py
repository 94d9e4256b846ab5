"""Verification codes printed on score reports (issue 6, "a printable exam report per candidate
with a verification code that anyone can check on a public page"), and the lookups made on that
public page, counted to limit guessing: see ``question_bank.services.report_codes``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime
from question_bank.models.attempts import Attempt
from question_bank.models.people import User
from question_bank.models.scores import ScoreRecord


class ReportCode(Base):
    """The verification code of one attempt's printed report: random (not derived from anything a
    person could know), one per attempt, kept as long as the attempt. Insert-only."""

    __tablename__ = "report_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 16 characters of Crockford's base32 (80 random bits), stored without separators.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), unique=True)
    #: The attempt's newest score-ledger entry when the code was issued: a later entry means the
    #: score was changed (regrade, four-eyes change) after the report was printed.
    score_record_id: Mapped[int] = mapped_column(ForeignKey("score_record.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    attempt: Mapped[Attempt] = relationship()
    score_record: Mapped[ScoreRecord] = relationship()
    issued_by: Mapped[User] = relationship()


class VerificationLookup(Base):
    """One lookup on the public verification page, counted against the client's address.

    Insert-only (two workers counting at once both count); rows older than the window are deleted
    as new ones arrive, so the table stays small."""

    __tablename__ = "verification_lookup"
    __table_args__ = (Index("ix_verification_lookup_key_at", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "address:<ip>".
    key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
