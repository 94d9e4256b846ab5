"""The appraisal summary (考核汇总) as the records API reads it: for the token's unit subtree (or a
unit inside it), per cadre and per unit, paged by cursor (issue 6, "Reports").

The figures are HR's page's own: the filter is ``appraisal.filter_for`` and the summary
``appraisal.summary_for``, the functions the page reaches through the viewer's unit; this module
only chooses the unit from the token and cuts the cadres into pages. A page of cadres ascends by
user id, a page of units by unit id (a unit is listed when a counted cadre belongs to that very
unit, as in the page's per-unit table). Reading closes the overdue attempts of the period's
sittings first, as the page does, so the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from question_bank.clock import BEIJING, Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import ApiToken, OrgUnit, User
from question_bank.reports import appraisal as report
from question_bank.reports.appraisal import CadreSummary, UnitFigures
from question_bank.services import appraisal, deadlines
from question_bank.services.api_records import DEFAULT_PAGE, Page, unit_in_scope


@dataclass(frozen=True)
class AppraisalQuery:
    """What a client asked for: ``unit_id`` (a unit of the token's subtree; None: the token's own),
    a calendar ``year`` or ``first_day`` to ``last_day`` (Beijing days; neither: the current
    Beijing year, as on the page), and ``kind``, a key of ``appraisal.KIND_CHOICES``."""

    unit_id: int | None = None
    year: int | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    kind: str = "all"


def chosen_filter(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery) -> appraisal.AppraisalFilter:
    """The summary's filter for the token. Raises :class:`NotFound` for a unit outside the token's
    subtree, :class:`InvalidInput` naming the parameter ("kind", "year", "first_day", "last_day")."""
    if query.kind not in appraisal.KIND_CHOICES:
        raise InvalidInput([Problem(N_("choose a kind of sitting from the list"), place="kind")])
    unit: OrgUnit = token.org_unit if query.unit_id is None else unit_in_scope(session, token, query.unit_id)
    year = query.year
    if year is None and query.first_day is None and query.last_day is None:
        year = clock.now().astimezone(BEIJING).year
    return appraisal.filter_for(unit, year=year, first_day=query.first_day, last_day=query.last_day,
                                kinds=appraisal.KIND_CHOICES[query.kind])


def _prepared(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery) -> appraisal.AppraisalFilter:
    """The filter, once the overdue attempts of its sittings are closed (uncommitted)."""
    chosen = chosen_filter(session, clock, token, query)
    deadlines.sweep(session, clock, sitting_ids=appraisal.sitting_ids_for(session, chosen))
    return chosen


def _summaries_page(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery, after: int, limit: int,
                    ids_of: Callable[..., list[int]], narrowed_to: Callable[[list[int]], ColumnElement[bool]]
                    ) -> tuple[list[CadreSummary], int | None]:
    """The summaries of the cadres a page of ids stands for, and the next page's cursor: ``ids_of``
    (``appraisal.cadre_ids`` or ``unit_ids``) reads one id more than ``limit`` to tell whether
    another page follows; ``narrowed_to`` makes a page's ids a condition over ``User``."""
    chosen = _prepared(session, clock, token, query)
    ids = ids_of(session, chosen, after=after, limit=limit + 1)
    next_after = ids[limit - 1] if len(ids) > limit else None
    if not ids:
        return [], next_after
    return appraisal.summary_for(session, chosen, clock.now(), only=narrowed_to(ids[:limit])), next_after


def cadres(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery, *, after: int = 0,
           limit: int = DEFAULT_PAGE) -> Page:
    """A page of :class:`CadreSummary`, by user id above ``after``. Raises as :func:`chosen_filter`."""
    found, next_after = _summaries_page(session, clock, token, query, after, limit, appraisal.cadre_ids, User.id.in_)
    return Page(sorted(found, key=lambda s: s.user.id), next_after)


@dataclass(frozen=True)
class UnitLine:
    """One unit's figures over the period: the unit, and its own cadres' :class:`UnitFigures`."""

    unit: OrgUnit
    figures: UnitFigures

    @property
    def id(self) -> int:
        return self.unit.id


def units(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery, *, after: int = 0,
          limit: int = DEFAULT_PAGE) -> Page:
    """A page of :class:`UnitLine`, by unit id above ``after``. Raises as :func:`chosen_filter`."""
    found, next_after = _summaries_page(session, clock, token, query, after, limit, appraisal.unit_ids,
                                        User.org_unit_id.in_)
    lines = [UnitLine(group[0].user.org_unit, report.unit_figures(group[0].user.org_unit.name, group))
             for group in report.by_unit(found).values()]
    return Page(sorted(lines, key=lambda line: line.id), next_after)


def subtree_total(session: Session, clock: Clock, token: ApiToken, query: AppraisalQuery) -> report.UnitFigures:
    """The figures of every counted cadre of the chosen subtree (the token's, or ``unit_id``'s
    inside it) over the period: the page's :data:`~question_bank.reports.appraisal.TOTAL_LABEL`
    row, the same on every page of :func:`units`, since a unit's line counts its own cadres only
    and a reader cannot add pages up into mean shares or pass rates. Raises as :func:`chosen_filter`."""
    chosen = _prepared(session, clock, token, query)
    return report.unit_figures(report.TOTAL_LABEL, appraisal.summary_for(session, chosen, clock.now()))
