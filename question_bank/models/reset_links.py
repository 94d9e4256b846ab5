"""One-time password-reset links (issue 10): an administrator makes one for an account, the person
opens it and chooses a new password. See ``question_bank.services.reset_links``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from question_bank.db import Base, UTCDateTime


class PasswordResetLink(Base):
    """A reset link as stored: only the SHA-256 of its secret token, so a copy of the database
    cannot be turned into working links. A link works once, until ``expires_at``, and only while
    no newer link was made for the same account."""

    __tablename__ = "password_reset_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Hex SHA-256 of the token in the link (the token itself is shown once and never stored).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The administrator who made it.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: When it was used to set a password; set once, under a conditional UPDATE (single use).
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: When a newer link for the same account, or its use, made this one void without being used.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
