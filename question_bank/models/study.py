"""Must-know study lists (应知应会学法清单, domain.md §4) and each cadre's study progress.

A :class:`StudyList` row is one *version* of a list: lists are edited as drafts and published;
a published version's items never change (cadres work through it), so editing a published list
makes a new draft version in the same ``family_id``, which replaces the old one for new readers
when it is published. A cadre's :class:`StudyProgress` rows point at the items of the version
they worked on and stay with it.

An item names a law version and a scope (the whole text, chosen 编/章/节, or articles), kept as
the words it was given in (``scope_text``) and resolved to the version's articles
(:class:`StudyItemArticle`), which is what coverage, paper sections and practice read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, UTCDateTime
from question_bank.models.laws import Law, LawVersion
from question_bank.models.org import OrgUnit
from question_bank.models.people import User


class ListStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    #: A published version that a later published version of the same list replaced.
    SUPERSEDED = "superseded"


class Requirement(StrEnum):
    CLOSE_STUDY = "close_study"  # 精学
    READ_THROUGH = "read_through"  # 通读



class StudyList(Base):
    """One version of a unit's study list for a year; general (``field`` empty) or for a field."""

    __tablename__ = "study_list"
    __table_args__ = (UniqueConstraint("family_id", "version_no"),
                      CheckConstraint("coverage_threshold >= 0", name="threshold_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id of the list's first version: every version of one list shares it.
    family_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[ListStatus] = mapped_column(String(20), default=ListStatus.DRAFT)
    #: The unit that keeps the list; it targets this unit's subtree unless ``target_units`` says otherwise.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: 市场监管, 生态环境 …; empty for a general list.
    field: Mapped[str] = mapped_column(String(100), default="")
    #: Whom the list is for, as written (the note row of an imported workbook).
    audience_note: Mapped[str] = mapped_column(Text, default="")
    #: Rank levels aimed at (``question_bank.ranks.Level`` values); empty = every rank.
    target_levels: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: Items cited by fewer published questions than this are flagged for bank editors.
    coverage_threshold: Mapped[int] = mapped_column(Integer, default=3)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit] = relationship()
    items: Mapped[list[StudyItem]] = relationship(back_populates="study_list", order_by="StudyItem.position",
                                                  cascade="all, delete-orphan")
    target_unit_rows: Mapped[list[StudyListUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def target_units(self) -> list[OrgUnit]:
        """Subtrees aimed at; the keeping unit's own when none are chosen."""
        return [row.org_unit for row in self.target_unit_rows] or [self.org_unit]

    @property
    def is_published(self) -> bool:
        return self.status != ListStatus.DRAFT

    @property
    def total_hours(self) -> Decimal:
        return sum((item.hours or Decimal(0) for item in self.items), Decimal(0))

    def __repr__(self) -> str:
        return f"<StudyList {self.id} {self.title} v{self.version_no}>"


class StudyListUnit(Base):
    """A unit whose subtree a list aims at."""

    __tablename__ = "study_list_unit"

    study_list_id: Mapped[int] = mapped_column(ForeignKey("study_list.id"), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class StudyItem(Base):
    """One law of a list with its scope, requirement, hours and note."""

    __tablename__ = "study_item"
    __table_args__ = (UniqueConstraint("study_list_id", "position"),
                      CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    study_list_id: Mapped[int] = mapped_column(ForeignKey("study_list.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    law_id: Mapped[int] = mapped_column(ForeignKey("law.id"), index=True)
    law_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"))
    #: The scope as written (全文, 第二章 受案范围, 第三十一条至第五十七条 …); empty = the whole text.
    scope_text: Mapped[str] = mapped_column(Text, default="")
    #: The scope resolved: a list of parts ``{"kind": "whole"|"heading"|"articles", "heading_id",
    #: "first", "last", "caption"}`` (first/last are article positions), in the order written.
    scope_parts: Mapped[list[dict]] = mapped_column(JSONDocument, default=list)
    requirement: Mapped[Requirement] = mapped_column(String(20))
    #: Study hours asked for (学时), exact; ``None`` when the list gives none.
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    article_count: Mapped[int] = mapped_column(Integer, default=0)

    study_list: Mapped[StudyList] = relationship(back_populates="items")
    law: Mapped[Law] = relationship()
    law_version: Mapped[LawVersion] = relationship()

    @property
    def is_whole(self) -> bool:
        return any(part["kind"] == "whole" for part in self.scope_parts)


class StudyItemArticle(Base):
    """An article an item covers (of the item's law version)."""

    __tablename__ = "study_item_article"

    study_item_id: Mapped[int] = mapped_column(ForeignKey("study_item.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("law_article.id"), primary_key=True, index=True)


class StudyProgress(Base):
    """One cadre's study of one item: when its text was last opened (server time), when it was
    marked studied, and the seconds of study recorded (each mark adds the time since the open it
    closes, capped: ``services.study_progress``)."""

    __tablename__ = "study_progress"
    __table_args__ = (UniqueConstraint("user_id", "study_item_id"),
                      CheckConstraint("seconds_spent >= 0", name="seconds_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    study_item_id: Mapped[int] = mapped_column(ForeignKey("study_item.id"), index=True)
    #: Set when the cadre opens the item's text and no open is pending; cleared by a mark.
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: First time the item was marked studied.
    studied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()
    item: Mapped[StudyItem] = relationship()
