"""Papers: blueprints of sections from which each candidate's questions are drawn (组卷)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, Points, UTCDateTime
from question_bank.marking_rules import MultiChoiceRule
from question_bank.models.org import OrgUnit
from question_bank.models.questions import Category, Question, QuestionVersion
from question_bank.models.study import StudyList


class Paper(Base):
    """A paper blueprint: ordered sections, each drawing N questions of one type at M points each.

    Every candidate gets their own draw (seeded, stored on the attempt), so two candidates may see
    different questions but always the same number, types and total marks.
    """

    __tablename__ = "paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    multi_rule: Mapped[MultiChoiceRule] = mapped_column(
        String(20), default=MultiChoiceRule.ALL_OR_NOTHING
    )
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Whether the questions of this paper's section pools are kept out of practice at all times,
    #: not only while one of its sittings is open (set by an exam admin on the paper page; audited
    #: as "paper.practice_exclusion").
    practice_excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Item exposure control (``services.exposure``): drawn sections give a candidate no question
    #: they were given in an earlier attempt at any sitting (make-ups above all).
    avoid_seen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Item exposure control: drawn sections give no question already put into this many attempts
    #: (of any sitting) started in the same calendar year (China time); None = no cap.
    yearly_cap: Mapped[int | None] = mapped_column(Integer)

    org_unit: Mapped[OrgUnit] = relationship()
    sections: Mapped[list[BlueprintSection]] = relationship(
        back_populates="paper", order_by="BlueprintSection.position", cascade="all, delete-orphan"
    )

    @property
    def total_marks(self) -> Decimal:
        """Points the paper is out of: Σ section marks (count × mark for a drawn section, the sum
        of its questions' marks for a fixed one)."""
        return sum((s.total_marks for s in self.sections), Decimal(0))

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)


class BlueprintSection(Base):
    """"Draw ``count`` published questions of type ``qtype`` from ``category`` at ``mark`` points each."

    A *fixed* section (固定试卷, ``fixed``) draws nothing: it holds the questions an exam admin
    picked, in order, each with its own mark and the version it was built with
    (:class:`FixedItem`). Its ``category`` is None, ``count`` the number of its items, ``mark``
    their largest mark and ``qtype`` the type of its first item (what pages list it by).
    """

    __tablename__ = "blueprint_section"
    __table_args__ = (
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("mark > 0", name="mark_positive"),
        CheckConstraint("difficulty_min <= difficulty_max", name="difficulty_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id"), index=True)
    #: Order of the section on the paper, from 1.
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100), default="")
    qtype: Mapped[str] = mapped_column(String(30))
    count: Mapped[int] = mapped_column(Integer)
    #: Points for each question of the section.
    mark: Mapped[Decimal] = mapped_column(Points(6))
    #: None for a fixed section.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    #: Whether questions of sub-categories (``宪法/国家机构`` under ``宪法``) count too.
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=True)
    difficulty_min: Mapped[int] = mapped_column(Integer, default=1)
    difficulty_max: Mapped[int] = mapped_column(Integer, default=5)
    #: When set, the section draws only questions whose legal basis cites an article within this
    #: study list version's items ("from the laws of study list L").
    study_list_id: Mapped[int | None] = mapped_column(ForeignKey("study_list.id"))
    #: Whether the section is fixed (its questions picked, not drawn; :class:`FixedItem`).
    fixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    paper: Mapped[Paper] = relationship(back_populates="sections")
    category: Mapped[Category | None] = relationship()
    study_list: Mapped[StudyList | None] = relationship()
    items: Mapped[list[FixedItem]] = relationship(
        back_populates="section", order_by="FixedItem.position", cascade="all, delete-orphan"
    )

    @property
    def total_marks(self) -> Decimal:
        """Points the section is worth: Σ item marks when fixed, else count × mark."""
        if self.fixed:
            return sum((item.mark for item in self.items), Decimal(0))
        return self.count * self.mark


class FixedItem(Base):
    """One question picked for a fixed section, in order, at its own mark, as the version it was
    built with: an edit published later does not reach the paper until someone republishes it
    (``services.fixed_papers.republish``, audited)."""

    __tablename__ = "fixed_item"
    __table_args__ = (
        UniqueConstraint("section_id", "position"),
        CheckConstraint("mark > 0", name="mark_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("blueprint_section.id"), index=True)
    #: Order within the section, from 1.
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    #: The version the paper holds: the question's published version when picked or last republished.
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    #: Points the question is worth on this paper.
    mark: Mapped[Decimal] = mapped_column(Points(6))

    section: Mapped[BlueprintSection] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()
    question_version: Mapped[QuestionVersion] = relationship()


class BankGeneration(Base):
    """One row (id 1) counting changes of the bank that can change a drawn section's pool: a
    question published, retired or deleted, a published version's type, difficulty, category or
    content changed, a law review flag opened or closed, a category renamed, moved or removed.
    Bumped by database triggers (migration 9c2f4b7d1e60), never by the service, so no write path
    can forget it; a missing row counts as generation 0 and the first change makes it.
    :class:`PaperPoolCache` rows of another generation are stale."""

    __tablename__ = "bank_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class PaperPoolCache(Base):
    """A paper's drawn-section pools as last read from the bank (``services.pool_cache``), so a
    start does not read every eligible question of every section again (issue 7). Valid only
    while the bank is at ``generation`` and the paper's sections still have ``signature``; the
    pools are stored only for a paper the bank can fill."""

    __tablename__ = "paper_pool_cache"

    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    #: :class:`BankGeneration` ``n`` read before the pools were.
    generation: Mapped[int] = mapped_column(BigInteger)
    #: sha256 of the sections' definitions (``pool_cache.signature``): an edited paper misses.
    signature: Mapped[str] = mapped_column(String(64))
    #: The drawn sections' pools (``pool_cache.SectionPool``): a line of JSON with each one's
    #: size, repeated and shared contents, then every version id as a 32-bit integer, in bank order.
    pools: Mapped[bytes] = mapped_column(LargeBinary)
