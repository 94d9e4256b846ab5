"""Whom a study list reaches (domain.md §4): cadres in the subtree of one of its target units
and, when it names rank levels, whose ``rank`` reads (``question_bank.ranks.level_of``) as one of
them. A cadre whose rank text cannot be read is not reached by a list that names levels;
:func:`unread_ranks` lists them for the list's keepers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from question_bank.models import ListStatus, OrgUnit, Role, StudyItem, StudyList, StudyProgress, User, UserRole
from question_bank.ranks import level_of
from question_bank.services import protection


def _in_units(units: list[OrgUnit]):
    return or_(*(protection.in_subtree(u) for u in units))


def reaches(study_list: StudyList, user: User) -> bool:
    """Whether the list aims at ``user`` (a cadre): unit subtree and, if named, rank level."""
    if not user.has_role(Role.CADRE) or not protection.lies_within(user.org_unit, study_list.target_units):
        return False
    return not study_list.target_levels or level_of(user.rank) in study_list.target_levels


def cadres_reached(session: Session, study_list: StudyList, within: OrgUnit | None = None) -> list[User]:
    """The cadres the list reaches, optionally only those in ``within``'s subtree, by unit and name."""
    query = (select(User).join(User.org_unit).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.CADRE.value, User.is_active.is_(True), _in_units(study_list.target_units))
             .options(selectinload(User.org_unit)).order_by(OrgUnit.path, User.display_name, User.id))
    if within is not None:
        query = query.where(protection.in_subtree(within))
    users = list(session.scalars(query))
    if study_list.target_levels:
        users = [u for u in users if level_of(u.rank) in study_list.target_levels]
    return users


@dataclass(frozen=True)
class UnreadRank:
    """A cadre in a list's units whose rank text (``rank``, as entered) is not on the scale."""

    user: User
    rank: str


def unread_ranks(session: Session, study_list: StudyList) -> list[UnreadRank]:
    """Cadres in the list's units whose rank text is empty or not on the scale, when the list
    names levels (they are not reached, and the keeper should know why)."""
    if not study_list.target_levels:
        return []
    query = (select(User).join(User.org_unit).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.CADRE.value, User.is_active.is_(True), _in_units(study_list.target_units))
             .order_by(OrgUnit.path, User.display_name))
    return [UnreadRank(u, u.rank or "") for u in session.scalars(query) if level_of(u.rank) is None]


def lists_for_cadre(session: Session, user: User) -> list[StudyList]:
    """The published lists that reach ``user``, one version per list: the version the cadre has
    worked on when they have, else the newest published one. Newest year first."""
    published = list(session.scalars(
        select(StudyList).where(StudyList.status.in_([ListStatus.PUBLISHED, ListStatus.SUPERSEDED]))
        .options(selectinload(StudyList.items)).order_by(StudyList.year.desc(), StudyList.family_id,
                                                          StudyList.version_no.desc())))
    worked = set(session.scalars(select(StudyItem.study_list_id).join(StudyProgress, StudyProgress.study_item_id == StudyItem.id)
                                 .where(StudyProgress.user_id == user.id)))
    chosen: dict[int, StudyList] = {}
    for version in published:
        family = version.family_id
        if version.id in worked:
            chosen[family] = version
        elif family not in chosen and version.status == ListStatus.PUBLISHED:
            chosen[family] = version
    return [v for v in chosen.values() if reaches(v, user)]
