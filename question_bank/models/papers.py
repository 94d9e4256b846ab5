"""Papers: blueprints of sections from which each candidate's questions are drawn (组卷)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, Points, UTCDateTime
from question_bank.marking_rules import MultiChoiceRule
from question_bank.models.org import OrgUnit
from question_bank.models.questions import Category
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

    org_unit: Mapped[OrgUnit] = relationship()
    sections: Mapped[list[BlueprintSection]] = relationship(
        back_populates="paper", order_by="BlueprintSection.position", cascade="all, delete-orphan"
    )

    @property
    def total_marks(self) -> Decimal:
        """Points the paper is out of: Σ count × mark over its sections."""
        return sum((s.count * s.mark for s in self.sections), Decimal(0))

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)


class BlueprintSection(Base):
    """"Draw ``count`` published questions of type ``qtype`` from ``category`` at ``mark`` points each."""

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
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    #: Whether questions of sub-categories (``宪法/国家机构`` under ``宪法``) count too.
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=True)
    difficulty_min: Mapped[int] = mapped_column(Integer, default=1)
    difficulty_max: Mapped[int] = mapped_column(Integer, default=5)
    #: When set, the section draws only questions whose legal basis cites an article within this
    #: study list version's items ("from the laws of study list L").
    study_list_id: Mapped[int | None] = mapped_column(ForeignKey("study_list.id"))

    paper: Mapped[Paper] = relationship(back_populates="sections")
    category: Mapped[Category] = relationship()
    study_list: Mapped[StudyList | None] = relationship()
