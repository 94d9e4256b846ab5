"""Asking for HR score sheets: scope, permission and loading the records; the sheet itself is
``question_bank.reports.score_sheet`` (pure).

Rules (domain.md §2, §6, §8, §9):
- only HR reads score sheets, and only roster entries whose cadre belongs to the viewer's unit
  subtree (HR of city A sees city A's cadres only); a sitting with none of them is
  :class:`NotFound` to that viewer, like one that does not exist;
- reading changes nothing (issue 6, "the house"): the caller closes the overdue attempts of
  :func:`related_sitting_ids` first (``deadlines.sweep``, domain.md §6: on the next request that
  touches them) and commits, and records a download with :func:`record_export`, the audit event
  "export.score_sheet".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from question_bank import collector
from question_bank.clock import Clock
from question_bank.db import in_ids
from question_bank.errors import NotFound
from question_bank.models import Attempt, OrgUnit, Role, RosterEntry, Sitting, User
from question_bank.reports import score_sheet as sheet
from question_bank.reports.score_sheet import ScoreSheetRow, SittingSummary
from question_bank.services import audit, makeups, people, protection, score_check
from question_bank.services.standing import ENDED, candidate_status

#: Roles that may read score sheets (the web guard says the same; this is the domain's own check).
READER_ROLES = (Role.HR,)
#: The audit action of a download.
EXPORT_ACTION = "export.score_sheet"


def _in_scope(viewer: User):
    return protection.in_subtree(viewer.org_unit)


def _in_scope_query(query: Select, viewer: User, sitting_ids: Iterable[int] | None = None) -> Select:
    """``query`` over the roster entries in the viewer's scope (of ``sitting_ids``, when given),
    in the sheet's order: by unit, then roster order."""
    query = query.join(RosterEntry.user).join(User.org_unit).where(_in_scope(viewer)).order_by(OrgUnit.path, RosterEntry.id)
    if sitting_ids is not None:
        query = query.where(RosterEntry.sitting_id.in_(list(sitting_ids)))
    return query


def _entries_in_scope(session: Session, viewer: User, sitting_ids: Iterable[int] | None = None) -> list[RosterEntry]:
    query = _in_scope_query(select(RosterEntry), viewer, sitting_ids).options(
        contains_eager(RosterEntry.user).contains_eager(User.org_unit))
    return list(session.scalars(query))


def _attempts_in_scope(session: Session, viewer: User, sitting_ids: Iterable[int] | None = None,
                       users: Iterable[int] | None = None) -> dict[int, dict[int, list[Attempt]]]:
    """Sitting id → user id → that candidate's attempts (oldest first), for roster entries in the
    viewer's scope (of the candidates ``users``, when given)."""
    query = (
        select(Attempt)
        .join(RosterEntry, and_(RosterEntry.sitting_id == Attempt.sitting_id, RosterEntry.user_id == Attempt.user_id))
        .join(User, User.id == Attempt.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_in_scope(viewer))
        .order_by(Attempt.attempt_no)
        # joined, not "selectin": that asked again by a list of every attempt's id, 500 at a time,
        # for re-openings few attempts have (issue 7)
        .options(joinedload(Attempt.reopenings))
    )
    if sitting_ids is not None:
        query = query.where(Attempt.sitting_id.in_(list(sitting_ids)))
    if users is not None:
        query = query.where(in_ids(Attempt.user_id, users))
    grouped: dict[int, dict[int, list[Attempt]]] = defaultdict(lambda: defaultdict(list))
    for attempt in session.scalars(query).unique():
        grouped[attempt.sitting_id][attempt.user_id].append(attempt)
    return grouped


def visible_sitting(session: Session, sitting_id: int, viewer: User) -> Sitting:
    """The sitting, if it has a roster entry in the viewer's scope. Raises :class:`NotFound`
    otherwise, or :class:`PermissionDenied` when the viewer is not HR."""
    protection.require_role(viewer, *READER_ROLES)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or not _has_entry_in_scope(session, viewer, sitting.id):
        raise NotFound()
    return sitting


def _has_entry_in_scope(session: Session, viewer: User, sitting_id: int) -> bool:
    """Whether the sitting has a roster entry in the viewer's scope (one row read, not the roster)."""
    return session.scalar(
        select(RosterEntry.id).join(RosterEntry.user).join(User.org_unit)
        .where(_in_scope(viewer), RosterEntry.sitting_id == sitting_id).limit(1)) is not None


def related_sitting_ids(session: Session, sitting: Sitting) -> list[int]:
    """The sittings whose attempts a sheet of ``sitting`` shows: itself, the sitting it makes up
    for, and its make-ups; the caller closes their overdue attempts before asking for the sheet."""
    original = makeups.original_of(session, sitting)
    return [sitting.id] + ([original.id] if original is not None else []) + [m.id for m in makeups.makeups_of(session, sitting)]


#: Roster entries whose rows are built at a time: their entries, attempts and ledger entries are
#: let go before the next ones are loaded, so a 50,000-row sheet holds the loaded records of one
#: part, not of the whole roster (issue 7).
SHEET_CHUNK = 2000
#: The columns of a cadre's account a sheet row reads (``sheet.sheet_row``, ``id_vault.masked``).
SHEET_USER_COLUMNS = (User.display_name, User.org_unit_id, User.id_number_sealed, User.id_number_lookup,
                      User.current_post, User.proposed_post)


def score_sheet(session: Session, clock: Clock, sitting: Sitting, viewer: User) -> tuple[tuple[str, ...], list]:
    """The sitting's score sheet as ``(headers, rows)``: one row per roster entry in the viewer's
    unit subtree, ordered by unit, then roster order, every score checked against the ledger. A
    make-up sitting's sheet also shows each candidate's first attempt (``sheet.build_makeup``);
    a sitting that has make-ups shows each candidate's make-up (``sheet.build_with_makeups``).

    Reads only: an attempt abandoned past its deadline shows as submitted automatically (case
    C-04) once the caller has run ``deadlines.sweep`` over :func:`related_sitting_ids`.
    Raises :class:`PermissionDenied` (the viewer is not HR) or :class:`NotFound` (no roster entry
    of the sitting lies in the viewer's scope).
    """
    headers: tuple[str, ...] = sheet.HEADERS
    rows: list = []
    with collector.paused():
        for headers, part, _entries in _sheet_parts(session, clock, sitting, viewer):
            rows.extend(part)
    return headers, rows


def score_sheet_of_entries(session: Session, clock: Clock, sitting: Sitting,
                           viewer: User) -> tuple[tuple[str, ...], list, list[RosterEntry]]:
    """:func:`score_sheet` with the roster entries its rows are of, in the rows' order (row *i* is
    of entry *i*): for the full-ID export, which puts each entry's number in its row. Same errors."""
    headers: tuple[str, ...] = sheet.HEADERS
    rows: list = []
    entries: list[RosterEntry] = []
    with collector.paused():
        for headers, part, part_entries in _sheet_parts(session, clock, sitting, viewer):
            rows.extend(part)
            entries.extend(part_entries)
    return headers, rows, entries


def _sheet_parts(session: Session, clock: Clock, sitting: Sitting,
                 viewer: User) -> Iterator[tuple[tuple[str, ...], list, list[RosterEntry]]]:
    """The sheet :data:`SHEET_CHUNK` roster entries at a time, in the sheet's order: (headers,
    their rows, the entries). Every part is judged at the same moment."""
    protection.require_role(viewer, *READER_ROLES)
    # One query streamed in parts (yield_per) rather than the ids first and then each part's
    # entries by a list of 2,000 ids: the scope's joins already hold the cadre and the unit the
    # rows show (issue 7).
    query = _in_scope_query(select(RosterEntry), viewer, [sitting.id]).options(
        contains_eager(RosterEntry.user).contains_eager(User.org_unit),
        # only what the sheet shows of a cadre (another column is read when asked for); their
        # roles are not on it
        contains_eager(RosterEntry.user).load_only(*SHEET_USER_COLUMNS).lazyload(User.role_rows))
    now = clock.now()
    empty = True
    for part in session.scalars(query.execution_options(yield_per=SHEET_CHUNK)).partitions():
        empty = False
        entries = list(part)
        headers, rows = _build(session, now, sitting, viewer, entries)
        yield headers, _with_unit_paths(session, viewer, entries, rows), entries
    if empty:
        raise NotFound()


def _with_unit_paths(session: Session, viewer: User, entries: list[RosterEntry], rows: list) -> list:
    """``rows`` (row *i* of entry *i*) with each unit named by its path below the viewer's unit
    (``people.unit_paths``: "甲市 / 办公室"): two units of one name in different places were told
    apart only by the ID numbers' last digits (outside trial)."""
    labels = people.unit_paths(session, {e.user.org_unit.id: e.user.org_unit for e in entries}.values(),
                               below=viewer.org_unit)
    return [_named_unit(row, labels[entry.user.org_unit.id]) for row, entry in zip(rows, entries)]


def _named_unit(row: ScoreSheetRow | sheet.PairedSheetRow, label: str) -> ScoreSheetRow | sheet.PairedSheetRow:
    if isinstance(row, sheet.PairedSheetRow):
        return dataclasses.replace(row, row=row.row._replace(unit=label))
    return row._replace(unit=label)


def _build(session: Session, now: dt.datetime, sitting: Sitting, viewer: User,
           entries: list[RosterEntry]) -> tuple[tuple[str, ...], list]:
    original = makeups.original_of(session, sitting)
    later = makeups.makeups_of(session, sitting)
    ids = related_sitting_ids(session, sitting)
    users = {e.user_id for e in entries}
    loaded = _attempts_in_scope(session, viewer, ids, users)
    attempts = loaded[sitting.id]
    results = score_check.checked_scores(
        session, (a for sitting_id in ids for group in loaded[sitting_id].values() for a in group))
    if original is not None:
        return sheet.build_makeup(sitting, original, entries, attempts, loaded[original.id], results, now)
    if later:
        on_makeup = _makeup_rosters(session, later, users)
        return sheet.build_with_makeups(sitting, entries, attempts, [(m, loaded[m.id], on_makeup[m.id]) for m in later],
                                        results, now)
    return sheet.build(sitting, entries, attempts, results, now)


def _makeup_rosters(session: Session, sittings: list[Sitting], users: Iterable[int]) -> dict[int, dict[int, RosterEntry]]:
    """Sitting id → user id → that candidate's roster entry there, for the candidates ``users``."""
    found: dict[int, dict[int, RosterEntry]] = {s.id: {} for s in sittings}
    for entry in session.scalars(select(RosterEntry).where(RosterEntry.sitting_id.in_(list(found)),
                                                           RosterEntry.user_id.in_(list(users)))):
        found[entry.sitting_id][entry.user_id] = entry
    return found


def record_export(session: Session, clock: Clock, viewer: User, sitting: Sitting, file_format: str,
                  rows: list[ScoreSheetRow]) -> None:
    """Record a download of the sheet ``rows`` as the audit event "export.score_sheet" (domain.md
    §9) in the caller's transaction: the format ("csv" or "xlsx"), the number of rows, the
    viewer's unit, and how many scores did not agree with the ledger."""
    audit.record(session, clock, viewer, EXPORT_ACTION, "sitting", sitting.id,
                 after={"format": file_format, "rows": len(rows), "scope_unit": viewer.org_unit_id,
                        "scores_not_matching_ledger": sheet.withheld(rows)})
    session.flush()


def summary_sitting_ids(session: Session, viewer: User) -> list[int]:
    """The sittings :func:`sitting_summaries` counts, for the caller to close their overdue
    attempts first. Raises :class:`PermissionDenied`."""
    protection.require_role(viewer, *READER_ROLES)
    return sorted({e.sitting_id for e in _entries_in_scope(session, viewer)})


def sitting_summaries(session: Session, clock: Clock, viewer: User) -> list[SittingSummary]:
    """Every sitting with at least one roster entry in the viewer's scope, newest window first,
    with counts over those entries; the counts are final once the caller has closed the overdue
    attempts of :func:`summary_sitting_ids`. Reads only. Raises :class:`PermissionDenied`."""
    protection.require_role(viewer, *READER_ROLES)
    entries = _entries_in_scope(session, viewer)
    by_sitting: dict[int, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        by_sitting[entry.sitting_id].append(entry)
    attempts = _attempts_in_scope(session, viewer)
    results = score_check.checked_scores(
        session, (a for users in attempts.values() for group in users.values() for a in group))
    sittings = session.scalars(
        select(Sitting).where(Sitting.id.in_(list(by_sitting))).order_by(Sitting.opens_at.desc(), Sitting.id.desc())
    ) if by_sitting else []
    now = clock.now()
    return [sheet.summarise(s, by_sitting[s.id], attempts.get(s.id, {}), results, now) for s in sittings]


def counted_attempt_ids(session: Session, clock: Clock, sitting: Sitting, viewer: User) -> list[int | None]:
    """The attempt each row of :func:`score_sheet` is about, in the same order (None where the
    candidate has none closed), so the page can link each row to its printable report. Reads
    only; raises like :func:`score_sheet`."""
    protection.require_role(viewer, *READER_ROLES)
    entries = _entries_in_scope(session, viewer, [sitting.id])
    attempts = _attempts_in_scope(session, viewer, [sitting.id])[sitting.id]
    found = []
    for entry in entries:
        status, attempt = candidate_status(attempts.get(entry.user_id, []), sitting, clock.now())
        found.append(attempt.id if attempt is not None and status in ENDED else None)
    return found
