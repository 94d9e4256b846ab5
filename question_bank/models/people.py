"""People: users, their roles and the personal data a roster needs."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime
from question_bank.models.org import OrgUnit


class Role(StrEnum):
    """Roles of domain.md §2; one person may hold several."""

    CADRE = "cadre"
    BANK_EDITOR = "bank_editor"
    BANK_REVIEWER = "bank_reviewer"
    EXAM_ADMIN = "exam_admin"
    MARKER = "marker"
    #: 阅卷组长: a marker who also sets the mark when two markers differ by more than the tolerance.
    SENIOR_MARKER = "senior_marker"
    HR = "hr"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"
    #: 法规管理员: keeps the law catalogue (loads law texts, corrects a law's particulars).
    LAW_ADMIN = "law_admin"
    #: 学法管理员: keeps the study lists of their unit's subtree.
    STUDY_ADMIN = "study_admin"
    #: A grant, not a job: with HR, may export score sheets with full ID numbers (a stated purpose,
    #: the password again, an audit event each time; SEC-P1). Alone it lets nobody in anywhere.
    FULL_ID_EXPORT = "full_id_export"


class User(Base):
    """A person who signs in: a cadre, or staff with roles scoped to their unit's subtree.

    Besides its columns it offers the four members Flask-Login looks for (``is_active``,
    ``is_authenticated``, ``is_anonymous``, ``get_id``), by duck typing, so the domain stays free of
    Flask.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        # Usernames are unique whatever their case (sign-in ignores case), and one person has one
        # account per ID number (by its keyed hash); the services check both first to give a clear message.
        Index("uq_user_account_username_lower", func.lower(text("username")), unique=True),
        UniqueConstraint("id_number_lookup"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: werkzeug scrypt hash, never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped to sign the person out everywhere (password change, account disabled): sessions carry it.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    #: Set by an administrator's password reset (a temporary password): until the person chooses
    #: a password of their own, every page but the change-password page sends them there.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Resident ID number, encrypted (AES-256-GCM, SEC-P5): read and written only through
    #: ``question_bank.id_vault``, which shows it masked everywhere but the audited full-ID export.
    id_number_sealed: Mapped[str | None] = mapped_column(String(100))
    #: Keyed hash (HMAC-SHA256, hex) of the normalised ID number: finds and keeps unique a number
    #: without decrypting it (``id_vault``).
    id_number_lookup: Mapped[str | None] = mapped_column(String(64))
    current_post: Mapped[str | None] = mapped_column(String(200))
    proposed_post: Mapped[str | None] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        """True when the person holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Session identifier "id:epoch"; a bumped epoch invalidates every session on every worker."""
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class UserRole(Base):
    """One role held by one person."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")
