"""Organisation units: the province → city → county → department tree every person belongs to."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime


class UnitLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    DEPARTMENT = "department"


class OrgUnit(Base):
    """A node of the organisation tree. Staff roles are scoped to a unit's subtree (domain.md §2)."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[UnitLevel] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    #: Materialised path of ids, "/1/4/9/", so that a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    def contains(self, other: OrgUnit) -> bool:
        """True when ``other`` is this unit or lies below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.name}>"
