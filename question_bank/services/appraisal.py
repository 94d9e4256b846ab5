"""Asking for the appraisal summary (考核汇总): the filter, its scope, and loading the records; the
summary itself is ``question_bank.reports.appraisal`` (pure).

Two doors lead to one summary: HR's page (:func:`make_filter` and :func:`summary`, for a viewer,
through the viewer's unit) and the records API (:func:`filter_for` and :func:`summary_for`, for
a unit subtree the token was given). Both count the same cadres by the same rules.

Rules (domain.md §2, §8, §9; issue 6 "Reports"; SEC-A3, SEC-P1):
- only HR reads it, and only for a unit in their own subtree: HR of 甲市 choosing 乙市 gets
  :class:`NotFound`, as for a unit that does not exist, and the cadres, roster entries and
  attempts loaded are those of the chosen subtree only;
- the sittings are those opening within the period (Beijing days) whose kind was chosen; a
  make-up counts as the kind of the sitting it makes up for;
- reading changes nothing: the caller closes the overdue attempts of :func:`sitting_ids` first
  and records a download with :func:`record_export` (audit event "export.appraisal").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload

from question_bank import date_filters
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, NotFound, Problem
from question_bank.models import (
    Attempt, ExamKind, ListStatus, MakeupLink, OrgUnit, Role, RosterEntry, Sitting, StudyList, StudyProgress,
    User, UserRole,
)
from question_bank.reports import appraisal as report
from question_bank.reports.appraisal import CadreSummary, Period, Study
from question_bank.services import audit, protection, score_check
from question_bank.services.practice_figures import practice_figures
from question_bank.services.study_targets import cadres_reached

READER_ROLES = (Role.HR,)
EXPORT_ACTION = "export.appraisal"
#: The kinds a summary covers unless told otherwise (practice sittings are not appraised).
DEFAULT_KINDS = (ExamKind.PRE_APPOINTMENT, ExamKind.ANNUAL)
#: The kinds a summary may be asked for, by name (the page's and the API's ``kind``).
KIND_CHOICES: dict[str, tuple[ExamKind, ...]] = {
    "all": DEFAULT_KINDS,
    "pre_appointment": (ExamKind.PRE_APPOINTMENT,),
    "annual": (ExamKind.ANNUAL,),
}
#: Longest period one summary covers, in days (a few years of appraisal, not the whole history).
MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class AppraisalFilter:
    """What a summary covers: ``period``, the subtree of ``unit``, sittings of ``kinds`` (and
    their make-ups)."""

    period: Period
    unit: OrgUnit
    kinds: tuple[ExamKind, ...]


def units_for(session: Session, viewer: User) -> list[OrgUnit]:
    """The units a viewer may choose: their own and every unit below it, in tree order."""
    protection.require_role(viewer, *READER_ROLES)
    return list(session.scalars(select(OrgUnit).where(protection.in_subtree(viewer.org_unit))
                                .order_by(OrgUnit.path)))


def make_filter(session: Session, viewer: User, *, year: int | None = None, first_day: dt.date | None = None,
                last_day: dt.date | None = None, unit_id: int | None = None,
                kinds: Sequence[ExamKind] = DEFAULT_KINDS) -> AppraisalFilter:
    """The filter from what the viewer chose (:func:`filter_for`); ``unit_id`` defaults to the
    viewer's own unit. Raises :class:`NotFound` for a unit outside the viewer's subtree;
    :class:`PermissionDenied` for anyone but HR; :class:`InvalidInput` as :func:`filter_for`."""
    protection.require_role(viewer, *READER_ROLES)
    unit = viewer.org_unit if unit_id is None else protection.unit_in_reach(session, viewer, unit_id)
    return filter_for(unit, year=year, first_day=first_day, last_day=last_day, kinds=kinds)


def filter_for(unit: OrgUnit, *, year: int | None = None, first_day: dt.date | None = None,
               last_day: dt.date | None = None, kinds: Sequence[ExamKind] = DEFAULT_KINDS) -> AppraisalFilter:
    """The filter for ``unit``'s subtree, which the caller has already found the reader may see: a
    calendar ``year``, or ``first_day`` to ``last_day`` (both needed, Beijing days; they win over
    ``year``). Raises :class:`InvalidInput` naming the field ("year", "first_day", "last_day",
    "kinds") for a period missing, reversed or longer than :data:`MAX_PERIOD_DAYS`, a year or day
    outside the searchable years (``date_filters``), or no kind."""
    problems = date_filters.problems({"first_day": first_day, "last_day": last_day})
    if first_day is None and last_day is None:
        if year is None:
            problems.append(Problem(N_("choose a year or a period"), place="year"))
        elif (wrong_year := date_filters.year_problem("year", year)) is not None:
            problems.append(wrong_year)
    elif first_day is None or last_day is None:
        problems.append(Problem(N_("give both the first and the last day"), place="last_day" if first_day else "first_day"))
    elif problems:  # a day outside the searchable years, said above: no period to measure
        pass
    elif last_day < first_day:
        problems.append(Problem(N_("the last day is before the first day"), place="last_day"))
    elif (last_day - first_day).days >= MAX_PERIOD_DAYS:
        problems.append(Problem(N_("a summary covers at most %(days)d days"), {"days": MAX_PERIOD_DAYS}, "last_day"))
    if not kinds:
        problems.append(Problem(N_("choose at least one kind of sitting"), place="kinds"))
    if problems:
        raise InvalidInput(problems)
    if first_day is None:
        first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return AppraisalFilter(Period(first_day, last_day), unit, tuple(kinds))


def _sittings(session: Session, chosen: AppraisalFilter) -> list[Sitting]:
    """The sittings of the period of a chosen kind, make-ups by their original's kind."""
    start, end = chosen.period.bounds()
    rows = session.execute(
        select(Sitting, MakeupLink.original_sitting_id)
        .outerjoin(MakeupLink, MakeupLink.makeup_sitting_id == Sitting.id)
        .where(Sitting.opens_at >= start, Sitting.opens_at < end).order_by(Sitting.opens_at, Sitting.id)).all()
    originals = {s.id: s for s, _ in rows}
    missing = {o for _, o in rows if o is not None and o not in originals}
    if missing:
        originals.update({s.id: s for s in session.scalars(select(Sitting).where(Sitting.id.in_(missing)))})
    kinds = set(chosen.kinds)
    return [s for s, original in rows
            if (originals[original].kind if original is not None else s.kind) in kinds]


def sitting_ids(session: Session, viewer: User, chosen: AppraisalFilter) -> list[int]:
    """The sittings the summary reads, for the caller to close their overdue attempts first."""
    protection.require_role(viewer, *READER_ROLES)
    return sitting_ids_for(session, chosen)


def sitting_ids_for(session: Session, chosen: AppraisalFilter) -> list[int]:
    """:func:`sitting_ids` for a filter whose unit the caller has already checked."""
    return [s.id for s in _sittings(session, chosen)]


def _is_counted(chosen: AppraisalFilter, sitting_ids: Sequence[int]) -> ColumnElement[bool]:
    """Over ``User`` joined to its ``OrgUnit``: a cadre the summary counts, that is an active
    cadre of the subtree, or anyone of it on a roster of the period's ``sitting_ids``."""
    is_cadre = select(UserRole.user_id).where(UserRole.role == Role.CADRE.value)
    wanted = and_(User.is_active.is_(True), User.id.in_(is_cadre))
    if sitting_ids:
        wanted = wanted | User.id.in_(select(RosterEntry.user_id).where(RosterEntry.sitting_id.in_(sitting_ids)))
    return and_(protection.in_subtree(chosen.unit), wanted)


def _cadres(session: Session, chosen: AppraisalFilter, sitting_ids: Sequence[int],
            only: ColumnElement[bool] | None) -> list[User]:
    """The counted cadres (``only`` those where given), by unit and name."""
    query = select(User).join(User.org_unit).where(_is_counted(chosen, sitting_ids))
    if only is not None:
        query = query.where(only)
    return list(session.scalars(query.options(selectinload(User.org_unit))
                                .order_by(OrgUnit.path, User.display_name, User.id)))


def cadre_ids(session: Session, chosen: AppraisalFilter, *, after: int, limit: int) -> list[int]:
    """Up to ``limit`` ids of the cadres :func:`summary_for` counts, ascending, above ``after``."""
    query = (select(User.id).join(User.org_unit).where(_is_counted(chosen, sitting_ids_for(session, chosen)),
                                                       User.id > after).order_by(User.id).limit(limit))
    return list(session.scalars(query))


def unit_ids(session: Session, chosen: AppraisalFilter, *, after: int, limit: int) -> list[int]:
    """Up to ``limit`` ids of the units with a cadre :func:`summary_for` counts (in that very unit),
    ascending, above ``after``."""
    query = (select(User.org_unit_id).join(User.org_unit)
             .where(_is_counted(chosen, sitting_ids_for(session, chosen)), User.org_unit_id > after)
             .group_by(User.org_unit_id).order_by(User.org_unit_id).limit(limit))
    return list(session.scalars(query))


def _study(session: Session, chosen: AppraisalFilter, user_ids: set[int]) -> dict[int, Study]:
    """User id → items studied of the items of the period's years' current published lists reaching them."""
    totals: dict[int, int] = defaultdict(int)
    items_of: dict[int, list[int]] = defaultdict(list)
    lists = session.scalars(select(StudyList).where(StudyList.status == ListStatus.PUBLISHED,
                                                    StudyList.year.in_(list(chosen.period.years()))))
    for study_list in lists:
        item_ids = [i.id for i in study_list.items]
        for cadre in cadres_reached(session, study_list, within=chosen.unit):
            if cadre.id in user_ids:
                totals[cadre.id] += len(item_ids)
                items_of[cadre.id] += item_ids
    studied: dict[int, int] = {}
    every_item = {i for ids in items_of.values() for i in ids}
    if every_item:
        done = session.execute(
            select(StudyProgress.user_id, StudyProgress.study_item_id)
            .where(StudyProgress.user_id.in_(list(items_of)), StudyProgress.study_item_id.in_(every_item),
                   StudyProgress.studied_at.is_not(None)))
        by_user: dict[int, set[int]] = defaultdict(set)
        for user_id, item_id in done:
            by_user[user_id].add(item_id)
        studied = {u: sum(1 for i in items_of[u] if i in by_user[u]) for u in items_of}
    return {u: Study(studied.get(u, 0), total) for u, total in totals.items()}


def summary(session: Session, viewer: User, chosen: AppraisalFilter, now: dt.datetime) -> list[CadreSummary]:
    """:func:`summary_for` the viewer. Raises :class:`PermissionDenied` for anyone but HR,
    :class:`NotFound` when the filter's unit lies outside the viewer's subtree."""
    protection.require_role(viewer, *READER_ROLES)
    if not protection.reaches(viewer, chosen.unit):
        raise NotFound()
    return summary_for(session, chosen, now)


def summary_for(session: Session, chosen: AppraisalFilter, now: dt.datetime, *,
                only: ColumnElement[bool] | None = None) -> list[CadreSummary]:
    """Each cadre of the chosen subtree over the period (``report.summarise``), by unit and name,
    every score checked against the ledger; ``only`` (a condition over ``User``, such as
    ``User.id.in_(ids)``) narrows the cadres without changing anyone's figures, since a cadre's
    figures are their own records'. Reads only. The caller has checked that the reader may see
    ``chosen.unit``'s subtree (HR's page through :func:`summary`, the records API through its
    token's unit)."""
    sittings = _sittings(session, chosen)
    ids = [s.id for s in sittings]
    cadres = _cadres(session, chosen, ids, only)
    user_ids = {c.id for c in cadres}
    rosters: dict[int, list[int]] = defaultdict(list)
    attempts: dict[int, dict[int, list[Attempt]]] = defaultdict(lambda: defaultdict(list))
    if ids and user_ids:
        # The people whose entries and attempts are read: the subtree's, narrowed as the cadres were.
        people = [protection.in_subtree(chosen.unit)] + ([only] if only is not None else [])
        for sitting_id, user_id in session.execute(
                select(RosterEntry.sitting_id, RosterEntry.user_id).join(User, User.id == RosterEntry.user_id)
                .join(OrgUnit, OrgUnit.id == User.org_unit_id).where(RosterEntry.sitting_id.in_(ids), *people)):
            rosters[sitting_id].append(user_id)
        for attempt in session.scalars(
                select(Attempt).join(User, User.id == Attempt.user_id).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                .where(Attempt.sitting_id.in_(ids), *people).order_by(Attempt.attempt_no)):
            attempts[attempt.sitting_id][attempt.user_id].append(attempt)
    results = score_check.checked_scores(session, (a for users in attempts.values() for group in users.values()
                                                   for a in group))
    start, end = chosen.period.bounds()
    practice = practice_figures(session, user_ids, start, end, now=now)
    return report.summarise(cadres, sittings, rosters, attempts, results, _study(session, chosen, user_ids),
                            practice, now)


def table(summaries: Sequence[CadreSummary], per: str) -> tuple[tuple[str, ...], list[tuple]]:
    """The per-"cadre" or per-"unit" table. Raises ValueError for any other ``per``."""
    if per == "cadre":
        return report.cadre_table(summaries)
    if per == "unit":
        return report.unit_table(summaries)
    raise ValueError(f"per must be 'cadre' or 'unit', not {per!r}")


def record_export(session: Session, clock: Clock, viewer: User, chosen: AppraisalFilter, per: str,
                  file_format: str, rows: int) -> None:
    """Record a download as the audit event "export.appraisal" (domain.md §9) in the caller's
    transaction: the filter, the table ("cadre" or "unit"), the format and the number of rows."""
    audit.record(session, clock, viewer, EXPORT_ACTION, "org_unit", chosen.unit.id,
                 after={"per": per, "format": file_format, "rows": rows, "scope_unit": viewer.org_unit_id,
                        "first_day": chosen.period.first_day.isoformat(),
                        "last_day": chosen.period.last_day.isoformat(), "kinds": [str(k) for k in chosen.kinds]})
    session.flush()

