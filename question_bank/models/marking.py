"""Marking by people (人工阅卷), regrades (重新评分) and four-eyes score changes (domain.md §7).

Every row here is written once and read thereafter, except a score change's decision, which is
taken exactly once (``state`` goes from proposed to approved or rejected by a conditional UPDATE).
What counts in a total is always a :class:`~question_bank.models.attempts.Mark`; these rows say
who decided it, when and why.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import IntEnum, StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, Points, UTCDateTime
from question_bank.models.attempts import Attempt, AttemptItem
from question_bank.models.people import User
from question_bank.models.questions import Question, QuestionVersion
from question_bank.models.sittings import Sitting


class MarkingRound(IntEnum):
    """1 first marker, 2 second marker (when the sitting asks for one), 3 third (senior) marker."""

    FIRST = 1
    SECOND = 2
    THIRD = 3


class ManualMark(Base):
    """One marker's mark for one response, in one round. The database holds the marking rules that
    concern who may mark: one mark per round of an item (two markers racing for the same round: the
    second is refused), and one mark per marker of an item (nobody marks a response twice, or is
    both its first and second marker), within one marking of the item's response."""

    __tablename__ = "manual_mark"
    __table_args__ = (
        UniqueConstraint("attempt_item_id", "marking", "round"),
        UniqueConstraint("attempt_item_id", "marking", "marker_id"),
        CheckConstraint("score >= 0", name="score_nonnegative"),
        CheckConstraint("round BETWEEN 1 AND 3", name="round_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id"), index=True)
    #: Which marking of the item's response the mark belongs to: 1, and one more each time the
    #: response changed after it was marked (a re-opened attempt; ``services.remarking``). The
    #: marks of an earlier marking stay as history and no longer count.
    marking: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: :class:`MarkingRound` value.
    round: Mapped[int] = mapped_column(Integer)
    marker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Points given, at most the item's mark.
    score: Mapped[Decimal] = mapped_column(Points(6))
    #: The marker's comment (why this mark), shown to a third marker and to auditors.
    comment: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    attempt_item: Mapped[AttemptItem] = relationship()


class RegradeKind(StrEnum):
    #: The question's key was corrected: its items are marked again with the corrected key.
    KEY_CORRECTED = "key_corrected"
    #: The question is voided for the sitting and every candidate gets its full mark.
    VOID_FULL_MARKS = "void_full_marks"
    #: The question is voided for the sitting and taken out of the total (and of the maximum).
    VOID_REMOVED = "void_removed"


class Regrade(Base):
    """One regrade an exam administrator applied to a sitting for one question: what, why, who,
    when. Later submissions of the sitting are marked the same way (``services.regrade``)."""

    __tablename__ = "regrade"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    #: :class:`RegradeKind` value.
    kind: Mapped[str] = mapped_column(String(20))
    #: For a key correction: the published version whose key now marks the question.
    key_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_version.id"))
    reason: Mapped[str] = mapped_column(Text)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    sitting: Mapped[Sitting] = relationship()
    question: Mapped[Question] = relationship()
    key_version: Mapped[QuestionVersion | None] = relationship()
    #: Who ran it (case C-10: the regrade record shows who, when, old and new scores).
    applied_by: Mapped[User] = relationship(foreign_keys=[applied_by_id])
    changes: Mapped[list[RegradeChange]] = relationship(back_populates="regrade", order_by="RegradeChange.id")


class RegradeChange(Base):
    """One attempt a regrade changed: its total before and after (None while it awaits marking),
    and the score ledger entry that records the new total."""

    __tablename__ = "regrade_change"
    __table_args__ = (UniqueConstraint("regrade_id", "attempt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regrade_id: Mapped[int] = mapped_column(ForeignKey("regrade.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    old_score: Mapped[Decimal | None] = mapped_column(Points(8))
    new_score: Mapped[Decimal | None] = mapped_column(Points(8))
    old_max: Mapped[Decimal] = mapped_column(Points(8))
    new_max: Mapped[Decimal] = mapped_column(Points(8))
    old_passed: Mapped[bool | None] = mapped_column()
    new_passed: Mapped[bool | None] = mapped_column()
    score_record_id: Mapped[int | None] = mapped_column(ForeignKey("score_record.id"))

    regrade: Mapped[Regrade] = relationship(back_populates="changes")
    attempt: Mapped[Attempt] = relationship()


class ChangeState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class ScoreChange(Base):
    """A manual change of one item's mark (four eyes): proposed with a reason by one exam
    administrator, approved or rejected by another. At most one proposal per item is open."""

    __tablename__ = "score_change"
    __table_args__ = (
        Index("uq_score_change_one_open", "attempt_item_id", unique=True,
              sqlite_where=text("state = 'proposed'"), postgresql_where=text("state = 'proposed'")),
        CheckConstraint("new_score >= 0", name="new_score_nonnegative"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id"), index=True)
    #: The item's mark when proposed, and the mark proposed.
    old_score: Mapped[Decimal | None] = mapped_column(Points(6))
    new_score: Mapped[Decimal] = mapped_column(Points(6))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: :class:`ChangeState` value.
    state: Mapped[str] = mapped_column(String(20), default=ChangeState.PROPOSED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")

    attempt_item: Mapped[AttemptItem] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
