"""Asking for HR score sheets: scope, permission, closing overdue attempts, loading the records
and auditing downloads; the sheet itself is ``question_bank.reports.score_sheet`` (pure).

Rules (domain.md §2, §6, §8, §9):
- only HR reads score sheets, and only roster entries whose cadre belongs to the viewer's unit
  subtree (HR of city A sees city A's cadres only); a sitting with none of them is
  :class:`NotFound` to that viewer, like one that does not exist;
- overdue attempts of the sittings asked about are closed first, at their deadline (domain.md
  §6: on the next request that touches them), so the caller commits;
- every download is the audit event "export.score_sheet".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, contains_eager

from question_bank.clock import Clock
from question_bank.errors import NotFound
from question_bank.models import Attempt, OrgUnit, Role, RosterEntry, Sitting, User
from question_bank.reports import score_sheet as sheet
from question_bank.reports.score_sheet import ScoreSheetRow, SittingSummary
from question_bank.services import audit, deadlines, makeups, protection, score_check

#: Roles that may read score sheets (the web guard says the same; this is the domain's own check).
READER_ROLES = (Role.HR,)
#: The audit action of a download.
EXPORT_ACTION = "export.score_sheet"


def _in_scope(viewer: User):
    return protection.in_subtree(viewer.org_unit)


def _entries_in_scope(session: Session, viewer: User, sitting_ids: Iterable[int] | None = None) -> list[RosterEntry]:
    query = (
        select(RosterEntry)
        .join(RosterEntry.user)
        .join(User.org_unit)
        .where(_in_scope(viewer))
        .options(contains_eager(RosterEntry.user).contains_eager(User.org_unit))
        .order_by(OrgUnit.path, RosterEntry.id)
    )
    if sitting_ids is not None:
        query = query.where(RosterEntry.sitting_id.in_(list(sitting_ids)))
    return list(session.scalars(query))


def _attempts_in_scope(session: Session, viewer: User, sitting_ids: Iterable[int] | None = None) -> dict[int, dict[int, list[Attempt]]]:
    """Sitting id → user id → that candidate's attempts (oldest first), for roster entries in the viewer's scope."""
    query = (
        select(Attempt)
        .join(RosterEntry, and_(RosterEntry.sitting_id == Attempt.sitting_id, RosterEntry.user_id == Attempt.user_id))
        .join(User, User.id == Attempt.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_in_scope(viewer))
        .order_by(Attempt.attempt_no)
    )
    if sitting_ids is not None:
        query = query.where(Attempt.sitting_id.in_(list(sitting_ids)))
    grouped: dict[int, dict[int, list[Attempt]]] = defaultdict(lambda: defaultdict(list))
    for attempt in session.scalars(query):
        grouped[attempt.sitting_id][attempt.user_id].append(attempt)
    return grouped


def visible_sitting(session: Session, sitting_id: int, viewer: User) -> Sitting:
    """The sitting, if it has a roster entry in the viewer's scope. Raises :class:`NotFound`
    otherwise, or :class:`PermissionDenied` when the viewer is not HR."""
    protection.require_role(viewer, *READER_ROLES)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or not _entries_in_scope(session, viewer, [sitting.id]):
        raise NotFound()
    return sitting


def score_sheet(session: Session, clock: Clock, sitting: Sitting, viewer: User) -> tuple[tuple[str, ...], list[ScoreSheetRow]]:
    """The sitting's score sheet as ``(HEADERS, rows)``: one row per roster entry in the viewer's
    unit subtree, ordered by unit, then roster order, every score checked against the ledger. A
    make-up sitting's sheet also shows each candidate's first attempt (``sheet.build_makeup``).

    The sitting's overdue attempts are closed first, so an attempt abandoned past its deadline
    shows as submitted automatically with its score (case C-04), never as in progress.
    Raises :class:`PermissionDenied` (the viewer is not HR) or :class:`NotFound` (no roster entry
    of the sitting lies in the viewer's scope).
    """
    protection.require_role(viewer, *READER_ROLES)
    entries = _entries_in_scope(session, viewer, [sitting.id])
    if not entries:
        raise NotFound()
    original = makeups.original_of(session, sitting)
    ids = [sitting.id] + ([original.id] if original is not None else [])
    deadlines.sweep(session, clock, sitting_ids=ids)
    loaded = _attempts_in_scope(session, viewer, ids)
    attempts = loaded[sitting.id]
    results = score_check.checked_scores(
        session, (a for sitting_id in ids for group in loaded[sitting_id].values() for a in group))
    if original is not None:
        return sheet.build_makeup(sitting, original, entries, attempts, loaded[original.id], results, clock.now())
    return sheet.build(sitting, entries, attempts, results, clock.now())


def export_score_sheet(session: Session, clock: Clock, viewer: User, sitting: Sitting,
                       file_format: str) -> tuple[tuple[str, ...], list[ScoreSheetRow]]:
    """The score sheet for a download, with the audit event "export.score_sheet" (domain.md §9)
    recorded in the caller's transaction: the format, the number of rows, the viewer's unit, and
    how many scores did not agree with the ledger. ``file_format`` is "csv" or "xlsx". Raises like
    :func:`score_sheet`."""
    headers, rows = score_sheet(session, clock, sitting, viewer)
    audit.record(session, clock, viewer, EXPORT_ACTION, "sitting", sitting.id,
                 after={"format": file_format, "rows": len(rows), "scope_unit": viewer.org_unit_id,
                        "scores_not_matching_ledger": sheet.withheld(rows)})
    session.flush()
    return headers, rows


def sitting_summaries(session: Session, clock: Clock, viewer: User) -> list[SittingSummary]:
    """Every sitting with at least one roster entry in the viewer's scope, newest window first,
    with counts over those entries. Overdue attempts are closed first, so the counts are final.
    Raises :class:`PermissionDenied`."""
    protection.require_role(viewer, *READER_ROLES)
    entries = _entries_in_scope(session, viewer)
    by_sitting: dict[int, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        by_sitting[entry.sitting_id].append(entry)
    deadlines.sweep(session, clock, sitting_ids=list(by_sitting))
    attempts = _attempts_in_scope(session, viewer)
    results = score_check.checked_scores(
        session, (a for users in attempts.values() for group in users.values() for a in group))
    sittings = session.scalars(
        select(Sitting).where(Sitting.id.in_(list(by_sitting))).order_by(Sitting.opens_at.desc(), Sitting.id.desc())
    ) if by_sitting else []
    now = clock.now()
    return [sheet.summarise(s, by_sitting[s.id], attempts.get(s.id, {}), results, now) for s in sittings]
