"""The question bank: categories, questions with immutable versions, and import batches.

Shaped on Moodle's question engine: a :class:`Question` is a stable identity; what a candidate sees
and is scored on is a :class:`QuestionVersion`, which is never changed once an attempt used it and
never deleted (domain.md §3).
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
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, Points, UTCDateTime
from question_bank.field_limits import MAX_CATEGORY_NAME, MAX_CATEGORY_PATH
from question_bank.models.people import User

if TYPE_CHECKING:
    from question_bank.models.citations import QuestionCitation


class QuestionStatus(StrEnum):
    """Workflow of domain.md §3: draft → in review → published → retired."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Category(Base):
    """A node of the category tree, addressed by its path such as ``宪法/国家机构``."""

    __tablename__ = "category"
    #: Ids are never given twice, on SQLite too (migration 3f7a2c9e8d41): a deleted row's id is named
    #: elsewhere (the audit log, exports, links).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_CATEGORY_NAME))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    #: Full path of names joined by "/", unique: how imports and people name a category.
    path: Mapped[str] = mapped_column(String(MAX_CATEGORY_PATH), unique=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    @classmethod
    def below(cls, path: str) -> ColumnElement[bool]:
        """SQL condition: a category strictly below the one at ``path`` (``宪法/国家机构`` below
        ``宪法``, never ``宪法学``). ``%`` and ``_`` in a name are matched literally."""
        return cls.path.startswith(path + "/", autoescape=True)

    @classmethod
    def at_or_below(cls, path: str) -> ColumnElement[bool]:
        """SQL condition: the category at ``path`` or one below it (:meth:`below`)."""
        return or_(cls.path == path, cls.below(path))

    def __repr__(self) -> str:
        return f"<Category {self.path}>"


class BatchStatus(StrEnum):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: Returned, then thrown away by its uploader: its drafts removed (``review.discard_batch``).
    DISCARDED = "discarded"


class ImportBatch(Base):
    """The questions that arrived in one import; reviewed (and published or sent back) as one."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: "xlsx" or "csv"
    file_format: Mapped[str] = mapped_column(String(20))
    #: "all_or_nothing" or "valid_only"
    mode: Mapped[str] = mapped_column(String(20))
    #: Encoding a CSV was read with ("utf-8", "gb18030"); empty for workbooks.
    encoding: Mapped[str] = mapped_column(String(20), default="")
    #: SHA-256 of the uploaded bytes (hex): the same file uploaded again is recognised before anything
    #: is written. None for batches imported before it was kept.
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[BatchStatus] = mapped_column(String(20), default=BatchStatus.IN_REVIEW)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, default="")
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Rows that were refused and rows flagged as near-duplicates:
    #: {"errors": [{"place", "message"}], "duplicates": [{"row", "question_id", "resembles"}]}.
    report: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class HeldImport(Base):
    """An uploaded question file held back before anything was written, because the file or some of
    its questions are already in the bank; kept until its uploader chooses to skip the repeats,
    import them anyway or drop it (``services.held_imports``). One per uploader at most."""

    __tablename__ = "held_import"
    #: Ids are never given twice, on SQLite too (migration 3f7a2c9e8d41): a deleted row's id is named
    #: elsewhere (the audit log, exports, links).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    filename: Mapped[str] = mapped_column(String(255))
    #: "all_or_nothing" or "valid_only", as chosen on upload.
    mode: Mapped[str] = mapped_column(String(20))
    #: The format chosen on upload: a key of ``services.import_formats.READERS``, or "auto".
    file_format: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Question(Base):
    """A question's stable identity, workflow status and pointers to its versions.

    ``category_id`` is the current version's category, kept here for listing and searching the
    bank; papers draw by the published version's own category."""

    __tablename__ = "question"
    #: Ids are never given twice, on SQLite too (migration 3f7a2c9e8d41): a deleted row's id is named
    #: elsewhere (the audit log, exports, links).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    status: Mapped[QuestionStatus] = mapped_column(String(20), index=True)
    #: The latest version: what editors edit and reviewers review. Older versions stay for the
    #: attempts that used them.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_version.id", use_alter=True, name="fk_question_current_version"), index=True
    )
    #: The last version a reviewer approved: what papers draw. An edit awaiting review does not take
    #: a published question out of the sittings that draw on it; approval moves this forward.
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_version.id", use_alter=True, name="fk_question_published_version")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Who approved it for publication; never the author (four eyes).
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    #: The live question this one repeats or most resembles, found when it was written, edited or
    #: imported (duplicate detection, case C-21); None when it resembles none.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    #: How alike the two are, in percent (``question_bank.similarity``): 100 is a repeat (the same
    #: stem and options after folding punctuation, width, space and option order).
    duplicate_similarity: Mapped[int | None] = mapped_column(Integer)
    #: The stem and options are the same as ``duplicate_of``'s (similarity 100) but the answer or
    #: the type is not: an author's correction, never a plain repeat (``services.duplicates``).
    duplicate_answer_changed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Indexed: the bank list's default order.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    category: Mapped[Category] = relationship()
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    published_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )

    @property
    def is_live(self) -> bool:
        """Whether papers may draw it: an approved version exists and it is not retired."""
        return self.published_version_id is not None and self.status != QuestionStatus.RETIRED
    versions: Mapped[list[QuestionVersion]] = relationship(
        foreign_keys="QuestionVersion.question_id",
        back_populates="question",
        order_by="QuestionVersion.version_no",
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    import_batch: Mapped[ImportBatch | None] = relationship()
    duplicate_of: Mapped[Question | None] = relationship(remote_side=[id])


class QuestionVersion(Base):
    """One immutable wording of a question: what an attempt shows and marks.

    ``options`` is the list of option texts, index 0 being option A. ``key`` depends on the type
    (see ``question_bank.types``): a sorted list of option letters for choice types, a bool for
    true/false, the accepted answers of each blank for fill-in, the reference answer (text) for
    short answer.
    """

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "version_no"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty_range"),
        # Bank search's "used in a sitting" reads the questions from the used versions alone.
        Index("ix_question_version_used", "question_id",
              sqlite_where=text("used_at IS NOT NULL"), postgresql_where=text("used_at IS NOT NULL")),
        # Ids are never given twice, on SQLite too (migration 3f7a2c9e8d41).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    #: Code of a registered question type (``question_bank.types``).
    qtype: Mapped[str] = mapped_column(String(30), index=True)
    #: The category this wording files the question under: part of the version, so a change of
    #: category is reviewed like any other and papers keep drawing by the approved one.
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    key: Mapped[Any] = mapped_column(JSONDocument)
    #: Indexes (0 = A) of the options that option shuffling leaves at their place ("以上都是",
    #: case C-23); empty for most questions and for every type without options.
    pinned_options: Mapped[list[int]] = mapped_column(JSONDocument, default=list, server_default="[]")
    #: Marking criteria (评分标准) for the markers of a type marked by a person; empty otherwise.
    #: Never shown to candidates.
    rubric: Mapped[str] = mapped_column(Text, default="", server_default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[int] = mapped_column(Integer, default=3)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: Citation text such as "《中华人民共和国行政处罚法》第三十六条".
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    #: Suggested mark in points; a paper section's own mark wins.
    default_score: Mapped[Decimal | None] = mapped_column(Points(6))
    #: SHA-256 of the stem and options with punctuation, width, space and option order folded
    #: away (``text.content_fingerprint``): finds repeats by index; no paper holds two versions
    #: with the same fingerprint (case C-21).
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    #: The stem and options as duplicate detection compares them (``text.content_text``, of which
    #: the fingerprint is the digest), written with them so that a check reads it instead of
    #: folding every candidate again. NULL for a row written without it (a bulk load): then it is
    #: folded from the stem and options when needed (``services.duplicates``).
    content_text: Mapped[str | None] = mapped_column(Text)
    #: Stem and options as bank search compares them (``text.search_fold``), one per line. On
    #: PostgreSQL a GIN trigram index (pg_trgm, made by the migration) serves substring search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The legal basis as bank search compares it (``text.search_fold``).
    search_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: Set when the version is first put into an attempt; from then on it must not change.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship(foreign_keys=[question_id], back_populates="versions")
    category: Mapped[Category] = relationship()
    #: The legal basis (and articles the text mentions) resolved against the law catalogue
    #: (``question_bank.services.citing``); derived from the text, which stays as written.
    law_refs: Mapped[list[QuestionCitation]] = relationship(order_by="QuestionCitation.position",
                                                            viewonly=True)


class NearDuplicateBand(Base):
    """One locality-sensitive hash key of a version's content (``question_bank.similarity``): the
    index through which duplicate detection finds the versions a new text may resemble, without
    comparing it with every question. Each version has ``similarity.BANDS`` rows, written with it."""

    __tablename__ = "near_duplicate_band"

    #: A band's key: a signed 64-bit hash of the band number and its MinHash values. First in the
    #: primary key, so that a lookup by key reads the version ids from the key's index alone.
    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), primary_key=True, index=True)
