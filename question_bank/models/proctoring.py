"""What the proctor (监考) sees and does to attempts: the times a candidate left the exam page,
attempts voided (作废) and attempts re-opened after a device failed. Insert-only rows."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime
from question_bank.models.people import User

#: The band a voided attempt is recorded with (score 0, not passed), on the attempt and in the ledger.
VOID_BAND = "void"


class FocusChange(StrEnum):
    """The exam page was hidden or lost focus (``LEFT``), or came back (``BACK``)."""

    LEFT = "left"
    BACK = "back"


class FocusEvent(Base):
    """One time the exam page was left or came back, at the server's time of arrival. Shown to the
    proctor; never scored. ``page`` (the page's writer token) and ``number`` (its own count of
    focus messages) name the message, so a retried one is stored once; both are None for a
    message from a page older than the retry (issue 9)."""

    __tablename__ = "focus_event"
    __table_args__ = (Index("ix_focus_event_attempt_time", "attempt_id", "occurred_at"),
                      Index("uq_focus_event_attempt_page_number", "attempt_id", "page", "number", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    change: Mapped[FocusChange] = mapped_column(String(10))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    page: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[int | None] = mapped_column()


class AttemptVoid(Base):
    """A proctor's decision that an attempt does not count, with the reason. The attempt's score
    becomes 0 with the band "void", and the score ledger gets an entry saying so."""

    __tablename__ = "attempt_void"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    voided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    #: The state the attempt had closed in before the void ("submitted" or "auto_submitted"); the
    #: attempt itself is then "closed_by_void". A downgrade puts it back on the attempt.
    closed_state: Mapped[str] = mapped_column(String(20))

    voided_by: Mapped[User] = relationship(foreign_keys=[voided_by_id], lazy="joined")


class AttemptReopening(Base):
    """An attempt closed by a device failure and re-opened by a proctor until ``new_deadline``
    (server time), with what it was before."""

    __tablename__ = "attempt_reopening"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    reopened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reopened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    old_state: Mapped[str] = mapped_column(String(20))
    old_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    old_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    new_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
