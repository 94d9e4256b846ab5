"""The HR score sheet (成绩汇总表) of a sitting, and the list of sittings an HR officer can report on.

Rules (domain.md §2 and §8, issue step 6, cases C-04, C-06, C-14):
- one row per roster entry, absent candidates included and marked absent, so a double submit or a
  second attempt never makes a second row;
- only roster entries whose cadre belongs to the viewer's unit subtree (HR of city A sees city A's
  cadres only); a sitting with none of them is :class:`NotFound` to that viewer;
- the ID number is masked (first 6 and last 4 characters kept);
- the counted attempt is the submitted one with the highest score (ties: the earliest).

The column names are Chinese because the sheet is a Chinese HR document; they are defined once
here and both the web preview and the file writers use them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, contains_eager

from question_bank.clock import Clock
from question_bank.errors import NotFound, PermissionDenied
from question_bank.models import (
    CLOSED_STATES,
    Attempt,
    AttemptState,
    ExamKind,
    OrgUnit,
    Role,
    RosterEntry,
    Sitting,
    User,
)
from question_bank.services import audit, deadlines
from question_bank.services.marking import GradeBand

#: Dates on the sheet are calendar days where the exams happen.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: Roles that may read score sheets (the web guard says the same; this is the domain's own check).
READER_ROLES = (Role.HR,)

# The designed column names, in order.
COL_UNIT = "单位"
COL_NAME = "姓名"
COL_ID_NUMBER = "身份证号"
COL_CURRENT_POST = "现任职务"
COL_PROPOSED_POST = "拟任职务"
COL_SITTING = "考试场次"
COL_DATE = "考试日期"
COL_ATTEMPT_KIND = "考试类别"
COL_SCORE = "成绩"
COL_BAND = "等次"
COL_PASSED = "是否合格"
COL_STATUS = "状态"

HEADERS: tuple[str, ...] = (
    COL_UNIT, COL_NAME, COL_ID_NUMBER, COL_CURRENT_POST, COL_PROPOSED_POST, COL_SITTING, COL_DATE,
    COL_ATTEMPT_KIND, COL_SCORE, COL_BAND, COL_PASSED, COL_STATUS,
)

FIRST_ATTEMPT = "首考"
MAKEUP_ATTEMPT = "补考"
BAND_LABELS = {GradeBand.EXCELLENT: "优秀", GradeBand.PASS: "合格", GradeBand.FAIL: "不合格"}
PASSED_LABELS = {True: "合格", False: "不合格"}


class CandidateStatus(StrEnum):
    """Where a roster entry stands: by the counted attempt, else an attempt in progress, else absent."""

    SUBMITTED = "submitted"
    AUTO_SUBMITTED = "auto_submitted"
    IN_PROGRESS = "in_progress"
    #: Not started, and the window is still open (or not yet open).
    NOT_STARTED = "not_started"
    #: Not started, and the window has closed.
    ABSENT = "absent"


STATUS_LABELS = {
    CandidateStatus.SUBMITTED: "已交卷",
    CandidateStatus.AUTO_SUBMITTED: "到时自动交卷",
    CandidateStatus.IN_PROGRESS: "答题中",
    CandidateStatus.NOT_STARTED: "未开始",
    CandidateStatus.ABSENT: "缺考",
}
#: Added to the status of a closed attempt whose total waits for a marker (a short answer):
#: its score, band and pass stay empty until then.
AWAITING_MARKING = "待阅卷"
AWAITING_MARKING_LABELS = {
    status: f"{STATUS_LABELS[status]}，{AWAITING_MARKING}"
    for status in (CandidateStatus.SUBMITTED, CandidateStatus.AUTO_SUBMITTED)
}


def status_label(status: CandidateStatus, attempt: Attempt | None) -> str:
    """The 状态 cell: how the attempt ended (or why there is none), and "待阅卷" after it while a
    person has still to mark some answer, e.g. "已交卷，待阅卷"."""
    if status in AWAITING_MARKING_LABELS and attempt is not None and attempt.score is None:
        return AWAITING_MARKING_LABELS[status]
    return STATUS_LABELS[status]


class ScoreSheetRow(NamedTuple):
    """One roster entry as a sheet row. Iterating it gives the cells in :data:`HEADERS` order.

    ``score`` is points as a ``Decimal`` (None when absent, in progress or not yet marked);
    ``date`` is the local calendar day; the other cells are text ("" when empty).
    """

    unit: str
    name: str
    id_number: str
    current_post: str
    proposed_post: str
    sitting: str
    date: dt.date
    attempt_kind: str
    score: Decimal | None
    band: str
    passed: str
    status: str


@dataclass(frozen=True)
class SittingSummary:
    """A sitting as the viewer sees it: counts over the roster entries in their scope only.

    ``submitted`` counts candidates with a closed attempt, ``passed`` those whose counted attempt
    passed, ``absent`` those who have not started (absent for good once the window has closed).
    """

    sitting: Sitting
    roster: int
    submitted: int
    passed: int
    absent: int


def mask_id_number(value: str | None) -> str:
    """"110101199003074512" → "110101********4512"; empty stays empty. A value of 10 characters or
    fewer is masked whole, since keeping 6 + 4 of it would show all of it."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def counted_attempt(attempts: Iterable[Attempt]) -> Attempt | None:
    """The closed attempt that counts: the highest score, the earliest on a tie; None if none is
    closed. An attempt not yet marked (score None) counts only when no marked one exists."""
    best: Attempt | None = None
    for attempt in sorted(attempts, key=lambda a: (a.started_at, a.attempt_no)):
        if attempt.state not in CLOSED_STATES:
            continue
        if best is None or _score_key(attempt) > _score_key(best):
            best = attempt
    return best


def _score_key(attempt: Attempt) -> tuple[bool, Decimal]:
    return (attempt.score is not None, attempt.score if attempt.score is not None else Decimal(0))


def candidate_status(attempts: Sequence[Attempt], sitting: Sitting, now: dt.datetime) -> tuple[CandidateStatus, Attempt | None]:
    """The roster entry's status and the attempt the row is about (None when not started). Someone
    who has not started is absent only once the window has closed."""
    counted = counted_attempt(attempts)
    if counted is not None:
        state = CandidateStatus.AUTO_SUBMITTED if counted.state == AttemptState.AUTO_SUBMITTED else CandidateStatus.SUBMITTED
        return state, counted
    running = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if running is not None:
        return CandidateStatus.IN_PROGRESS, running
    return (CandidateStatus.ABSENT if now >= sitting.closes_at else CandidateStatus.NOT_STARTED), None


def _require_reader(viewer: User) -> None:
    if not viewer.has_role(*READER_ROLES):
        raise PermissionDenied()


def _in_scope(viewer: User):
    return OrgUnit.path.startswith(viewer.org_unit.path, autoescape=True)


def _entries_in_scope(session: Session, viewer: User, sitting_id: int | None = None) -> list[RosterEntry]:
    query = (
        select(RosterEntry)
        .join(RosterEntry.user)
        .join(User.org_unit)
        .where(_in_scope(viewer))
        .options(contains_eager(RosterEntry.user).contains_eager(User.org_unit))
        .order_by(OrgUnit.path, RosterEntry.id)
    )
    if sitting_id is not None:
        query = query.where(RosterEntry.sitting_id == sitting_id)
    return list(session.scalars(query))


def _attempts_by_candidate(session: Session, viewer: User, sitting_id: int | None = None) -> dict[tuple[int, int], list[Attempt]]:
    """(sitting id, user id) → that candidate's attempts, for roster entries in the viewer's scope."""
    query = (
        select(Attempt)
        .join(RosterEntry, and_(RosterEntry.sitting_id == Attempt.sitting_id, RosterEntry.user_id == Attempt.user_id))
        .join(User, User.id == Attempt.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_in_scope(viewer))
        .order_by(Attempt.attempt_no)
    )
    if sitting_id is not None:
        query = query.where(Attempt.sitting_id == sitting_id)
    grouped: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(query):
        grouped[(attempt.sitting_id, attempt.user_id)].append(attempt)
    return grouped


def _plain(score: Decimal | None) -> Decimal | None:
    """86.50 → 86.5 and 100.00 → 100, without the exponent ``normalize`` alone would give (1E+2)."""
    if score is None:
        return None
    return score.quantize(Decimal(1)) if score == score.to_integral_value() else score.normalize()


def _row(sitting: Sitting, entry: RosterEntry, attempts: Sequence[Attempt], now: dt.datetime) -> ScoreSheetRow:
    user = entry.user
    status, attempt = candidate_status(attempts, sitting, now)
    is_makeup = sitting.kind == ExamKind.MAKEUP or (attempt is not None and attempt.attempt_no > 1)
    day_of = attempt.started_at if attempt is not None else sitting.opens_at
    closed = status in (CandidateStatus.SUBMITTED, CandidateStatus.AUTO_SUBMITTED)
    marked = closed and attempt is not None and attempt.score is not None
    return ScoreSheetRow(
        unit=user.org_unit.name,
        name=user.display_name,
        id_number=mask_id_number(user.id_number),
        current_post=entry.current_post or user.current_post or "",
        proposed_post=entry.proposed_post or user.proposed_post or "",
        sitting=sitting.title,
        date=day_of.astimezone(LOCAL_TZ).date(),
        attempt_kind=MAKEUP_ATTEMPT if is_makeup else FIRST_ATTEMPT,
        score=_plain(attempt.score) if marked else None,
        band=BAND_LABELS.get(attempt.band, "") if marked else "",
        passed=PASSED_LABELS[attempt.passed] if marked and attempt.passed is not None else "",
        status=status_label(status, attempt),
    )


def score_sheet(session: Session, clock: Clock, sitting: Sitting, viewer: User) -> tuple[tuple[str, ...], list[ScoreSheetRow]]:
    """The sitting's score sheet as ``(HEADERS, rows)``: one row per roster entry in the viewer's
    unit subtree, ordered by unit, then roster order.

    The sitting's overdue attempts are closed first (domain.md §6: on the next request that touches
    them), so an attempt abandoned past its deadline shows as submitted automatically with its
    score (case C-04), never as in progress.
    Raises :class:`PermissionDenied` (the viewer is not HR) or :class:`NotFound` (no roster entry
    of the sitting lies in the viewer's scope: the same answer as a sitting that does not exist).
    """
    _require_reader(viewer)
    entries = _entries_in_scope(session, viewer, sitting.id)
    if not entries:
        raise NotFound()
    deadlines.sweep(session, clock, sitting_ids=[sitting.id])
    attempts = _attempts_by_candidate(session, viewer, sitting.id)
    now = clock.now()
    return HEADERS, [_row(sitting, e, attempts.get((sitting.id, e.user_id), []), now) for e in entries]


def visible_sitting(session: Session, sitting_id: int, viewer: User) -> Sitting:
    """The sitting, if it has a roster entry in the viewer's scope. Raises :class:`NotFound`
    otherwise, or :class:`PermissionDenied` when the viewer is not HR."""
    _require_reader(viewer)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or not _entries_in_scope(session, viewer, sitting.id):
        raise NotFound()
    return sitting


def sitting_summaries(session: Session, clock: Clock, viewer: User) -> list[SittingSummary]:
    """Every sitting with at least one roster entry in the viewer's scope, newest window first,
    with counts over those entries. Overdue attempts are closed first (domain.md §6: on the next
    request that touches them), so the counts are final. Raises :class:`PermissionDenied`."""
    _require_reader(viewer)
    entries = _entries_in_scope(session, viewer)
    deadlines.sweep(session, clock, sitting_ids={e.sitting_id for e in entries})
    attempts = _attempts_by_candidate(session, viewer)
    now = clock.now()
    sittings_by_id = {e.sitting_id: e.sitting for e in entries}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for entry in entries:
        tally = counts[entry.sitting_id]
        status, attempt = candidate_status(attempts.get((entry.sitting_id, entry.user_id), []),
                                           sittings_by_id[entry.sitting_id], now)
        closed = status in (CandidateStatus.SUBMITTED, CandidateStatus.AUTO_SUBMITTED)
        tally[0] += 1
        tally[1] += closed
        tally[2] += bool(closed and attempt is not None and attempt.passed)
        tally[3] += status in (CandidateStatus.ABSENT, CandidateStatus.NOT_STARTED)
    sittings = session.scalars(
        select(Sitting).where(Sitting.id.in_(counts)).order_by(Sitting.opens_at.desc(), Sitting.id.desc())
    ) if counts else []
    return [SittingSummary(s, *counts[s.id]) for s in sittings]


def export_score_sheet(
    session: Session, clock: Clock, viewer: User, sitting: Sitting, file_format: str
) -> tuple[tuple[str, ...], list[ScoreSheetRow]]:
    """The score sheet for a download, with the audit event "export.score_sheet" (domain.md §9)
    recorded in the caller's transaction. ``file_format`` is "csv" or "xlsx". Raises like
    :func:`score_sheet`."""
    headers, rows = score_sheet(session, clock, sitting, viewer)
    audit.record(session, clock, viewer, "export.score_sheet", "sitting", sitting.id,
                 after={"format": file_format, "rows": len(rows), "scope_unit": viewer.org_unit_id})
    session.flush()
    return headers, rows
