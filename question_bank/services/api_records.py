"""What the read-only records API reads, for a token's unit subtree (issue 6, "Reports").

Every list is in ascending id order and paged by a cursor (``after``: the last id of the previous
page), so a client that pages through while records are added neither skips nor repeats one.
Scores are taken through ``score_check`` like every other surface: a score that does not agree
with the score ledger is never given, only its state. ID numbers are masked by the API's views
(``examsvc.records_api.routes``), which alone shape what leaves, as in the score sheet.
Reading closes overdue attempts of the sitting asked about first (domain.md §6: on the next
request that touches them), as the score sheet does, so the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager

from question_bank import date_filters
from question_bank.clock import Clock
from question_bank.errors import InvalidInput, NotFound
from question_bank.models import ApiToken, Attempt, AuditEvent, OrgUnit, RosterEntry, ScoreRecord, Sitting, User
from question_bank.idnumbers import mask as mask_id_number
from question_bank.idnumbers import redact_document
from question_bank.services import audit_log, deadlines, ledger, protection, score_check
from question_bank.services.audit_log import EventFilter
from question_bank.services.score_check import CheckedScore
from question_bank.services.standing import CandidateStatus, candidate_status

#: Most items a page holds; the default page size.
MAX_PAGE, DEFAULT_PAGE = 200, 50
#: Keys of audit snapshots that hold a resident ID number, masked like the score sheet's.
ID_NUMBER_KEYS = frozenset({"id_number"})


@dataclass(frozen=True)
class Page:
    """One page: ``items`` and the cursor of the next page (None on the last)."""

    items: list[Any]
    next_after: int | None


def _page(rows: Sequence[Any], limit: int, key=lambda row: row.id) -> Page:
    """``rows`` were read with ``limit + 1``: one more than asked tells whether another page follows."""
    items = list(rows[:limit])
    return Page(items, key(items[-1]) if len(rows) > limit and items else None)




def unit_in_scope(session: Session, token: ApiToken, unit_id: int) -> OrgUnit:
    """A unit of the token's subtree. Raises :class:`NotFound` for any other (no enumeration)."""
    return protection.unit_in_reach(session, token, unit_id)


def _cadre_in(unit: OrgUnit, sitting_id_column) -> Any:
    """A roster entry of the sitting whose cadre belongs to ``unit``'s subtree exists."""
    return exists(select(RosterEntry.id).join(User, RosterEntry.user_id == User.id)
                  .join(OrgUnit, User.org_unit_id == OrgUnit.id)
                  .where(RosterEntry.sitting_id == sitting_id_column, protection.in_subtree(unit)))


def _visible_sittings(token: ApiToken) -> Select[tuple[Sitting]]:
    """Sittings held by a unit of the subtree, or with a cadre of the subtree on the roster."""
    held_here = select(OrgUnit.id).where(OrgUnit.id == Sitting.org_unit_id, protection.in_subtree(token.org_unit)).exists()
    return select(Sitting).where(or_(held_here, _cadre_in(token.org_unit, Sitting.id)))


@dataclass(frozen=True)
class SittingFilter:
    """``unit_id``: only sittings with a cadre of that unit's subtree on the roster; ``kind``: an
    ``ExamKind`` value; ``opens_from``/``opens_before``: aware datetimes bounding ``opens_at``
    (the latter exclusive). None means any."""

    unit_id: int | None = None
    kind: str | None = None
    opens_from: dt.datetime | None = None
    opens_before: dt.datetime | None = None


def sittings(session: Session, token: ApiToken, flt: SittingFilter, *, after: int = 0, limit: int = DEFAULT_PAGE
             ) -> tuple[Page, dict[int, int]]:
    """A page of the sittings the token sees, and each one's roster size within the subtree.
    Raises :class:`NotFound` when ``flt.unit_id`` is not a unit of the token's subtree,
    :class:`InvalidInput` naming ``opens_from`` or ``opens_before`` for a time outside the
    searchable years (``date_filters``)."""
    date_filters.check({"opens_from": flt.opens_from, "opens_before": flt.opens_before}, exclusive=("opens_before",))
    query = _visible_sittings(token).where(Sitting.id > after)
    if flt.unit_id is not None:
        query = query.where(_cadre_in(unit_in_scope(session, token, flt.unit_id), Sitting.id))
    if flt.kind:
        query = query.where(Sitting.kind == flt.kind)
    if flt.opens_from is not None:
        query = query.where(Sitting.opens_at >= flt.opens_from)
    if flt.opens_before is not None:
        query = query.where(Sitting.opens_at < flt.opens_before)
    page = _page(list(session.scalars(query.order_by(Sitting.id).limit(limit + 1))), limit)
    return page, roster_sizes(session, token, [s.id for s in page.items])


def roster_sizes(session: Session, token: ApiToken, sitting_ids: list[int]) -> dict[int, int]:
    """Sitting id → roster entries whose cadre belongs to the token's subtree."""
    if not sitting_ids:
        return {}
    query = (select(RosterEntry.sitting_id, func.count()).join(User, RosterEntry.user_id == User.id)
             .join(OrgUnit, User.org_unit_id == OrgUnit.id)
             .where(RosterEntry.sitting_id.in_(sitting_ids), protection.in_subtree(token.org_unit))
             .group_by(RosterEntry.sitting_id))
    return {sitting_id: count for sitting_id, count in session.execute(query)}


def sitting(session: Session, token: ApiToken, sitting_id: int) -> Sitting:
    """One sitting the token sees. Raises :class:`NotFound` otherwise."""
    found = session.scalar(_visible_sittings(token).where(Sitting.id == sitting_id))
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class CandidateRecord:
    """One roster entry's record at a sitting: where the candidate stands, the attempt that counts
    (None when not started), its score checked against the ledger, and every ledger entry of the
    candidate's attempts at the sitting, oldest first (regrades and corrections follow what they
    correct)."""

    entry: RosterEntry
    status: CandidateStatus
    attempt: Attempt | None
    result: CheckedScore | None
    history: list[tuple[ScoreRecord, bool]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.entry.id


@dataclass(frozen=True)
class _RosterPage:
    """A page of a sitting's roster entries in a subtree, with every attempt of their cadres there."""

    sitting: Sitting
    page: Page
    attempts: dict[int, list[Attempt]]


def _roster_page(session: Session, clock: Clock, token: ApiToken, sitting_id: int, unit_id: int | None,
                 after: int, limit: int) -> _RosterPage:
    """The sitting's roster entries whose cadre belongs to the token's subtree (or to ``unit_id``'s,
    inside it), in roster order, once the sitting's overdue attempts are closed; user id → their
    attempts there by number. Raises :class:`NotFound` for a sitting or unit the token does not see."""
    found = sitting(session, token, sitting_id)
    unit = unit_in_scope(session, token, unit_id) if unit_id is not None else token.org_unit
    deadlines.sweep(session, clock, sitting_ids=[found.id])
    entries = list(session.scalars(
        select(RosterEntry).join(RosterEntry.user).join(User.org_unit)
        .where(RosterEntry.sitting_id == found.id, RosterEntry.id > after, protection.in_subtree(unit))
        .options(contains_eager(RosterEntry.user).contains_eager(User.org_unit))
        .order_by(RosterEntry.id).limit(limit + 1)))
    page = _page(entries, limit)
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(select(Attempt).where(Attempt.sitting_id == found.id,
                                                         Attempt.user_id.in_([e.user_id for e in page.items]))
                                   .order_by(Attempt.attempt_no)):
        attempts[attempt.user_id].append(attempt)
    return _RosterPage(found, page, attempts)


@dataclass(frozen=True)
class RosterLine:
    """One roster entry: who (``entry.user`` with their unit), where they stand
    (``standing.candidate_status``) and the attempt that says so (None when not started)."""

    entry: RosterEntry
    status: CandidateStatus
    attempt: Attempt | None

    @property
    def id(self) -> int:
        return self.entry.id


def _lines(found: _RosterPage, now: dt.datetime) -> list[RosterLine]:
    lines = []
    for entry in found.page.items:
        status, attempt = candidate_status(found.attempts.get(entry.user_id, ()), found.sitting, now)
        lines.append(RosterLine(entry, status, attempt))
    return lines


def roster(session: Session, clock: Clock, token: ApiToken, sitting_id: int, *, unit_id: int | None = None,
           after: int = 0, limit: int = DEFAULT_PAGE) -> Page:
    """A page of the sitting's roster as :class:`RosterLine`: the entries whose cadre belongs to
    the token's subtree (or to ``unit_id``'s, inside it), in roster order. Overdue attempts of the
    sitting are closed first (the caller commits). Raises :class:`NotFound` for a sitting or unit
    the token does not see."""
    found = _roster_page(session, clock, token, sitting_id, unit_id, after, limit)
    return Page(_lines(found, clock.now()), found.page.next_after)


def score_records(session: Session, clock: Clock, token: ApiToken, sitting_id: int, *, unit_id: int | None = None,
                  after: int = 0, limit: int = DEFAULT_PAGE) -> Page:
    """A page of the sitting's roster entries whose cadre belongs to the token's subtree (or to
    ``unit_id``'s, inside it), in roster order, as :class:`CandidateRecord`. Overdue attempts of
    the sitting are closed first. Raises :class:`NotFound` for a sitting or unit the token does
    not see."""
    found = _roster_page(session, clock, token, sitting_id, unit_id, after, limit)
    results = score_check.checked_scores(session, (a for group in found.attempts.values() for a in group))
    history: dict[int, list[tuple[ScoreRecord, bool]]] = defaultdict(list)
    for record in session.scalars(select(ScoreRecord).where(ScoreRecord.sitting_id == found.sitting.id,
                                                            ScoreRecord.user_id.in_(list(found.attempts)))
                                  .order_by(ScoreRecord.id)):
        history[record.user_id].append((record, ledger.entry_intact(record)))
    return Page([CandidateRecord(line.entry, line.status, line.attempt,
                                 results.get(line.attempt.id) if line.attempt is not None else None,
                                 history[line.entry.user_id]) for line in _lines(found, clock.now())],
                found.page.next_after)


def audit_events(session: Session, token: ApiToken, flt: EventFilter, *, after: int = 0, limit: int = DEFAULT_PAGE
                 ) -> Page:
    """A page of the audit events ``flt`` lets through (the auditor's filter, ``actor`` aside),
    oldest first, as ``(event, actor username or None)``.

    A token of the root unit reads every event; a token of a unit below it reads the events that
    concern its subtree (by or about its people: ``audit_log.in_unit_scope``, the auditor's rule),
    so that a city's token never shows another city's actions. Raises :class:`InvalidInput` for a
    period that ends before it starts."""
    if flt.problems():
        raise InvalidInput(flt.problems())
    actor = aliased(User)
    query = (audit_log.scoped_matching(session, token.org_unit, flt).add_columns(actor.username)
             .outerjoin(actor, AuditEvent.actor_id == actor.id).where(AuditEvent.id > after))
    rows = list(session.execute(query.order_by(AuditEvent.id).limit(limit + 1)))
    return _page([tuple(row) for row in rows], limit, key=lambda row: row[0].id)


def masked_snapshot(value: Any) -> Any:
    """An audit snapshot with every ID number masked, at any depth: the values of the keys of
    :data:`ID_NUMBER_KEYS` whatever they hold, and every number written in any other string
    (``idnumbers.redact_document``: separators and full width read)."""
    return redact_document(_masked_keys(value))


def _masked_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask_id_number(v) if k in ID_NUMBER_KEYS and isinstance(v, str) else _masked_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_keys(v) for v in value]
    return value
