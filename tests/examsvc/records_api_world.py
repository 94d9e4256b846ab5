"""A small province for the records API tests: two cities, a cadre in each with an ID number, a
sitting both sat (one passed, one failed), a second sitting of city B only, and tokens made
through the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from dataclasses import dataclass

from question_bank.idnumbers import check_character
from question_bank.models import ApiToken, OrgUnit, Role, Sitting, UnitLevel, User
from question_bank.services import api_tokens, attempts
from question_bank.services.api_tokens import TokenSpec
from tests.conftest import at


def id_number(first17: str) -> str:
    """A valid resident ID number (GB 11643-1999 check character) from its first 17 digits."""
    return first17 + check_character(first17)


@dataclass
class World:
    root_admin: User
    city_a: OrgUnit
    city_b: OrgUnit
    admin_a: User
    cadre_a: User
    cadre_b: User
    sitting: Sitting
    b_only: Sitting

    def token(self, db, clock, *scopes: str, unit: OrgUnit | None = None, days: int = 30,
              admin: User | None = None) -> tuple[ApiToken, str]:
        """A token (row, secret) for ``unit`` (default: the root unit) holding ``scopes`` (default: all)."""
        admin = admin or self.root_admin
        token, secret = api_tokens.create_token(db, clock, admin, TokenSpec(
            "人事系统", tuple(scopes or api_tokens.SCOPES), (unit or admin.org_unit).id, days))
        db.commit()
        return token, secret


def build(make, db, clock) -> World:
    root_admin = make.user(Role.SYSADMIN, username="root_admin")
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    admin_a = make.user(Role.SYSADMIN, username="admin_a", unit=city_a)
    dept_a = make.unit("甲市司法局", parent=city_a)
    cadre_a = make.cadre(username="cadre_a", display_name="张三", unit=dept_a, id_number=id_number("11010119900307451"))
    cadre_b = make.cadre(username="cadre_b", display_name="李四", unit=city_b, id_number=id_number("44030419850101123"))
    make.questions(8, "single_choice", key=["B"])
    paper = make.paper([("single_choice", 8, Decimal("12.5"), "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre_a, cadre_b], shuffle=False, opens_at=at("09:00:00"),
                           closes_at=at("12:00:00"), title="任前法律知识考试（五月）")
    b_only = make.sitting(paper, roster=[cadre_b], shuffle=False, opens_at=at("09:00:00", dt.date(2026, 6, 1)),
                          closes_at=at("12:00:00", dt.date(2026, 6, 1)), title="乙市年度学法考试")
    # 张三 answers all eight right (100.00, passed); 李四 three of eight (37.50, failed).
    for cadre, right in ((cadre_a, 8), (cadre_b, 3)):
        attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
        attempts.submit_attempt(db, clock, cadre, attempt.id, {
            item.slot: ["B"] if item.slot <= right else ["A"] for item in attempt.items})  # key B, options not shuffled
        db.commit()
    return World(root_admin, city_a, city_b, admin_a, cadre_a, cadre_b, sitting, b_only)
