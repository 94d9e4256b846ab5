"""Failed sign-ins, counted for throttling when the database is the shared store (the demo and the
tests; production counts in Redis): see ``question_bank.services.throttle``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from question_bank.db import Base, UTCDateTime


class SignInFailure(Base):
    """One failed sign-in counted against one key: the account ("account:<id>", or "name:…"/"id:…"
    for a name no account has), the account from one address ("account:<id>@address:<ip>") or the
    address ("address:<ip>"); see ``question_bank.services.throttle``.

    Insert-only: counting rows in a window needs no read-modify-write, so two workers failing at
    once both count. Rows older than the longest window are deleted as new ones arrive.
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_key_at", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
