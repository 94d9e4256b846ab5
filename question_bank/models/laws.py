"""The law catalogue (domain.md §4): laws and other normative documents, their versions, the
structure of each version's text, and its articles.

A :class:`Law` is a document's identity (中华人民共和国行政复议法); each text of it that the
catalogue holds is a :class:`LawVersion`, dated by the adoption, amendment or revision that made it
(行政复议法 2017 and 2023 are two versions, each with its own articles). A version's text is split
into :class:`LawHeading` rows (编 / 分编 / 章 / 节, the 宪法 preamble, 附则, annexes) in order, and
:class:`LawArticle` rows (第X条, 第X条之一) in order. Versions, headings and articles are never
changed once loaded: a corrected or amended text is a new version. Questions cite articles through
:class:`~question_bank.models.citations.QuestionCitation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, UTCDateTime
from question_bank.models.people import User


class LawKind(StrEnum):
    """Kinds of normative document a must-know study list names (the statute-text parser,
    ``question_bank.formats.law_header``, tells them by the same codes) (立法法 ranks them; the plan also
    asks leading cadres to study Party regulations, 党内法规, and judicial interpretations)."""

    CONSTITUTION = "constitution"                          # 宪法
    LAW = "law"                                            # 法律 (全国人民代表大会及其常务委员会)
    ADMINISTRATIVE_REGULATION = "administrative_regulation"  # 行政法规 (国务院)
    SUPERVISORY_REGULATION = "supervisory_regulation"      # 监察法规 (国家监察委员会)
    LOCAL_REGULATION = "local_regulation"                  # 地方性法规 (省、设区的市人大及其常委会)
    AUTONOMOUS_REGULATION = "autonomous_regulation"        # 自治条例和单行条例
    DEPARTMENTAL_RULE = "departmental_rule"                # 部门规章
    LOCAL_GOVERNMENT_RULE = "local_government_rule"        # 地方政府规章
    PARTY_REGULATION = "party_regulation"                  # 党内法规
    JUDICIAL_INTERPRETATION = "judicial_interpretation"    # 司法解释
    OTHER = "other"                                        # 其他规范性文件


class VersionStatus(StrEnum):
    """Where a loaded text stands: the current text of its law, superseded by a later loaded
    version, or the text of a law that has been repealed."""

    IN_FORCE = "in_force"
    AMENDED = "amended"
    REPEALED = "repealed"


class EventKind(StrEnum):
    """One step of a law's history as its header states it (the codes of
    ``question_bank.formats.law_header``)."""

    ADOPTED = "adopted"          # 通过 / 审议批准
    AMENDED = "amended"          # 修正 (also by a 修正案 or an amending decision)
    REVISED = "revised"          # 修订
    PROMULGATED = "promulgated"  # 公布 / 发布
    EFFECTIVE = "effective"      # 施行
    OTHER = "other"


class HeadingKind(StrEnum):
    """Structural units of a statute text, by the word that names them (not by layout): the codes
    of ``question_bank.formats.law_text``."""

    PART = "part"                    # 编
    SUBPART = "subpart"              # 分编
    CHAPTER = "chapter"              # 章
    SECTION = "section"              # 节
    PREAMBLE = "preamble"            # 序言
    SUPPLEMENTARY = "supplementary"  # 附则
    ANNEX = "annex"                  # 附件 / 附录
    OTHER = "other"                  # any other heading a Markdown text gives


class Law(Base):
    """A normative document's identity: its title, kind and issuing body, and its versions."""

    __tablename__ = "law"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Full title as the text gives it: 中华人民共和国行政处罚法.
    title: Mapped[str] = mapped_column(String(200), unique=True)
    #: The title compared (width folded, spaces removed): how a loaded text finds its law.
    title_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: What people usually call it: the title without 中华人民共和国 (行政处罚法), 民法典.
    short_title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[LawKind] = mapped_column(String(40))
    #: 全国人民代表大会常务委员会, 国务院, 中共中央 …; empty when not known.
    issuing_body: Mapped[str] = mapped_column(String(200), default="")
    #: Other names citations use for it (行诉法, 国赔法), besides the title and short title.
    aliases: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: Set when the law was repealed: its last version is then ``repealed``.
    repealed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[LawVersion]] = relationship(back_populates="law", order_by="LawVersion.version_date")

    @property
    def current_version(self) -> LawVersion | None:
        """The newest loaded version (in force, or the last one of a repealed law)."""
        return max(self.versions, key=lambda v: v.version_date) if self.versions else None

    def __repr__(self) -> str:
        return f"<Law {self.id} {self.title}>"


class LawVersion(Base):
    """One text of a law, dated by the adoption, amendment or revision that made it.

    Loading the same text again changes nothing (``text_digest`` says it is the same); another text
    for the same date is refused. ``effective_date`` is known only where the header says (民法典:
    2021年1月1日 施行); until then the version counts as in force from ``version_date``."""

    __tablename__ = "law_version"
    __table_args__ = (UniqueConstraint("law_id", "version_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("law.id"), index=True)
    #: Date of the adoption, amendment or revision that made this text (the header's last such event).
    version_date: Mapped[dt.date] = mapped_column(Date)
    #: When this text took effect, where the header or the person loading it says so.
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[VersionStatus] = mapped_column(String(20), default=VersionStatus.IN_FORCE)
    #: SHA-256 of the text normalised for spacing and punctuation width (headings, preamble,
    #: articles): the same text loaded twice has the same digest.
    text_digest: Mapped[str] = mapped_column(String(64))
    article_count: Mapped[int] = mapped_column(Integer)
    #: The files (or "pasted text") the version was loaded from, as named when loaded.
    source: Mapped[str] = mapped_column(Text, default="")
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    law: Mapped[Law] = relationship(back_populates="versions")
    loaded_by: Mapped[User | None] = relationship()
    events: Mapped[list[LawHistoryEvent]] = relationship(order_by="LawHistoryEvent.position",
                                                         cascade="all, delete-orphan")
    headings: Mapped[list[LawHeading]] = relationship(order_by="LawHeading.position", cascade="all, delete-orphan",
                                                      foreign_keys="LawHeading.law_version_id")
    articles: Mapped[list[LawArticle]] = relationship(order_by="LawArticle.position", back_populates="version",
                                                      cascade="all, delete-orphan")

    @property
    def in_force_from(self) -> dt.date:
        """The date from which this text counts as in force: its effective date where known, else
        the date it was made."""
        return self.effective_date or self.version_date

    @property
    def is_current(self) -> bool:
        return self.status != VersionStatus.AMENDED

    def __repr__(self) -> str:
        return f"<LawVersion {self.id} law={self.law_id} {self.version_date}>"


class LawHistoryEvent(Base):
    """One line of a version's adoption and amendment history, as its header states it."""

    __tablename__ = "law_history_event"
    __table_args__ = (UniqueConstraint("law_version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    event_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[EventKind] = mapped_column(String(20))
    #: The event as written after its date: "第十三届全国人民代表大会常务委员会第二十五次会议修订".
    text: Mapped[str] = mapped_column(Text)


class LawHeading(Base):
    """A heading of a version's text, in order: 第二编 物权, 第一章 一般规定, 序言, 附则 ….

    ``address`` names it within its version the way a study list scope or the table of contents
    refers to it, from the top: ``part:2/chapter:1`` is 第二编 第一章 (chapters restart in each 编),
    ``chapter:3`` is 第三章 of a law without 编; unnumbered headings are ``preamble``,
    ``supplementary``, ``annex:1`` … and ``other:<position>``. ``first_article`` and
    ``last_article`` are the positions of the first and last article it holds, its sub-headings
    included (``None`` when it holds none, like the preamble)."""

    __tablename__ = "law_heading"
    __table_args__ = (UniqueConstraint("law_version_id", "position"), UniqueConstraint("law_version_id", "address"))

    id: Mapped[int] = mapped_column(primary_key=True)
    law_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("law_heading.id"))
    kind: Mapped[HeadingKind] = mapped_column(String(20))
    #: 第二编 / 第一分编 / 第三章 / 第一节, or the heading's name for the unnumbered kinds (序言, 附则).
    label: Mapped[str] = mapped_column(String(50))
    number: Mapped[int | None] = mapped_column(Integer)
    #: The words after the label, spacing removed: 物权, 一般规定; empty for 序言, 附则.
    title: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(200))
    #: Unnumbered paragraphs under the heading before any article (the preamble, an annex), one a line.
    body: Mapped[str] = mapped_column(Text, default="")
    first_article: Mapped[int | None] = mapped_column(Integer)
    last_article: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[LawHeading | None] = relationship(remote_side=[id])

    @property
    def caption(self) -> str:
        """Label and title as a table of contents shows them: "第二编 物权", "序言"."""
        return f"{self.label} {self.title}".strip() if self.title != self.label else self.label

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.body.split("\n") if line]


@dataclass(frozen=True)
class Paragraph:
    """One 款 of an article and the 项 items that follow it."""

    text: str
    items: tuple[str, ...] = ()


class LawArticle(Base):
    """One article (条) of a version, with its 款 paragraphs and 项 items kept apart.

    ``text`` holds the article's lines as written (label removed), one 款 or 项 a line; a line
    opening with a full-width parenthesised numeral, （一）, is a 项 of the 款 before it.
    ``items_per_paragraph`` counts the 项 of each 款, so a citation of 第二款第三项 can be checked
    without reading the text."""

    __tablename__ = "law_article"
    __table_args__ = (UniqueConstraint("law_version_id", "number", "suffix"),
                      UniqueConstraint("law_version_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    law_version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id"))
    #: Order within the version, from 1.
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    #: 0 for 第X条, 1 for 第X条之一, 2 for 之二 ….
    suffix: Mapped[int] = mapped_column(Integer, default=0)
    #: As written: 第一百三十三条之一 (or 第36条 in a text numbered in Arabic numerals).
    label: Mapped[str] = mapped_column(String(40))
    #: The innermost heading the article stands under; ``None`` in a text without headings.
    heading_id: Mapped[int | None] = mapped_column(ForeignKey("law_heading.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    items_per_paragraph: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: The earliest article of this law, same number, whose text this one repeats unchanged through
    #: every version in between (itself when new or changed; ``analysis.law_changes.text_origins``).
    #: Articles with one origin are one provision in the same words: coverage, study-list pools and
    #: practice match citations through it. Set by the loader once the ids exist.
    text_origin_id: Mapped[int | None] = mapped_column(ForeignKey("law_article.id"), index=True)

    version: Mapped[LawVersion] = relationship(back_populates="articles")
    heading: Mapped[LawHeading | None] = relationship()

    @property
    def slug(self) -> str:
        """The article in a URL: ``36``, ``133-1`` for 第一百三十三条之一."""
        return f"{self.number}-{self.suffix}" if self.suffix else str(self.number)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The 款 in order, each with its 项."""
        return paragraphs_of(self.lines)

    @property
    def notes(self) -> list[str]:
        """Editor's notes kept with the article (:func:`is_note_line`)."""
        return [line for line in self.lines if is_note_line(line)]

    @property
    def is_deleted(self) -> bool:
        """Whether the text keeps only the number of a deleted article: 第一百九十九条 （删去）."""
        return is_deleted_text(self.text)

    def __repr__(self) -> str:
        return f"<LawArticle {self.label} v{self.law_version_id}>"


def is_item_line(line: str) -> bool:
    """Whether a line of an article is a 项 item: it opens with （一） or (一)."""
    return len(line) > 2 and line[0] in "（(" and _opens_with_numeral(line[1:])


def _opens_with_numeral(rest: str) -> bool:
    end = 0
    while end < len(rest) and rest[end] in "一二三四五六七八九十百零〇0123456789":
        end += 1
    return 0 < end < len(rest) and rest[end] in "）)"


def is_note_line(line: str) -> bool:
    """Whether a line is an editor's note of a consolidated text, opening with ① … ⑳ (刑法 第四百五十二条
    carries one on the effective dates of its amendments): kept with the article, not one of its 款."""
    return bool(line) and "\u2460" <= line[0] <= "\u2473"


def paragraphs_of(lines: list[str]) -> list[Paragraph]:
    """Group an article's lines into 款 with their 项 (a 项 before any 款 opens an empty 款); notes
    (:func:`is_note_line`) are left out."""
    found: list[Paragraph] = []
    for line in lines:
        if is_note_line(line):
            continue
        if is_item_line(line):
            last = found.pop() if found else Paragraph("")
            found.append(Paragraph(last.text, last.items + (line,)))
        else:
            found.append(Paragraph(line))
    return found


def item_counts(lines: list[str]) -> list[int]:
    """How many 项 each 款 of an article's lines has (``LawArticle.items_per_paragraph``)."""
    return [len(p.items) for p in paragraphs_of(lines)]


def is_deleted_text(text: str) -> bool:
    """Whether an article's text only records its deletion: （删去）."""
    return text.strip() in ("（删去）", "(删去)", "删去")
