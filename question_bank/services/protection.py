"""Authorisation in one place (issue 8): who may do what to which object, and the org-subtree filter.

Staff roles are scoped to the subtree of the person's unit (domain.md §2). Every object a staff member
manages (a paper, a sitting, a study list, a person) belongs to one :class:`OrgUnit`, so one rule decides
them all, in the manner of indico's protection mixin:

- :func:`may` — "this actor may do this to this object": holds one of the roles *and* the object's unit
  lies in the actor's subtree;
- :func:`reaches` — the subtree half alone, for a holder whose role was checked already or who has none
  (an API token reaches its unit's subtree); :func:`lies_within` is the same rule from a set of units
  (a study list's target units reach the cadres below them);
- :func:`shares_reach` — the holder's subtree and one of some units' subtrees overlap (HR reports on a
  study list aimed at its city, at the province above it or at a district below it);
- :func:`is_top_unit` — the unit whose subtree is every unit (the province), which some rules single out;
- :func:`unit_in_reach` — load a unit chosen by id (a filter, a target) that must lie in the subtree;
- :func:`require_role` — the role half alone, for actions on no one object (a list, a new paper);
- :func:`get_in_scope` — load an object by id for an action; "not in your subtree" and "no such id"
  give the same :class:`NotFound`, so ids cannot be probed (SEC-A1); a row lock is taken only once the
  object is known to be in scope;
- :func:`in_subtree` / :func:`scoped` — the same rule as SQL, for lists and searches.

The web layer's role × route table (``examsvc/policy.py``) says which roles reach a route at all; these
functions decide the object behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from question_bank.errors import N_, Msg, NotFound, PermissionDenied
from question_bank.models import OrgUnit, Role, User

T = TypeVar("T")


def in_subtree(unit: OrgUnit) -> ColumnElement[bool]:
    """SQL condition "the joined ``OrgUnit`` row is ``unit`` or lies below it" (one indexed prefix match on
    the materialised path; ``%`` and ``_`` in a path are matched literally)."""
    return OrgUnit.path.startswith(unit.path, autoescape=True)


def in_any_subtree(units: Iterable[OrgUnit]) -> ColumnElement[bool]:
    """SQL condition "the joined ``OrgUnit`` row lies in one of ``units``' subtrees"; false for none."""
    conditions = [in_subtree(u) for u in units]
    return or_(*conditions) if conditions else false()


def scoped(model: type[T], actor: User) -> Select[tuple[T]]:
    """``select(model)`` limited to the rows whose ``org_unit_id`` lies in the actor's subtree."""
    return select(model).join(OrgUnit, model.org_unit_id == OrgUnit.id).where(in_subtree(actor.org_unit))  # type: ignore[attr-defined]


def require_role(actor: User, *roles: Role) -> None:
    """Raise :class:`PermissionDenied` (HTTP 403) unless ``actor`` holds one of ``roles``: the role half
    of :func:`may`, for an action on no one object (creating a list, reading the import reports) or
    before the object is loaded."""
    if not actor.has_role(*roles):
        raise PermissionDenied()


class UnitHolder(Protocol):
    """Whatever acts within one unit's subtree: a staff member (:class:`User`) or an API token."""

    @property
    def org_unit(self) -> OrgUnit: ...


def lies_within(unit: OrgUnit | None, roots: Iterable[OrgUnit]) -> bool:
    """True when ``unit`` is one of ``roots`` or lies below one of them: the subtree rule of domain.md §2
    (the Python twin of :func:`in_any_subtree`). A study list reaches the cadres whose unit lies within
    its target units (``study_targets.reaches``). False for no unit or no roots."""
    return unit is not None and any(root.contains(unit) for root in roots)


def reaches(holder: UnitHolder, unit: OrgUnit | None) -> bool:
    """True when ``unit`` is the holder's unit or lies below it (domain.md §2). An object of no unit is
    in nobody's reach."""
    return lies_within(unit, (holder.org_unit,))


def shares_reach(holder: UnitHolder, units: Iterable[OrgUnit]) -> bool:
    """True when the holder's subtree and the subtree of one of ``units`` share a unit: that unit lies
    in the holder's subtree (a list aimed at a district below an HR officer's city), or holds the
    holder's unit (a list aimed at the whole province also reaches the city's cadres). Two subtrees of
    a tree are nested or apart, so this is exactly "they overlap". Wider than :func:`reaches`, which
    refuses the province's list to the city: the rule for reporting on what is aimed at units, whose
    rows are then cut to the holder's subtree (``study_reports``: HR sees the list, and only its own
    cadres on it)."""
    return any(unit.contains(holder.org_unit) or holder.org_unit.contains(unit) for unit in units)


def is_top_unit(unit: OrgUnit) -> bool:
    """True for the top unit (the province: the one unit with no parent), whose subtree is every unit.
    Its administrators give the province-wide roles (:func:`grantable_roles`) and its auditors read
    every event (``audit_log.in_unit_scope``)."""
    return unit.parent_id is None


def may(actor: User, roles: Iterable[Role], unit: OrgUnit | None) -> bool:
    """True when ``actor`` holds one of ``roles`` and ``unit`` (the object's unit) lies in the actor's
    subtree (:func:`reaches`)."""
    return actor.has_role(*roles) and reaches(actor, unit)


def unit_in_reach(session: Session, holder: UnitHolder, unit_id: int) -> OrgUnit:
    """The :class:`OrgUnit` ``unit_id`` when the holder :func:`reaches` it. Raises :class:`NotFound`
    otherwise, the same answer as for an id that does not exist (SEC-A1: units cannot be probed)."""
    unit = session.get(OrgUnit, unit_id)
    if not reaches(holder, unit):
        raise NotFound()
    return unit  # type: ignore[return-value]  # reaches() is false for None


def _unit_of(obj: Any) -> OrgUnit | None:
    return obj.org_unit


def get_in_scope(session: Session, actor: User, model: type[T], obj_id: Any, *roles: Role,
                 unit_of: Callable[[T], OrgUnit | None] = _unit_of, lock: bool = False) -> T:
    """The ``model`` row ``obj_id`` for an actor holding one of ``roles`` whose subtree holds it (its unit
    found by ``unit_of``, by default ``obj.org_unit``), row-locked (``FOR UPDATE``) and read afresh with
    ``lock``. Raises :class:`PermissionDenied` when the actor holds none of the roles, :class:`NotFound`
    when the row is missing or outside the subtree (the same answer for both)."""
    require_role(actor, *roles)
    obj = session.get(model, obj_id)
    if obj is None or not may(actor, roles, unit_of(obj)):
        raise NotFound()
    if lock:
        # Locked only once it is known to be in scope: an actor of another unit must never hold (or
        # queue for) the lock of a row that is not theirs. Read again under the lock, and judged again,
        # in case another transaction changed or removed it in between.
        obj = session.get(model, obj_id, with_for_update=True, populate_existing=True)
        if obj is None or not may(actor, roles, unit_of(obj)):
            raise NotFound()
    return obj


#: Roles whose reach is not bounded by the holder's unit, with their names (the accounts page's
#: labels): the question bank and its categories belong to no unit (questions have no org unit; every
#: sitting of the province draws on them), so its editors and reviewers act on the whole province;
#: so does the law administrator (one law catalogue). The full-ID grant (SEC-P1) reaches only the
#: holder's sheets, but it is the one exception to masking ID numbers everywhere, so the province
#: decides it. Only an administrator of the top unit gives these (issue-10 trial: a city's
#: administrator made bank editors and reviewers and a law administrator of the province).
#: Every other role acts inside its holder's subtree (``may``/``scoped``; the auditor's reading is
#: bounded by ``audit_log.in_unit_scope``; a unit's sysadmin manages its subtree only).
PROVINCE_WIDE_ROLES: dict[Role, str] = {
    Role.BANK_EDITOR: N_("Question-bank editor"),
    Role.BANK_REVIEWER: N_("Question-bank reviewer"),
    Role.LAW_ADMIN: N_("Law administrator"),
    Role.FULL_ID_EXPORT: N_("Full ID numbers in score-sheet exports (with HR; purpose and password asked each time)"),
}


class RolesNotGrantable(PermissionDenied):
    """An administrator of a unit below the top one tried to give a role that acts on the whole
    province (:data:`PROVINCE_WIDE_ROLES`). ``params['roles']``: their names; ``codes``: the roles."""

    template = N_("These roles act on the whole province: %(roles)s. An administrator of a unit may give only roles "
                  "that act inside it; ask an administrator of the top unit.")

    def __init__(self, roles: Iterable[Role]) -> None:
        self.codes = sorted(str(r) for r in roles)
        super().__init__(roles=tuple(Msg(PROVINCE_WIDE_ROLES[Role(code)]) for code in self.codes))


def grantable_roles(actor: User) -> frozenset[Role]:
    """The roles ``actor`` (a sysadmin) may give: every role for an administrator of the top unit
    (no parent, :func:`is_top_unit`); for one of a unit below it, those whose reach stays inside the unit."""
    if is_top_unit(actor.org_unit):
        return frozenset(Role)
    return frozenset(Role) - PROVINCE_WIDE_ROLES.keys()


def require_grantable(actor: User, roles: Iterable[Role], held: Iterable[Role] = ()) -> None:
    """Raise :class:`RolesNotGrantable` when ``roles`` (what an account is to hold) has one that
    ``actor`` may not give and the account does not already hold (``held``: keeping or taking
    away a role someone else gave is fine)."""
    refused = set(roles) - set(held) - grantable_roles(actor)
    if refused:
        raise RolesNotGrantable(refused)
