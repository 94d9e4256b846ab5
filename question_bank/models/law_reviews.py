"""Questions held for law review after an amendment (domain.md §4), and the law versions an attempt
tested (its legal-validity snapshot).

When a new version of a law is loaded, each live question whose published version cites an article
that the new version changed or dropped gets one :class:`LawReviewFlag` per such citation
(``question_bank.services.amendments``). While any flag of its published version is open the
question is held out of new draws (``assembly.live_question``); a reviewer clears the flag
(optionally re-pointing the citation to an article of the new version) or retires the question.
A flag records the old and the new version and article, so the review page can show both texts
whatever happens to the citation later.

:class:`AttemptLawVersion` rows say which law versions the questions of an attempt cited when it
was drawn; the score record keeps the same list (``ScoreRecord.law_versions``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime
from question_bank.models.citations import QuestionCitation
from question_bank.models.laws import Law, LawArticle, LawVersion
from question_bank.models.people import User
from question_bank.models.questions import Question, QuestionVersion


class ArticleChange(StrEnum):
    """What the new version did to the cited article."""

    CHANGED = "changed"
    REMOVED = "removed"


class ReviewOutcome(StrEnum):
    """How a flag was settled: a reviewer found the question still holds under the new law (its
    citation pointing at the new version's article) or retired it, or a later amendment replaced it."""

    CLEARED = "cleared"
    RETIRED = "retired"
    #: A later version of the law was loaded before anyone decided: the flag against it replaces this one.
    SUPERSEDED = "superseded"


class LawReviewFlag(Base):
    """One citation of a question's published version that an amendment made doubtful.

    Open while ``outcome`` is None. Unique per citation and new version, so loading the same
    version again (or re-running the check) adds nothing."""

    __tablename__ = "law_review_flag"
    __table_args__ = (
        UniqueConstraint("question_version_id", "old_article_id", "new_version_id", name="uq_law_review_flag_once"),
        # The draw's "not held" test reads the open flags of a question's published version.
        Index("ix_law_review_flag_open", "question_id", "question_version_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    #: The published version that was flagged: a newer version published later is not held by it.
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    #: The citation row; None once the version's citations were rewritten (the text below stays).
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("question_citation.id", ondelete="SET NULL"))
    #: The citation as written: "《行政复议法》第九条".
    citation_text: Mapped[str] = mapped_column(String(500))
    law_id: Mapped[int] = mapped_column(ForeignKey("law.id"), index=True)
    old_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"))
    old_article_id: Mapped[int] = mapped_column(ForeignKey("law_article.id"))
    new_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"), index=True)
    #: The article of the same number in the new version; None when the new version dropped it.
    new_article_id: Mapped[int | None] = mapped_column(ForeignKey("law_article.id"))
    change: Mapped[ArticleChange] = mapped_column(String(20))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[ReviewOutcome | None] = mapped_column(String(20))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The new version's article the reviewer pointed the citation at on clearing.
    cleared_to_article_id: Mapped[int | None] = mapped_column(ForeignKey("law_article.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship()
    question_version: Mapped[QuestionVersion] = relationship()
    citation: Mapped[QuestionCitation | None] = relationship()
    law: Mapped[Law] = relationship()
    old_version: Mapped[LawVersion] = relationship(foreign_keys=[old_version_id])
    new_version: Mapped[LawVersion] = relationship(foreign_keys=[new_version_id])
    old_article: Mapped[LawArticle] = relationship(foreign_keys=[old_article_id])
    new_article: Mapped[LawArticle | None] = relationship(foreign_keys=[new_article_id])
    cleared_to_article: Mapped[LawArticle | None] = relationship(foreign_keys=[cleared_to_article_id])
    resolved_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.outcome is None


class AttemptLawVersion(Base):
    """A law version that a question of an attempt cited when the attempt was drawn."""

    __tablename__ = "attempt_law_version"
    __table_args__ = (UniqueConstraint("attempt_id", "law_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    law_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"))
    #: How many of the attempt's items cite it.
    items: Mapped[int] = mapped_column(Integer)

    law_version: Mapped[LawVersion] = relationship(lazy="joined")
