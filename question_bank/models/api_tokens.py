"""API tokens: what lets an HR or organisation-department system read records through the JSON
records API (issue 6, "Reports"). A token is shown once when made and kept only as its SHA-256."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, JSONDocument, UTCDateTime
from question_bank.models.org import OrgUnit
from question_bank.models.people import User


class ApiToken(Base):
    """One scoped, expiring, revocable bearer token for the read-only records API.

    It reads only records of ``org_unit``'s subtree, only through the ``scopes`` it holds
    (``question_bank.services.api_tokens.SCOPES``), until ``expires_at`` or ``revoked_at``. Rows
    are never deleted: a revoked token stays listed with who revoked it and when.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the token is for, as its maker named it ("组织部干部信息系统").
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 (hex) of the whole token as given to its holder; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters ("exs_AbC1"), so that people can tell tokens apart in the list
    #: and in the audit log; far too short to guess the rest from.
    prefix: Mapped[str] = mapped_column(String(12))
    #: Granted scopes, sorted: ["audit:read", "scores:read", "sittings:read"].
    scopes: Mapped[list[str]] = mapped_column(JSONDocument)
    #: Records of this unit and every unit below it are readable, nothing else.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: From this moment on the token is refused.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The last time a request with the token was answered (refusals for a missing scope too).
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def usable(self, now: dt.datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at
