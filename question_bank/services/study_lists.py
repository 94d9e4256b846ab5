"""Keeping study lists (domain.md §4): create, edit and publish a list version, add, change and
remove its items, start a new version of a published list, copy a list to another year. Every
change is audited ("study_list.*").

Rules:
- a list is kept by the 学法管理员 (``study_admin``) or the exam administrator of a unit whose
  subtree holds the list's unit (:func:`may_keep`), and targets units inside that subtree;
- only a draft's particulars and items change; publishing freezes them. Editing a published list
  is :func:`new_version` (a draft copy, version + 1), which on publishing supersedes the older
  version; cadres' progress stays with the version it was recorded on;
- a published list has at least one item.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from question_bank.models import (
    Law,
    ListStatus,
    OrgUnit,
    Requirement,
    Role,
    StudyItem,
    StudyItemArticle,
    StudyList,
    StudyListUnit,
    User,
)
from question_bank.ranks import Level
from question_bank.services import audit, protection
from question_bank.services.study_scope import ScopeError, resolve_scope, store_articles

#: Roles that keep study lists (within their unit's subtree).
KEEPERS = (Role.STUDY_ADMIN, Role.EXAM_ADMIN)
MAX_TITLE = 200
YEARS = range(2000, 2101)


@dataclass
class ListValues:
    """A list's particulars: ``target_unit_ids`` empty = the keeping unit's subtree; ``levels``
    (``ranks.Level`` values) empty = every rank; ``threshold`` is the coverage threshold (questions
    per item)."""

    title: str
    year: int
    field: str = ""
    audience_note: str = ""
    org_unit_id: int | None = None
    target_unit_ids: list[int] = dataclasses.field(default_factory=list)
    levels: list[str] = dataclasses.field(default_factory=list)
    threshold: int = 3


@dataclass
class ItemValues:
    """An item: the law, its scope as written, requirement, hours (exact, ``None`` = none) and note."""

    law_id: int
    scope_text: str
    requirement: Requirement
    hours: Decimal | None = None
    note: str = ""


def may_keep(actor: User, unit: OrgUnit) -> bool:
    """Whether ``actor`` keeps lists of ``unit``: a keeper role and the unit in their subtree."""
    return protection.may(actor, KEEPERS, unit)


def _require_keeper(actor: User, unit: OrgUnit) -> None:
    if not may_keep(actor, unit):
        raise PermissionDenied()


def _require_draft(study_list: StudyList) -> None:
    if study_list.status != ListStatus.DRAFT:
        raise Conflict(N_("A published list does not change; start a new version to edit it."))


def lists_kept_by(session: Session, actor: User) -> list[StudyList]:
    """The newest version of every list the actor keeps (drafts included), newest year first."""
    newest = (select(StudyList.family_id, func.max(StudyList.version_no).label("v"))
              .group_by(StudyList.family_id).subquery())
    query = (select(StudyList)
             .join(newest, (newest.c.family_id == StudyList.family_id) & (newest.c.v == StudyList.version_no))
             .join(OrgUnit, OrgUnit.id == StudyList.org_unit_id)
             .where(protection.in_subtree(actor.org_unit))
             .order_by(StudyList.year.desc(), StudyList.title))
    return list(session.scalars(query)) if actor.has_role(*KEEPERS) else []


def sources_for_papers(session: Session, keep_ids: list[int] = ()) -> list[StudyList]:
    """List versions a paper section may draw from: every currently published version, and the
    versions in ``keep_ids`` (those a saved paper already uses, even if since superseded)."""
    query = select(StudyList).where((StudyList.status == ListStatus.PUBLISHED)
                                    | (StudyList.id.in_(list(keep_ids)) & (StudyList.status != ListStatus.DRAFT)))
    return list(session.scalars(query.order_by(StudyList.year.desc(), StudyList.title, StudyList.version_no)))


def get_kept(session: Session, actor: User, list_id: int) -> StudyList:
    """A list version the actor keeps; :class:`NotFound` otherwise (as if it did not exist)."""
    found = session.get(StudyList, list_id)
    if found is None or not may_keep(actor, found.org_unit):
        raise NotFound()
    return found


def versions_of(session: Session, study_list: StudyList) -> list[StudyList]:
    """Every version of the list ``study_list`` is a version of, oldest first."""
    return list(session.scalars(select(StudyList).where(StudyList.family_id == study_list.family_id)
                                .order_by(StudyList.version_no)))


def _check_values(session: Session, actor: User, values: ListValues) -> tuple[OrgUnit, list[OrgUnit]]:
    problems: list[Problem] = []
    title = values.title.strip()
    if not title:
        problems.append(Problem(N_("The title is missing."), place="title"))
    elif len(title) > MAX_TITLE:
        problems.append(Problem(N_("The title is longer than %(n)d characters."), {"n": MAX_TITLE}, "title"))
    if values.year not in YEARS:
        problems.append(Problem(N_("The year must be between %(a)d and %(b)d."), {"a": YEARS[0], "b": YEARS[-1]}, "year"))
    if not 0 <= values.threshold <= 1000:
        problems.append(Problem(N_("The coverage threshold must be between 0 and 1000."), place="threshold"))
    unknown = [v for v in values.levels if v not in Level.__members__.values()]
    if unknown:
        problems.append(Problem(N_("Unknown rank level: %(value)s"), {"value": ", ".join(unknown)}, "levels"))
    unit = session.get(OrgUnit, values.org_unit_id) if values.org_unit_id else actor.org_unit
    if not protection.reaches(actor, unit):
        problems.append(Problem(N_("The unit is not within yours."), place="org_unit_id"))
    targets = [session.get(OrgUnit, i) for i in dict.fromkeys(values.target_unit_ids)]
    if any(unit is None or not protection.lies_within(t, (unit,)) for t in targets):
        problems.append(Problem(N_("A target unit is not within the list's unit."), place="target_unit_ids"))
    if problems:
        raise InvalidInput(problems)
    return unit, targets  # type: ignore[return-value]


def _apply(study_list: StudyList, values: ListValues, unit: OrgUnit, targets: list[OrgUnit]) -> None:
    study_list.title = values.title.strip()
    study_list.year = values.year
    study_list.field = values.field.strip()[:100]
    study_list.audience_note = values.audience_note.strip()
    study_list.org_unit = unit
    study_list.target_levels = [v for v in Level if v in values.levels]
    study_list.coverage_threshold = values.threshold
    study_list.target_unit_rows = [StudyListUnit(org_unit_id=t.id, org_unit=t) for t in targets]


def snapshot(study_list: StudyList) -> dict:
    """What the audit log keeps of a list version."""
    return {"title": study_list.title, "year": study_list.year, "field": study_list.field,
            "version": study_list.version_no, "status": str(study_list.status), "unit": study_list.org_unit_id,
            "targets": [r.org_unit_id for r in study_list.target_unit_rows], "levels": list(study_list.target_levels),
            "threshold": study_list.coverage_threshold,
            "items": [[i.law_id, i.law_version_id, i.scope_text, str(i.requirement),
                       None if i.hours is None else str(i.hours), i.note] for i in study_list.items]}


def create_list(session: Session, clock: Clock, actor: User, values: ListValues) -> StudyList:
    """A new draft list (version 1 of a new family). Raises InvalidInput, PermissionDenied."""
    protection.require_role(actor, *KEEPERS)
    unit, targets = _check_values(session, actor, values)
    study_list = StudyList(created_by_id=actor.id, created_at=clock.now(), status=ListStatus.DRAFT, version_no=1)
    _apply(study_list, values, unit, targets)
    session.add(study_list)
    session.flush()
    study_list.family_id = study_list.id
    session.flush()
    audit.record(session, clock, actor, "study_list.create", "study_list", study_list.id, after=snapshot(study_list))
    return study_list


def update_list(session: Session, clock: Clock, actor: User, study_list: StudyList, values: ListValues) -> None:
    """Change a draft's particulars. Raises Conflict for a published list."""
    _require_keeper(actor, study_list.org_unit)
    _require_draft(study_list)
    before = snapshot(study_list)
    unit, targets = _check_values(session, actor, values)
    _apply(study_list, values, unit, targets)
    session.flush()
    audit.record(session, clock, actor, "study_list.update", "study_list", study_list.id, before=before,
                 after=snapshot(study_list))


def _resolved_item(session: Session, values: ItemValues, place: str = "scope") -> tuple[StudyItem, list[int]]:
    law = session.get(Law, values.law_id)
    if law is None:
        raise InvalidInput([Problem(N_("No such law in the catalogue."), place="law_id")])
    if values.hours is not None and (values.hours < 0 or values.hours >= 10_000):
        raise InvalidInput([Problem(N_("Hours must be a number from 0 with at most two decimals, not %(value)s."),
                                    {"value": str(values.hours)}, "hours")])
    try:
        scope = resolve_scope(session, law, values.scope_text)
    except ScopeError as error:
        raise InvalidInput([Problem(error.message, error.params, place)]) from error
    item = StudyItem(law=law, law_version=scope.version, scope_text=values.scope_text.strip(), scope_parts=scope.parts,
                     requirement=values.requirement, hours=values.hours, note=values.note.strip())
    return item, scope.article_ids


def add_item(session: Session, clock: Clock, actor: User, study_list: StudyList, values: ItemValues) -> StudyItem:
    """Append an item to a draft, its scope resolved. Raises InvalidInput naming the field."""
    _require_keeper(actor, study_list.org_unit)
    _require_draft(study_list)
    item, article_ids = _resolved_item(session, values)
    item.position = len(study_list.items) + 1
    study_list.items.append(item)
    session.flush()
    store_articles(session, item, article_ids)
    session.flush()
    audit.record(session, clock, actor, "study_list.item_add", "study_list", study_list.id,
                 after={"item": item.id, "law": item.law_id, "scope": item.scope_text})
    return item


def update_item(session: Session, clock: Clock, actor: User, item: StudyItem, values: ItemValues) -> StudyItem:
    """Replace an item of a draft (same position)."""
    study_list = item.study_list
    _require_keeper(actor, study_list.org_unit)
    _require_draft(study_list)
    new, article_ids = _resolved_item(session, values)
    before = {"item": item.id, "law": item.law_id, "scope": item.scope_text, "requirement": str(item.requirement),
              "hours": None if item.hours is None else str(item.hours), "note": item.note}
    position = item.position
    _drop(session, item)
    new.position = position
    study_list.items.insert(position - 1, new)
    session.flush()
    store_articles(session, new, article_ids)
    session.flush()
    audit.record(session, clock, actor, "study_list.item_update", "study_list", study_list.id, before=before,
                 after={"item": new.id, "law": new.law_id, "scope": new.scope_text,
                        "requirement": str(new.requirement), "hours": None if new.hours is None else str(new.hours),
                        "note": new.note})
    return new


def _drop(session: Session, item: StudyItem) -> None:
    session.execute(delete(StudyItemArticle).where(StudyItemArticle.study_item_id == item.id))
    item.study_list.items.remove(item)
    session.flush()


def remove_item(session: Session, clock: Clock, actor: User, item: StudyItem) -> None:
    """Remove an item from a draft; the items after it move up."""
    study_list = item.study_list
    _require_keeper(actor, study_list.org_unit)
    _require_draft(study_list)
    gone = {"item": item.id, "law": item.law_id, "scope": item.scope_text}
    _drop(session, item)
    _renumber(session, study_list)
    audit.record(session, clock, actor, "study_list.item_remove", "study_list", study_list.id, before=gone)


def _renumber(session: Session, study_list: StudyList) -> None:
    # Two passes keep (list, position) unique at every flush.
    for index, item in enumerate(study_list.items, start=1):
        item.position = -index
    session.flush()
    for index, item in enumerate(study_list.items, start=1):
        item.position = index
    session.flush()


def publish(session: Session, clock: Clock, actor: User, study_list: StudyList) -> None:
    """Publish a draft: its items are frozen and it replaces the family's published version for
    cadres who have not worked on that one. Raises Conflict when it has no items."""
    _require_keeper(actor, study_list.org_unit)
    _require_draft(study_list)
    if not study_list.items:
        raise Conflict(N_("A list without items cannot be published."))
    for older in versions_of(session, study_list):
        if older.status == ListStatus.PUBLISHED and older.id != study_list.id:
            older.status = ListStatus.SUPERSEDED
    study_list.status = ListStatus.PUBLISHED
    study_list.published_at = clock.now()
    study_list.published_by_id = actor.id
    session.flush()
    audit.record(session, clock, actor, "study_list.publish", "study_list", study_list.id, after=snapshot(study_list))


def _copy_items(session: Session, source: StudyList, target: StudyList, re_resolve: bool) -> None:
    for item in source.items:
        if re_resolve:
            values = ItemValues(item.law_id, item.scope_text, item.requirement, item.hours, item.note)
            try:
                new, article_ids = _resolved_item(session, values)
            except InvalidInput as error:
                raise InvalidInput([Problem(p.message, p.params, f"item {item.position}") for p in error.problems]) from error
        else:
            new = StudyItem(law_id=item.law_id, law_version_id=item.law_version_id, scope_text=item.scope_text,
                            scope_parts=list(item.scope_parts), requirement=item.requirement, hours=item.hours,
                            note=item.note)
            article_ids = list(session.scalars(select(StudyItemArticle.article_id)
                                               .where(StudyItemArticle.study_item_id == item.id)))
        new.position = item.position
        target.items.append(new)
        session.flush()
        store_articles(session, new, article_ids)
    session.flush()


def new_version(session: Session, clock: Clock, actor: User, study_list: StudyList) -> StudyList:
    """A draft copy of a published list to edit (version + 1, same items and articles); the
    family's existing draft when there is one."""
    _require_keeper(actor, study_list.org_unit)
    family = versions_of(session, study_list)
    draft = next((v for v in family if v.status == ListStatus.DRAFT), None)
    if draft is not None:
        return draft
    newest = family[-1]
    copy = _copy_head(newest, clock, actor)
    copy.family_id, copy.version_no = newest.family_id, newest.version_no + 1
    session.add(copy)
    _copy_items(session, newest, copy, re_resolve=False)
    audit.record(session, clock, actor, "study_list.new_version", "study_list", copy.id,
                 detail=f"from {newest.id}", after=snapshot(copy))
    return copy


def _copy_head(source: StudyList, clock: Clock, actor: User) -> StudyList:
    return StudyList(org_unit_id=source.org_unit_id, org_unit=source.org_unit, year=source.year, title=source.title,
                     field=source.field, audience_note=source.audience_note, target_levels=list(source.target_levels),
                     coverage_threshold=source.coverage_threshold, status=ListStatus.DRAFT, created_by_id=actor.id,
                     created_at=clock.now(),
                     target_unit_rows=[StudyListUnit(org_unit_id=r.org_unit_id) for r in source.target_unit_rows])


def copy_to_year(session: Session, clock: Clock, actor: User, study_list: StudyList, year: int) -> StudyList:
    """A new list (its own family, a draft) for ``year`` with the same particulars and items; a
    "2026" in the title becomes the new year. Scopes are resolved again against the catalogue
    (the law's current version unless a scope names one), so the copy studies the law in force.
    Raises InvalidInput naming an item that no longer resolves, a year out of :data:`YEARS`, or
    the list's own year (a second identical list; a change is a new version)."""
    _require_keeper(actor, study_list.org_unit)
    if year not in YEARS:
        raise InvalidInput([Problem(N_("The year must be between %(a)d and %(b)d."), {"a": YEARS[0], "b": YEARS[-1]}, "year")])
    if year == study_list.year:
        raise InvalidInput([Problem(N_("The list is already for %(year)d: copy it to another year, or start a new "
                                       "version of it to change it."), {"year": year}, "year")])
    copy = _copy_head(study_list, clock, actor)
    copy.year, copy.version_no = year, 1
    copy.title = copy.title.replace(str(study_list.year), str(year))
    session.add(copy)
    session.flush()
    copy.family_id = copy.id
    _copy_items(session, study_list, copy, re_resolve=True)
    audit.record(session, clock, actor, "study_list.copy", "study_list", copy.id, detail=f"from {study_list.id}",
                 after=snapshot(copy))
    return copy
