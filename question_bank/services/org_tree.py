"""The organisation tree managed by administrators (issue 10): add, rename and move units.

A sysadmin manages the units below their own (their own unit is their scope's root: renaming or
moving it is for an administrator above). A move keeps the tree a tree: a unit cannot go under
itself or under one of its descendants. Units are found by materialised path
(``OrgUnit.path``, "/1/4/9/"), so a move rewrites the path of the unit and of everything below it
in one statement. Two units under one parent may not share a name: people tell units apart by
their paths. Every change is an audit event.
"""

from __future__ import annotations

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, NotFound, Problem
from question_bank.models import OrgUnit, Role, UnitLevel, User
from question_bank.services import audit, people, protection
from question_bank.text import hidden_character_problems

MAX_UNIT_NAME = 200


def managed_unit(session: Session, actor: User, unit_id: int, *, own_allowed: bool = False) -> OrgUnit:
    """A unit the actor manages: strictly below their own (or their own with ``own_allowed``).
    Raises :class:`NotFound` otherwise, as for an id that does not exist (no enumeration)."""
    unit = session.get(OrgUnit, unit_id)
    if not protection.may(actor, (Role.SYSADMIN,), unit) or (unit.id == actor.org_unit_id and not own_allowed):
        raise NotFound()
    return unit


def _name_problems(session: Session, name: str, parent: OrgUnit, unit: OrgUnit | None = None) -> list[Problem]:
    if not name:
        return [Problem(N_("the name is empty"), place="name")]
    if len(name) > MAX_UNIT_NAME:
        return [Problem(N_("the name may have at most %(n)d characters"), {"n": MAX_UNIT_NAME}, "name")]
    hidden = hidden_character_problems({"name": name})
    if hidden:
        return hidden
    sibling = session.scalar(select(OrgUnit.id).where(
        OrgUnit.parent_id == parent.id, func.lower(OrgUnit.name) == name.lower(),
        OrgUnit.id != (unit.id if unit else -1)).limit(1))
    if sibling is not None:
        return [Problem(N_("%(parent)s already has a unit named %(name)s"), {"parent": parent.name, "name": name}, "name")]
    return []


def add_unit(session: Session, clock: Clock, actor: User, name: str, level: UnitLevel, parent_id: int) -> OrgUnit:
    """Add a unit under ``parent_id`` (the actor's unit or one below it). Raises :class:`NotFound`
    or :class:`InvalidInput` (empty, over-long or sibling's name, or one holding a control or
    invisible character: :func:`question_bank.text.hidden_character_problems`)."""
    parent = managed_unit(session, actor, parent_id, own_allowed=True)
    name = name.strip()
    problems = _name_problems(session, name, parent)
    if problems:
        raise InvalidInput(problems)
    unit = people.create_unit(session, clock, name, UnitLevel(level), parent)
    audit.record(session, clock, actor, "unit.create", "unit", unit.id,
                 after={"name": name, "level": str(level), "parent": parent.id})
    return unit


def change_unit(session: Session, clock: Clock, actor: User, unit_id: int, *, name: str, level: UnitLevel,
                parent_id: int) -> OrgUnit:
    """Rename a unit, change its level and move it (with everything below it) under ``parent_id``.
    Raises :class:`NotFound`, or :class:`InvalidInput` when the new parent is the unit itself or
    lies below it (a cycle), or for the name."""
    unit = managed_unit(session, actor, unit_id)
    parent = managed_unit(session, actor, parent_id, own_allowed=True)
    name = name.strip()
    problems = []
    if unit.contains(parent):
        problems.append(Problem(N_("a unit cannot be moved under itself or a unit below it"), place="parent"))
    else:
        problems += _name_problems(session, name, parent, unit)
    if problems:
        raise InvalidInput(problems)
    before = {"name": unit.name, "level": str(unit.level), "parent": unit.parent_id}
    unit.name, unit.level = name, UnitLevel(level)
    if unit.parent_id != parent.id:
        old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
        unit.parent = parent
        session.flush()
        # Every path below the unit shares its old prefix: one statement rewrites them all.
        session.execute(
            update(OrgUnit).where(OrgUnit.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path, String).concat(func.substr(OrgUnit.path, len(old_path) + 1)))
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
    session.flush()
    after = {"name": name, "level": str(level), "parent": parent.id}
    if after != before:
        audit.record(session, clock, actor, "unit.update", "unit", unit_id, before=before, after=after)
    return session.get(OrgUnit, unit_id)
