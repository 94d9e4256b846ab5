"""Attempts: one candidate's sitting of a paper, its items by slot, and every response step.

Shaped on Moodle's question engine: an attempt holds questions by slot; each change of a response
is a new append-only :class:`ResponseStep`, and the step with the highest client sequence number
is the response (domain.md §6).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, Points, UTCDateTime
from question_bank.models.people import User
from question_bank.models.questions import QuestionVersion
from question_bank.models.sittings import Sitting

#: Half a hundredth of a point: what the mean of two marks in hundredths can carry beyond them.
HALF_CENT = Decimal("0.005")

if TYPE_CHECKING:
    from question_bank.models.proctoring import AttemptReopening, AttemptVoid


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    #: Submitted by the candidate.
    SUBMITTED = "submitted"
    #: Closed at its deadline with the answers saved by then (on access or by the sweep).
    AUTO_SUBMITTED = "auto_submitted"
    #: Closed because a proctor voided it (作废, ``proctoring.void_attempt``); how it had closed
    #: before (submitted or auto-submitted) is kept in ``AttemptVoid.closed_state``.
    CLOSED_BY_VOID = "closed_by_void"


CLOSED_STATES = frozenset({AttemptState.SUBMITTED, AttemptState.AUTO_SUBMITTED, AttemptState.CLOSED_BY_VOID})


class Attempt(Base):
    """A candidate's attempt at a sitting.

    ``deadline`` = min(started_at + time limit + extra time, sitting closes_at), fixed at start.
    ``finished_at`` is when it closed: the submit time, or the deadline for an automatic close
    (case C-04), never the time a sweep happened to run.
    """

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("sitting_id", "user_id", "attempt_no"),
        # One attempt in progress per candidate per sitting (domain.md §6), held by the database.
        Index(
            "uq_attempt_one_in_progress",
            "sitting_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'in_progress'"),
            postgresql_where=text("state = 'in_progress'"),
        ),
        CheckConstraint("score >= 0", name="score_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: 1 for the first attempt at this sitting, then 2, 3… where the sitting allows more.
    attempt_no: Mapped[int] = mapped_column(Integer)
    #: Seed of the per-candidate draw and shuffles, so the paper can be reproduced.
    seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    state: Mapped[AttemptState] = mapped_column(String(20), index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Who submitted: the candidate, or None when closed automatically at the deadline.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Points scored; None until marked.
    score: Mapped[Decimal | None] = mapped_column(Points(8))
    #: Points the paper was out of.
    max_score: Mapped[Decimal] = mapped_column(Points(8))
    passed: Mapped[bool | None] = mapped_column()
    #: GradeBand value once marked.
    band: Mapped[str | None] = mapped_column(String(20))
    #: Token of the exam page that may change answers now (one active device, domain.md §6);
    #: None until a page claims the attempt. Held here, not in a process, so that every worker
    #: and host agrees (``question_bank.services.presence``).
    active_page: Mapped[str | None] = mapped_column(String(32))
    #: When ``active_page`` got the attempt.
    active_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the candidate accepted the sitting's integrity pledge (诚信承诺) to start; the text they
    #: accepted is in the "attempt.start" audit entry. None for attempts started before pledges.
    pledge_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    sitting: Mapped[Sitting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.slot", cascade="all, delete-orphan"
    )
    #: The proctor's void (who, when, why), or None; read only: ``proctoring.void_attempt`` writes it.
    void_record: Mapped[AttemptVoid | None] = relationship("AttemptVoid", viewonly=True, uselist=False)
    #: The proctor's re-openings, oldest first; read only: ``proctoring.reopen_attempt`` writes them.
    reopenings: Mapped[list[AttemptReopening]] = relationship("AttemptReopening", viewonly=True,
                                                              order_by="AttemptReopening.id")

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def closed_state(self) -> AttemptState:
        """How the candidate's attempt ended as they left it: the state, except for a voided
        attempt, the state it had closed in before the void (submitted or auto-submitted)."""
        if self.state == AttemptState.CLOSED_BY_VOID and self.void_record is not None:
            return AttemptState(self.void_record.closed_state)
        return self.state

    @property
    def duration_s(self) -> int | None:
        """Seconds from start to finish, once finished."""
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds())


class AttemptItem(Base):
    """The question version in one slot of an attempt, its mark and the order its options show in."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    #: Position on the paper, from 1.
    slot: Mapped[int] = mapped_column(Integer)
    #: The blueprint section (1-based position) the item was drawn for.
    section_no: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    #: Points this item is worth on this paper.
    mark: Mapped[Decimal] = mapped_column(Points(6))
    #: Option indexes in display order: [2, 0, 3, 1] shows original option C first.
    option_order: Mapped[list[int]] = mapped_column(JSONDocument, default=list)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    # An item is never used without its question, so load them together (one query per paper).
    question_version: Mapped[QuestionVersion] = relationship(lazy="joined")


class ResponseSource(StrEnum):
    AUTOSAVE = "autosave"
    SUBMIT = "submit"


class ResponseStep(Base):
    """One save of one slot's response, insert-only.

    Each exam page (a load of the page on some device) is a *writer* with a token of its own and
    numbers its saves 1, 2, 3…. A retried save (same writer and number) is stored once; a save that
    arrives after a later one of the same writer is kept but ``superseded``. The slot's response
    is its latest stored step that is not superseded, so the last change anyone made wins while a
    page's own out-of-order arrivals cannot undo it.
    """

    __tablename__ = "response_step"
    __table_args__ = (UniqueConstraint("attempt_id", "slot", "writer", "client_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    #: Token of the page that saved (server-issued per page load); "submit" for a final payload.
    writer: Mapped[str] = mapped_column(String(32), default="")
    #: The writer's own counter, rising with every change it makes.
    client_seq: Mapped[int] = mapped_column(BigInteger)
    #: True when a later save of the same writer for this slot was already stored on arrival.
    superseded: Mapped[bool] = mapped_column(default=False)
    #: The slot's version the page had last seen when it made the change (None: a caller without a
    #: page, or a step stored before bases were kept).
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Normalised response in terms of the original options (see the question type).
    answer: Mapped[Any] = mapped_column(JSONDocument)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[ResponseSource] = mapped_column(String(20))


class RefusedChange(Base):
    """A change to one slot that was refused, insert-only (case C-18, one active device).

    ``reason`` "stale": the page (``writer``) had last seen version ``base_version`` of the slot,
    but another page had since stored a newer one (``stored_version``): taking the change would have
    replaced an answer the page never saw. ``reason`` "taken_over": the page sending it no longer
    held the attempt, because the candidate continued on another device or tab. Kept so that the
    slot's history shows every attempt to change it; a retry of the same (writer, number) is
    refused again for the same reason without a new row.
    """

    __tablename__ = "refused_change"
    __table_args__ = (UniqueConstraint("attempt_id", "slot", "writer", "client_seq", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    #: Token of the page that made the change.
    writer: Mapped[str] = mapped_column(String(32))
    #: The writer's own number of the change.
    client_seq: Mapped[int] = mapped_column(BigInteger)
    #: The slot's version the page had last seen when the change was made (0: none stored then).
    base_version: Mapped[int] = mapped_column(Integer)
    #: The slot's version stored when the change arrived, which it would have replaced.
    stored_version: Mapped[int] = mapped_column(Integer)
    #: The refused response, normalised like a step's.
    answer: Mapped[Any] = mapped_column(JSONDocument)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Whether it came as an autosave or inside the final submit payload.
    source: Mapped[ResponseSource] = mapped_column(String(20))
    #: Why it was refused: "stale" or "taken_over" (``slot_changes.Outcome``).
    reason: Mapped[str] = mapped_column(String(20), default="stale", server_default="stale")


class DeviceEventKind(StrEnum):
    """What an exam page did with an attempt, as the proctor's device log shows it."""

    #: A page opened the attempt while no other page held it (or reopened it in the same tab).
    OPENED = "opened"
    #: A page found the attempt held by another page: the candidate was asked to continue there.
    ASKED = "asked"
    #: The candidate confirmed: this page holds the attempt now, the previous one is read-only.
    TOOK_OVER = "took_over"


class DeviceEvent(Base):
    """One exam page opening or taking over an attempt, insert-only, for the proctor: which page,
    from which address and browser, and for a takeover the page, address and browser it took over
    from (one active device, domain.md §6)."""

    __tablename__ = "device_event"
    # (attempt, page, id): a takeover reads the page's newest event (``presence``); a lone
    # attempt_id index let PostgreSQL walk the primary key backwards through every event instead.
    __table_args__ = (Index("ix_device_event_attempt_page_id", "attempt_id", "page", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    kind: Mapped[DeviceEventKind] = mapped_column(String(20))
    #: Token of the page (its writer token).
    page: Mapped[str] = mapped_column(String(32))
    #: Client address as the app sees it (after the configured trusted proxies).
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(400))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: For a takeover or a question: the page that held the attempt, and its address and browser.
    other_page: Mapped[str | None] = mapped_column(String(32))
    other_ip: Mapped[str | None] = mapped_column(String(45))
    other_user_agent: Mapped[str | None] = mapped_column(String(400))


class Mark(Base):
    """Points given to one attempt item, insert-only: a regrade or a person's mark adds a row and
    the newest row counts. A row without points sets the marks before it aside: the item's
    response changed after it was marked (a re-opened attempt), so it awaits marking again
    (``services.remarking``)."""

    __tablename__ = "mark"
    # (item, id) serves "the item's newest mark" (ORDER BY id DESC LIMIT 1) from the index alone. With
    # attempt_item_id alone, PostgreSQL walked the primary key backwards past every mark in the table
    # for an item with none (every item at hand-in): 160 ms per 100-question submit once 25,000 marks
    # existed, growing with the sitting (issue 7, submit burst).
    __table_args__ = (CheckConstraint("score >= 0", name="score_nonnegative"),
                      Index("ix_mark_attempt_item_id_id", "attempt_item_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id"))
    #: Points given; None: the item awaits marking again (see above).
    score: Mapped[Decimal | None] = mapped_column(Points(6), nullable=True)
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The marker; None when marked automatically.
    marker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The mark is the mean of two agreeing markers' marks that lies half a hundredth above
    #: ``score`` (30.005 is kept as 30.00 with this set): points keep two places, so the half is
    #: carried here and the attempt's total adds it back (``marking.total_of``), never rounding a
    #: candidate over the pass mark (issue 6, tester finding 1).
    half_cent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def exact(self) -> Decimal | None:
        """The points this mark stands for: ``score``, or ``score`` + 0.005 (:attr:`half_cent`)."""
        if self.score is None:
            return None
        return self.score + HALF_CENT if self.half_cent else self.score

    attempt_item: Mapped[AttemptItem] = relationship()
