"""What a question version cites: its legal basis (法律依据) read into structured references to the
law catalogue (glossary: ``Question.law_refs``).

The legal-basis text itself stays exactly as written on the version; these rows are derived from it
(and from articles the stem, options and explanation name, as "mentions") when the version is
written, and say for each cited article which law, version and article it is, or why it could not be
resolved. An unresolved citation is kept with its reason, never dropped, and never blocks a save.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base
from question_bank.errors import N_
from question_bank.models.laws import Law, LawArticle, LawVersion


class CitationStatus(StrEnum):
    """How a citation resolved. ``resolved``, ``no_such_paragraph`` and ``article_deleted`` point
    at an article (the latter two with a warning); the others point at no article."""

    RESOLVED = "resolved"
    #: The article exists but has fewer 款 or 项 than cited.
    NO_SUCH_PARAGRAPH = "no_such_paragraph"
    #: The article's text only says it was deleted (刑法 第一百九十九条 （删去）).
    ARTICLE_DELETED = "article_deleted"
    NO_SUCH_ARTICLE = "no_such_article"
    #: The catalogue holds the law but not the version cited (1979年《刑法》) or in force then.
    VERSION_NOT_LOADED = "version_not_loaded"
    UNKNOWN_LAW = "unknown_law"
    NO_LAW_NAMED = "no_law_named"
    UNPARSED = "unparsed"


#: Statuses that link to an article.
LINKED_STATUSES = (CitationStatus.RESOLVED, CitationStatus.NO_SUCH_PARAGRAPH, CitationStatus.ARTICLE_DELETED)


class CitationSource(StrEnum):
    """Which field of the version the citation is written in. Only the legal basis is the editor's
    statement of what the question tests; the others are articles the text mentions."""

    LEGAL_BASIS = "legal_basis"
    STEM = "stem"
    OPTIONS = "options"
    EXPLANATION = "explanation"


class QuestionCitation(Base):
    """One cited article (or law as a whole) of a question version, resolved or not.

    ``start``/``end`` place ``text`` in the source field as written (for options: in the options
    joined by newlines), so a page can link the very words the editor wrote. A range such as
    第十一条至第十三条 that resolves becomes one row per article, all with the range's place."""

    __tablename__ = "question_citation"
    __table_args__ = (
        # Practice walks a law's (or some articles') citing versions in version order from a
        # random point (``practice_pool.next_question``): one index range scan whatever the bank's size.
        Index("ix_question_citation_law_version", "law_id", "question_version_id"),
        Index("ix_question_citation_article_version", "article_id", "question_version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    source: Mapped[CitationSource] = mapped_column(String(20))
    #: Order within the version: by source, then by place in the text.
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    #: The words cited, as written: "《刑法》第一百三十三条之一".
    text: Mapped[str] = mapped_column(Text)
    #: The law's name as written (without 《》); empty when none is named.
    law_title: Mapped[str] = mapped_column(Text, default="")
    #: A version the citation names by its year ("（2017年修正）").
    named_year: Mapped[int | None] = mapped_column(Integer)
    article_number: Mapped[int | None] = mapped_column(Integer)
    #: 1 for 之一 …; 0 for a plain article.
    article_suffix: Mapped[int] = mapped_column(Integer, default=0)
    paragraph: Mapped[int | None] = mapped_column(Integer)
    item: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CitationStatus] = mapped_column(String(30), index=True)
    law_id: Mapped[int | None] = mapped_column(ForeignKey("law.id"), index=True)
    law_version_id: Mapped[int | None] = mapped_column(ForeignKey("law_version.id"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("law_article.id"), index=True)

    law: Mapped[Law | None] = relationship()
    law_version: Mapped[LawVersion | None] = relationship()
    article: Mapped[LawArticle | None] = relationship()

    @property
    def is_linked(self) -> bool:
        """Whether the citation points at an article of the catalogue."""
        return self.article_id is not None

    @property
    def needs_attention(self) -> bool:
        """Whether an editor should look at it: anything but a clean resolution."""
        return self.status != CitationStatus.RESOLVED


#: Why a citation needs an editor's attention, by status (gettext message ids).
STATUS_REASONS = {
    CitationStatus.RESOLVED: "",
    CitationStatus.NO_SUCH_PARAGRAPH: N_("the article has no such paragraph (款) or item (项)"),
    CitationStatus.ARTICLE_DELETED: N_("the article was deleted from the law"),
    CitationStatus.NO_SUCH_ARTICLE: N_("the law has no such article"),
    CitationStatus.VERSION_NOT_LOADED: N_("the catalogue does not hold the version of the law cited (or in force then)"),
    CitationStatus.UNKNOWN_LAW: N_("the law catalogue has no law of this name"),
    CitationStatus.NO_LAW_NAMED: N_("no law is named"),
    CitationStatus.UNPARSED: N_("not readable as a citation of a law article"),
}
