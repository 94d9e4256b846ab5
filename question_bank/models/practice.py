"""Practice (练习) and the wrong-answer book (错题本): untimed questions a cadre answers for study,
which never count as an exam result (domain.md §4, issue 11).

A :class:`Practice` is one run a cadre started from a source (a law, a category, a set of
articles, or their wrong-answer book). Its questions are served one at a time as
:class:`PracticeItem` rows: the server records when it served the question and when the answer came
(the client's clock is never asked), and the key is shown only once the answer is stored. A
:class:`WrongAnswerEntry` is one question in a cadre's book; :class:`WrongAnswerExamItem` records
which exam items have been taken into the book, so that an entry cleared by practice does not come
back from the same exam answer. None of these rows is an attempt, a mark or a score record.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, UTCDateTime
from question_bank.models.people import User
from question_bank.models.questions import Question, QuestionVersion


class PracticeSource(StrEnum):
    """Where a practice run draws its questions from."""

    #: Questions citing an article of one law (any of its loaded versions).
    LAW = "law"
    #: Questions filed under one category or its sub-categories.
    CATEGORY = "category"
    #: Questions citing any of a set of articles (a study list's items resolve to one).
    ARTICLES = "articles"
    #: The cadre's own wrong-answer book.
    WRONG_BOOK = "wrong_book"


class Practice(Base):
    """One practice run of one cadre: its source and when it began. Untimed: it has no deadline
    and never ends by itself; the cadre leaves it or starts another."""

    __tablename__ = "practice"
    __table_args__ = (Index("ix_practice_user_started", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[PracticeSource] = mapped_column(String(20))
    #: The law's id (source "law") or the category's id (source "category"); None otherwise.
    source_id: Mapped[int | None] = mapped_column(Integer)
    #: The article ids of source "articles", sorted; empty for the other sources.
    article_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: What the cadre chose, as the page names it: the law's short title, the category path, a
    #: study list's title. Kept as it was when the run began.
    title: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class PracticeItem(Base):
    """One question served in a practice run, and the cadre's answer once it came.

    ``option_order`` is the display order of the options (``[2, 0, 1]`` shows original C first),
    as for an exam item, so the responses stored are in terms of the original options. An item
    is answered at most once (``answered_at`` set); an item that was never answered because its
    question went into an open sitting's pool (or was taken out of the bank) is ``withdrawn``."""

    __tablename__ = "practice_item"
    __table_args__ = (
        Index("ix_practice_item_user_answered", "user_id", "answered_at"),
        Index("ix_practice_item_practice_question", "practice_id", "question_id"),
        CheckConstraint("correct IS NULL OR answered_at IS NOT NULL", name="correct_when_answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    #: The cadre (the run's), kept here so figures over many cadres need no join.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    #: The published version served: what the answer is checked against.
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    option_order: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: Server time the question was served.
    served_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Server time the answer was stored; None until answered.
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The answer in the question type's normalised form (original option letters).
    response: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    #: Whether the answer was wholly right (every blank, exactly the key's options).
    correct: Mapped[bool | None] = mapped_column(Boolean)
    #: Set when the item was taken back unanswered (see the class docstring).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    practice: Mapped[Practice] = relationship()
    question_version: Mapped[QuestionVersion] = relationship(lazy="joined")

    @property
    def is_pending(self) -> bool:
        """Served and waiting for the answer."""
        return self.answered_at is None and self.withdrawn_at is None


class WrongAnswerEntry(Base):
    """One question in a cadre's wrong-answer book (one row per cadre and question, kept when
    cleared so that its history stays). The entry is in the book while ``cleared_at`` is None;
    ``streak`` counts right answers in practice since the last wrong one, and the second in a row
    clears it. A new wrong answer (in practice, or a disclosed exam answer) puts it back."""

    __tablename__ = "wrong_answer_entry"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        CheckConstraint("streak >= 0", name="streak_nonnegative"),
        CheckConstraint("wrong_count >= 1", name="wrong_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    #: Where it was last got wrong: "practice" or "exam".
    origin: Mapped[str] = mapped_column(String(20))
    #: How many wrong answers brought or kept it here, practice and exams together.
    wrong_count: Mapped[int] = mapped_column(Integer, default=1)
    #: Right answers in practice since the last wrong answer.
    streak: Mapped[int] = mapped_column(Integer, default=0)
    first_wrong_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_wrong_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: When it was last answered in practice: the book serves the longest-waiting entry first.
    last_practised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship()


class WrongAnswerExamItem(Base):
    """An exam item (one question of one attempt) whose wrong answer has been taken into the
    book, once the sitting allowed its key to be shown to the candidate. Taken at most once."""

    __tablename__ = "wrong_answer_exam_item"

    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
