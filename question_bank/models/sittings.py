"""Sittings (考试场次): a paper offered in a window, with a time limit, pass mark and roster."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, Points, UTCDateTime
from question_bank.models.org import OrgUnit
from question_bank.models.papers import Paper
from question_bank.models.people import User


class ExamKind(StrEnum):
    PRE_APPOINTMENT = "pre_appointment"
    ANNUAL = "annual"
    MAKEUP = "makeup"
    PRACTICE = "practice"


class ResultPolicy(StrEnum):
    """When a candidate may see their score (domain.md §5)."""

    IMMEDIATELY = "immediately"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


#: Seconds a save may arrive after the deadline and still count: requests already in flight.
DEFAULT_GRACE_S = 30


class Sitting(Base):
    """One offering of a paper: window, time limit, marks that decide pass and bands, roster."""

    __tablename__ = "sitting"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("time_limit_s > 0", name="time_limit_positive"),
        CheckConstraint("grace_s >= 0", name="grace_nonnegative"),
        CheckConstraint("attempts_allowed >= 1", name="attempts_positive"),
        CheckConstraint("pass_mark >= 0 AND excellent_mark >= pass_mark", name="marks_order"),
        # The refusal message names the cut-off in whole minutes (start_terms.refuse_late_start).
        CheckConstraint("late_start_cutoff_s >= 0 AND late_start_cutoff_s % 60 = 0", name="cutoff_whole_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ExamKind] = mapped_column(String(20))
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Time limit in seconds (the UI speaks minutes).
    time_limit_s: Mapped[int] = mapped_column(Integer)
    #: Seconds after the deadline during which a save still counts (requests in flight).
    grace_s: Mapped[int] = mapped_column(Integer, default=DEFAULT_GRACE_S)
    #: Points needed to pass (合格).
    pass_mark: Mapped[Decimal] = mapped_column(Points(6))
    #: Points needed for the 优秀 band.
    excellent_mark: Mapped[Decimal] = mapped_column(Points(6))
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    results_policy: Mapped[ResultPolicy] = mapped_column(String(20), default=ResultPolicy.IMMEDIATELY)
    #: Whether the review after submission shows keys and explanations (when results are shown).
    show_answers: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When an exam admin or HR released the results before the policy would show them (C-19);
    #: who did is in the audit log ("sitting.release_results").
    results_released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Whether each response marked by a person needs a second, independent marker (双评).
    second_marking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Points two markers may differ by and still agree (their mean counts); a larger difference
    #: goes to a third (senior) marker, whose mark counts.
    marking_tolerance: Mapped[Decimal] = mapped_column(Points(6), default=Decimal(0), server_default="0")
    #: The exam rules (考试须知) a candidate reads before starting; None for the standard rules.
    rules_text: Mapped[str | None] = mapped_column(Text)
    #: The integrity pledge (诚信承诺) a candidate must accept to start; None for the standard pledge.
    pledge_text: Mapped[str | None] = mapped_column(Text)
    #: Seconds before the close in which nobody may start any more (0: starting allowed until the close).
    late_start_cutoff_s: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: werkzeug scrypt hash of the access code candidates must give to start; None: no code asked.
    access_code_hash: Mapped[str | None] = mapped_column(String(255))
    #: Networks (CIDR, IPv4 or IPv6, one a line) a candidate's address must lie in to start or
    #: continue; None: from anywhere. The address is the one ProxyFix gives (trusted hops only).
    allowed_networks: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    paper: Mapped[Paper] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    roster: Mapped[list[RosterEntry]] = relationship(
        back_populates="sitting", cascade="all, delete-orphan", order_by="RosterEntry.id"
    )

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def results_from(self) -> dt.datetime | None:
        """When candidates' scores of an after-close sitting are shown: the close, or an earlier
        release. None for the other policies (at once on submission, or never)."""
        if self.results_policy != ResultPolicy.AFTER_CLOSE:
            return None
        if self.results_released_at is not None:
            return min(self.closes_at, self.results_released_at)
        return self.closes_at

    def results_visible(self, now: dt.datetime) -> bool:
        """Whether candidates may see scores now, by :attr:`results_policy` and any early release."""
        if self.results_policy == ResultPolicy.IMMEDIATELY:
            return True
        if self.results_policy == ResultPolicy.AFTER_CLOSE:
            return now >= self.results_from()
        return False


class RosterEntry(Base):
    """A candidate admitted to a sitting, with the posts as they stood for this exam."""

    __tablename__ = "roster_entry"
    #: Ids are never given twice, on SQLite too (migration 3f7a2c9e8d41): the audit log names them.
    __table_args__ = (UniqueConstraint("sitting_id", "user_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Extra seconds on top of the time limit (an accommodation); still capped by closes_at.
    extra_time_s: Mapped[int] = mapped_column(Integer, default=0)
    current_post: Mapped[str | None] = mapped_column(String(200))
    proposed_post: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    sitting: Mapped[Sitting] = relationship(back_populates="roster")
    user: Mapped[User] = relationship()


class AccessCodeFailure(Base):
    """One wrong access code given for a sitting: counted to throttle guessing (many workers share
    the count, so it lives here, not in a process)."""

    __tablename__ = "access_code_failure"
    __table_args__ = (Index("ix_access_code_failure_lookup", "sitting_id", "user_id", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The client address the wrong code came from (as ProxyFix gives it).
    client_ip: Mapped[str] = mapped_column(String(45))


class MakeupLink(Base):
    """A make-up sitting (补考) and the sitting it makes up for: its roster defaults to those who
    failed or were absent there, and its score sheet shows their first attempt beside the make-up."""

    __tablename__ = "makeup_link"

    #: The make-up sitting (one original each).
    makeup_sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), primary_key=True)
    original_sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), index=True)

    makeup: Mapped[Sitting] = relationship(foreign_keys=[makeup_sitting_id])
    original: Mapped[Sitting] = relationship(foreign_keys=[original_sitting_id])
