"""Sittings (考试场次): a paper offered in a window, with a time limit, marks and policies
(domain.md §5).

Rules kept here:
- a sitting is refused when the bank cannot fill its paper (case C-12: nobody could start it);
- the pass mark is at most the paper's total, and the 优秀 mark between the pass mark and the total;
  by default they are 60 % and 90 % of the total (60 and 90 of 100, domain.md §5);
- once any candidate has started, what decides a score or a deadline no longer changes, except
  that the window may close later, which lengthens the attempts its old close had cut short.

Exam admins see and manage the sittings of their own unit's subtree (domain.md §2). The roster
itself is managed in :mod:`question_bank.services.roster`; the monitoring view of it (监考,
:func:`roster_rows`) in :mod:`question_bank.services.monitoring`, re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Msg, NotFound, Problem
from question_bank.models import (
    DEFAULT_GRACE_S,
    Attempt,
    AttemptState,
    ExamKind,
    Paper,
    ResultPolicy,
    Role,
    RosterEntry,
    Sitting,
    User,
)
from question_bank.points import is_exact_points
from question_bank.services import admission, assembly, audit, deadlines, makeups, protection, start_terms
from question_bank.services.monitoring import Progress, RosterRow, roster_rows  # noqa: F401 (re-exported)
from question_bank.services.papers import get_paper

#: Default pass mark and 优秀 mark as shares of the paper's total (60 and 90 of 100).
DEFAULT_PASS_SHARE = Decimal("0.60")
DEFAULT_EXCELLENT_SHARE = Decimal("0.90")
#: Longest time limit, in seconds (a working day), and longest grace.
MAX_TIME_LIMIT_S = 12 * 3600
MAX_GRACE_S = 600
MAX_ATTEMPTS = 10

#: Settings that decide a deadline or a score: fixed once a candidate has started. Second marking
#: and its tolerance decide marks as much as the pass mark does (whether a third marker is needed).
LOCKED_ONCE_STARTED = ("kind", "paper_id", "opens_at", "time_limit_s", "grace_s", "pass_mark", "excellent_mark",
                       "late_start_cutoff_s", "rules_text", "pledge_text", "access_code_hash", "allowed_networks",
                       "second_marking", "marking_tolerance")
#: Spec fields that are instructions, not columns: the access code is stored only as its hash.
_CODE_FIELDS = ("access_code", "remove_access_code", "makeup_of_id")
#: Longest exam rules or integrity pledge, in characters.
MAX_TERMS_CHARS = 4000
#: How the settings that lock read inside a message.
FIELD_NAMES = {
    "kind": Msg(N_("kind")), "paper_id": Msg(N_("paper")), "opens_at": Msg(N_("opening time")),
    "closes_at": Msg(N_("an earlier closing time")), "time_limit_s": Msg(N_("time limit")),
    "grace_s": Msg(N_("grace for late saves")),
    "pass_mark": Msg(N_("pass mark")), "excellent_mark": Msg(N_("excellent mark")),
    "late_start_cutoff_s": Msg(N_("late-start cut-off")), "rules_text": Msg(N_("exam rules")),
    "pledge_text": Msg(N_("integrity pledge")), "access_code_hash": Msg(N_("access code")),
    "allowed_networks": Msg(N_("allowed networks")),
    "second_marking": Msg(N_("second marking")), "marking_tolerance": Msg(N_("marking tolerance")),
}


@dataclass
class SittingSpec:
    """The editable settings of a sitting.

    Times are aware datetimes (stored in UTC); ``time_limit_s`` and ``grace_s`` are seconds;
    ``pass_mark`` and ``excellent_mark`` are points, None for the defaults (60 % and 90 % of the
    paper's total).
    """

    title: str
    kind: ExamKind
    paper_id: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_limit_s: int
    pass_mark: Decimal | None = None
    excellent_mark: Decimal | None = None
    grace_s: int = DEFAULT_GRACE_S
    attempts_allowed: int = 1
    shuffle_questions: bool = True
    shuffle_options: bool = True
    results_policy: ResultPolicy = ResultPolicy.IMMEDIATELY
    show_answers: bool = False
    #: A second, independent marker for each response marked by a person; marks further apart
    #: than ``marking_tolerance`` points go to a senior marker (``services.manual_marking``).
    second_marking: bool = False
    marking_tolerance: Decimal = Decimal(0)
    #: Seconds before the close in which starting is refused (0: none); case C-24.
    late_start_cutoff_s: int = 0
    #: The exam rules (考试须知) and integrity pledge (诚信承诺); None or blank for the standard ones.
    rules_text: str | None = None
    pledge_text: str | None = None
    #: A new access code to set (blank: keep the current one, or none); ``remove_access_code``
    #: drops the current one. Stored only as a hash (:mod:`question_bank.services.admission`).
    access_code: str | None = None
    remove_access_code: bool = False
    #: Allowed networks, one CIDR range a line; blank for anywhere.
    allowed_networks: str | None = None
    #: For a new make-up sitting (补考): the sitting it makes up for (fixed once created).
    makeup_of_id: int | None = None


def default_marks(total: Decimal) -> tuple[Decimal, Decimal]:
    """(pass mark, excellent mark) for a paper out of ``total`` points: 60 % and 90 %, rounded *up*
    to the cent like ``marking.scaled_marks``, so nobody passes with less than 60 % of the points
    (98.32 → 59.00, not 58.99: 60 % is 58.992; issue 6, tester finding 2)."""
    cent = Decimal("0.01")
    return ((total * DEFAULT_PASS_SHARE).quantize(cent, ROUND_CEILING),
            (total * DEFAULT_EXCELLENT_SHARE).quantize(cent, ROUND_CEILING))


def sittings_in_scope(actor: User) -> Select[tuple[Sitting]]:
    """A query for the sittings of the actor's unit subtree, latest window first."""
    return protection.scoped(Sitting, actor).order_by(Sitting.opens_at.desc(), Sitting.id.desc())


def get_sitting(session: Session, actor: User, sitting_id: int) -> Sitting:
    """The sitting, if the actor is an exam admin whose subtree holds it. Raises :class:`NotFound`
    otherwise, exactly as for a sitting that does not exist."""
    return protection.get_in_scope(session, actor, Sitting, sitting_id, Role.EXAM_ADMIN)


def sittings_of_paper(session: Session, actor: User, paper: Paper) -> list[Sitting]:
    """The sittings in the actor's scope that use ``paper``."""
    return list(session.scalars(sittings_in_scope(actor).where(Sitting.paper_id == paper.id)))


def roster_sizes(session: Session, sitting_ids: list[int]) -> dict[int, int]:
    """Sitting id → number of roster entries (sittings with an empty roster are absent)."""
    if not sitting_ids:
        return {}
    query = (select(RosterEntry.sitting_id, func.count(RosterEntry.id))
             .where(RosterEntry.sitting_id.in_(sitting_ids)).group_by(RosterEntry.sitting_id))
    return {sitting_id: count for sitting_id, count in session.execute(query)}


def lock_sitting(session: Session, sitting: Sitting) -> Sitting:
    """``sitting`` read again under a row lock for update, held to the end of the transaction.
    A start takes the same row's shared lock first (``attempts.lock_for_start``), so while this
    is held no attempt starts, and a start in progress is waited for: :func:`has_attempts` asked
    afterwards sees its attempt."""
    return session.scalars(select(Sitting).where(Sitting.id == sitting.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def has_attempts(session: Session, sitting: Sitting) -> bool:
    return bool(session.scalar(select(exists().where(Attempt.sitting_id == sitting.id))))


def _aware(value: Any) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _problems(spec: SittingSpec, paper: Paper, pass_mark: Decimal, excellent: Decimal,
              now: dt.datetime | None) -> list[Problem]:
    """Every contradiction in ``spec``; with ``now`` (a new sitting), a window already over too."""
    found: list[Problem] = []
    if not spec.title.strip():
        found.append(Problem(N_("the title is empty"), place="title"))
    elif len(spec.title) > 200:
        found.append(Problem(N_("the title is longer than %(n)d characters"), {"n": 200}, "title"))
    if not (_aware(spec.opens_at) and _aware(spec.closes_at)):
        found.append(Problem(N_("the window needs both times, with their time zone"), place="opens_at"))
    elif spec.closes_at <= spec.opens_at:
        found.append(Problem(N_("the window must close after it opens"), place="closes_at"))
    else:
        if now is not None and spec.closes_at <= now:
            # Nobody could ever sit it. Opening in the past is fine: the sitting is open at once.
            found.append(Problem(N_("the window has already closed"), place="closes_at"))
        if spec.time_limit_s > (spec.closes_at - spec.opens_at).total_seconds():
            # Every attempt ends at the close, so such a limit could never be had in full.
            found.append(Problem(N_("the time limit is longer than the window"), place="time_limit"))
    if not 60 <= spec.time_limit_s <= MAX_TIME_LIMIT_S:
        found.append(Problem(N_("the time limit must be 1 to %(n)d minutes"), {"n": MAX_TIME_LIMIT_S // 60},
                             "time_limit"))
    found.extend(_start_terms_problems(spec))
    if not 0 <= spec.grace_s <= MAX_GRACE_S:
        found.append(Problem(N_("the grace period must be 0 to %(n)d seconds"), {"n": MAX_GRACE_S}, "grace"))
    if not 1 <= spec.attempts_allowed <= MAX_ATTEMPTS:
        found.append(Problem(N_("attempts allowed must be 1 to %(n)d"), {"n": MAX_ATTEMPTS}, "attempts_allowed"))
    tolerance = Decimal(spec.marking_tolerance)
    if not is_exact_points(tolerance) or tolerance < 0:
        found.append(Problem(N_("the marking tolerance must be 0 or more points, with at most two decimals"),
                             place="marking_tolerance"))
    total = paper.total_marks
    inexact = [(name, value) for name, value in (("pass_mark", pass_mark), ("excellent_mark", excellent))
               if not is_exact_points(value)]
    for name, value in inexact:
        found.append(Problem(N_("the %(field)s %(value)s has more than two decimals; marks are never rounded"),
                             {"field": FIELD_NAMES[name], "value": value}, name))
    if inexact:
        return found
    if not 0 <= pass_mark <= total:
        found.append(Problem(N_("the pass mark must be 0 to the paper's total of %(total)s points"),
                             {"total": total}, "pass_mark"))
    elif not pass_mark <= excellent <= total:
        found.append(Problem(N_("the excellent mark must lie between the pass mark and the paper's total of %(total)s points"),
                             {"total": total}, "excellent_mark"))
    return found


def _start_terms_problems(spec: SittingSpec) -> list[Problem]:
    """What is wrong with the late-start cut-off, the exam rules and the integrity pledge."""
    found: list[Problem] = []
    window_s = (spec.closes_at - spec.opens_at).total_seconds() if _aware(spec.opens_at) and _aware(spec.closes_at) else None
    if spec.late_start_cutoff_s < 0 or spec.late_start_cutoff_s % 60:
        found.append(Problem(N_("the late-start cut-off must be a whole number of minutes, 0 or more"),
                             place="late_start_cutoff"))
    elif window_s is not None and window_s > 0 and spec.late_start_cutoff_s >= window_s:
        # Nobody could ever start.
        found.append(Problem(N_("the late-start cut-off must be shorter than the window"), place="late_start_cutoff"))
    if spec.access_code and spec.access_code.strip() and not spec.remove_access_code:
        found.extend(admission.check_code_text(spec.access_code))
    try:
        admission.parse_networks(spec.allowed_networks)
    except InvalidInput as exc:
        found.extend(exc.problems)
    for name, label in (("rules_text", "rules_text"), ("pledge_text", "pledge_text")):
        if len(getattr(spec, name) or "") > MAX_TERMS_CHARS:
            found.append(Problem(N_("the %(field)s is longer than %(n)d characters"),
                                 {"field": FIELD_NAMES[name], "n": MAX_TERMS_CHARS}, label))
    return found


def _resolve(session: Session, actor: User, spec: SittingSpec, *, check_bank: bool = True,
             now: dt.datetime | None = None) -> tuple[Paper, Decimal, Decimal]:
    """The paper (in the actor's scope; with ``check_bank``, fillable by the bank now) and the marks
    the spec comes to; with ``now``, a window that has closed by then is refused. Raises
    :class:`InvalidInput` listing every problem."""
    try:
        paper = get_paper(session, actor, spec.paper_id)
    except NotFound:
        raise InvalidInput([Problem(N_("choose a paper of your units"), place="paper")]) from None
    default_pass, default_excellent = default_marks(paper.total_marks)
    pass_mark = default_pass if spec.pass_mark is None else Decimal(spec.pass_mark)
    excellent = spec.excellent_mark
    if excellent is None:
        excellent = max(default_excellent, pass_mark)
    problems = _problems(spec, paper, pass_mark, Decimal(excellent), now)
    if check_bank:
        try:
            assembly.check_paper(session, paper)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return paper, pass_mark, Decimal(excellent)


def _values(spec: SittingSpec, paper: Paper, pass_mark: Decimal, excellent: Decimal,
            current_code_hash: str | None = None) -> dict[str, Any]:
    values = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name not in _CODE_FIELDS}
    values.update(rules_text=_blank_as_none(spec.rules_text), pledge_text=_blank_as_none(spec.pledge_text),
                  allowed_networks=admission.networks_text(spec.allowed_networks))
    if spec.remove_access_code:
        values["access_code_hash"] = None
    elif spec.access_code and spec.access_code.strip():
        values["access_code_hash"] = admission.hash_code(spec.access_code.strip())
    else:
        values["access_code_hash"] = current_code_hash
    values.update(title=spec.title.strip(), paper_id=paper.id, pass_mark=pass_mark, excellent_mark=excellent,
                  opens_at=spec.opens_at.astimezone(dt.timezone.utc), closes_at=spec.closes_at.astimezone(dt.timezone.utc))
    return values


def _blank_as_none(text: str | None) -> str | None:
    """Text as entered (line endings made \\n), or None when blank: the standard text is then shown."""
    if text is None or not text.strip():
        return None
    return text.replace("\r\n", "\n").strip()


def snapshot(sitting: Sitting) -> dict[str, Any]:
    """A JSON-able picture of a sitting's settings, for audit before/after."""
    picture: dict[str, Any] = {"access_code_set": sitting.access_code_hash is not None}
    for name in (f.name for f in fields(SittingSpec) if f.name not in _CODE_FIELDS):
        value = getattr(sitting, name)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        picture[name] = value
    return picture


def create_sitting(session: Session, clock: Clock, actor: User, spec: SittingSpec) -> Sitting:
    """Save a new sitting in the actor's unit, with an empty roster; a make-up sitting
    (``spec.makeup_of_id``) is linked to its original and gets the default make-up roster
    (:func:`makeups.link_and_fill`).

    Raises :class:`PermissionDenied` (not an exam admin) or :class:`InvalidInput` listing every
    problem: a paper outside the actor's units, a paper the bank cannot fill ("requested N,
    available M"), a pass mark above the paper's total, a window that closes before it opens or
    has closed already (``clock.now()``), a time limit longer than the window…
    """
    protection.require_role(actor, Role.EXAM_ADMIN)
    original = makeups.require_original(session, spec.makeup_of_id, lambda s, i: get_sitting(s, actor, i))
    link_problems = makeups.link_problems(ExamKind(spec.kind), original, spec.opens_at, None)
    try:
        paper, pass_mark, excellent = _resolve(session, actor, spec, now=clock.now())
    except InvalidInput as exc:
        raise InvalidInput(exc.problems + link_problems) from None
    if link_problems:
        raise InvalidInput(link_problems)
    sitting = Sitting(**_values(spec, paper, pass_mark, excellent), org_unit=actor.org_unit,
                      created_by_id=actor.id, created_at=clock.now())
    session.add(sitting)
    session.flush()
    audit.record(session, clock, actor, "sitting.create", "sitting", sitting.id,
                 after={**snapshot(sitting), "makeup_of": original.id if original else None})
    if original is not None:
        makeups.link_and_fill(session, clock, actor, sitting, original)
    return sitting


def _as_stored(sitting: Sitting, spec: SittingSpec) -> SittingSpec:
    """``spec`` with each time (and the time limit) that equals the sitting's own as the form shows
    it, rounded down to the whole minute, replaced by the sitting's exact value. A datetime-local
    input holds minutes only, so a sitting stored with seconds (closing at 07:27:46) comes back
    from an untouched form as 07:27: that is no change, not an earlier close."""
    same: dict[str, Any] = {}
    for name in ("opens_at", "closes_at"):
        stored, given = getattr(sitting, name), getattr(spec, name)
        # Whole-minute truncation is the same in UTC and in Beijing time (offsets are whole hours).
        if _aware(given) and given == stored.replace(second=0, microsecond=0):
            same[name] = stored
    if spec.time_limit_s == sitting.time_limit_s // 60 * 60:
        same["time_limit_s"] = sitting.time_limit_s
    return replace(spec, **same)


@dataclass(frozen=True)
class DeadlineChange:
    """What recomputing a running attempt's deadline did: the attempt, its deadline before
    (``old_deadline``; ``attempt.deadline`` is the one now), and ``closed`` when it was already past
    deadline + grace and so was closed at its deadline instead of lengthened."""

    attempt: Attempt
    old_deadline: dt.datetime
    closed: bool = False

    @property
    def lengthened(self) -> bool:
        return not self.closed and self.attempt.deadline != self.old_deadline


def recompute_deadline(session: Session, clock: Clock, actor: User, sitting: Sitting, attempt: Attempt,
                       extra_time_s: int) -> DeadlineChange:
    """Bring an attempt in progress (row-locked by the caller) up to the sitting's closing time and
    the candidate's ``extra_time_s`` seconds as they are now: its deadline becomes
    max(deadline, min(started_at + time limit + extra time, closes_at)) (domain.md §6), so it is
    lengthened, never shortened. An attempt already past deadline + grace is closed at its deadline
    with its saved answers, as the next request or the sweep would close it, and is not reopened.
    A deadline that moves is audited as "attempt.deadline" (before/after). Used when extra time is
    given (``roster.set_extra_time``) and when the window is made to close later."""
    old = attempt.deadline
    if deadlines.close_if_overdue(session, clock, attempt):
        return DeadlineChange(attempt, old, closed=True)
    due = start_terms.deadline_for(sitting, extra_time_s, attempt.started_at)
    if due > old:
        attempt.deadline = due
        session.flush()
        audit.record(session, clock, actor, "attempt.deadline", "attempt", attempt.id,
                     before={"deadline": old.isoformat()},
                     after={"deadline": due.isoformat(), "extra_time_s": extra_time_s,
                            "closes_at": sitting.closes_at.isoformat()})
    return DeadlineChange(attempt, old)


def _recompute_running_deadlines(session: Session, clock: Clock, actor: User, sitting: Sitting) -> list[DeadlineChange]:
    """:func:`recompute_deadline` for every attempt of the sitting in progress, in attempt order."""
    # update_sitting holds the sitting's row, so no attempt starts meanwhile; the roster is locked
    # as set_extra_time locks an entry, so the extra time read here is not being changed meanwhile.
    extra = {entry.user_id: entry.extra_time_s for entry in session.scalars(
        select(RosterEntry).where(RosterEntry.sitting_id == sitting.id).order_by(RosterEntry.id)
        .with_for_update().execution_options(populate_existing=True))}
    running = session.scalars(
        select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.state == AttemptState.IN_PROGRESS)
        .order_by(Attempt.id).with_for_update().execution_options(populate_existing=True)
    ).all()
    return [recompute_deadline(session, clock, actor, sitting, attempt, extra.get(attempt.user_id, 0))
            for attempt in running]


@dataclass(frozen=True)
class SittingUpdate:
    """What :func:`update_sitting` did: the sitting, and for each attempt that was in progress
    when the window was made to close later, what recomputing its deadline did (empty otherwise)."""

    sitting: Sitting
    deadlines: list[DeadlineChange]

    @property
    def lengthened(self) -> list[DeadlineChange]:
        return [change for change in self.deadlines if change.lengthened]


def update_sitting(session: Session, clock: Clock, actor: User, sitting: Sitting, spec: SittingSpec) -> SittingUpdate:
    """Change a sitting's settings, checked as on create.

    Once any attempt exists, the settings in :data:`LOCKED_ONCE_STARTED` (kind, paper, opening
    time, time limit, grace, pass and 优秀 marks) must stay as they are, and the window may close later
    but not earlier: they decided the deadlines and scores already given. A time given in whole
    minutes that equals the stored one rounded down to the minute counts as unchanged (the form
    cannot show seconds). Raises :class:`NotFound`, :class:`InvalidInput` or :class:`Conflict`;
    nothing changes when it raises. The sitting's row is locked first (:func:`lock_sitting`), so
    the look for attempts and the change are one step against a candidate starting at that moment.

    When the window closes later, every attempt in progress gets its deadline recomputed
    (:func:`recompute_deadline`): one the old closing time had cut short runs on to its time limit
    plus extra time, or to the new close (domain.md §6); none is shortened. Audited as
    "sitting.update" and, per deadline moved, "attempt.deadline".
    """
    sitting = lock_sitting(session, get_sitting(session, actor, sitting.id))
    spec = _as_stored(sitting, spec)
    # The bank is checked again when the paper changes; otherwise a shrunken bank would block a
    # harmless change (a later closing time), and starting is refused anyway while it cannot fill.
    paper, pass_mark, excellent = _resolve(session, actor, spec, check_bank=spec.paper_id != sitting.paper_id)
    values = _values(spec, paper, pass_mark, excellent, sitting.access_code_hash)
    changed = {name for name, value in values.items() if getattr(sitting, name) != value}
    locked = [name for name in LOCKED_ONCE_STARTED if name in changed]
    if values["closes_at"] < sitting.closes_at:
        # An earlier close would cut short deadlines already given; later is always fair.
        locked.append("closes_at")
    if locked and has_attempts(session, sitting):
        raise Conflict(N_("Candidates have started this sitting, so these settings cannot change: %(fields)s."),
                       fields=tuple(FIELD_NAMES[name] for name in locked))
    if not changed:
        return SittingUpdate(sitting, [])
    before, old_close = snapshot(sitting), sitting.closes_at
    for name in changed:
        setattr(sitting, name, values[name])
    session.flush()
    audit.record(session, clock, actor, "sitting.update", "sitting", sitting.id, before=before, after=snapshot(sitting))
    later = sitting.closes_at > old_close
    return SittingUpdate(sitting, _recompute_running_deadlines(session, clock, actor, sitting) if later else [])


def short_sections(session: Session, clock: Clock, sitting: Sitting) -> list[assembly.Shortfall]:
    """The sections of the sitting's paper the bank cannot fill now, while the sitting is open or
    upcoming (empty once it has closed): until the bank can, candidates cannot start it (case C-12)."""
    if clock.now() >= sitting.closes_at:
        return []
    return assembly.shortfalls(session, sitting.paper)


def unfillable(session: Session, clock: Clock, sittings: list[Sitting]) -> set[int]:
    """Ids of those of ``sittings``, open or upcoming, whose paper the bank cannot fill now; each
    paper is checked once."""
    now = clock.now()
    short: dict[int, bool] = {}
    found: set[int] = set()
    for sitting in sittings:
        if now >= sitting.closes_at:
            continue
        if sitting.paper_id not in short:
            short[sitting.paper_id] = bool(assembly.shortfalls(session, sitting.paper))
        if short[sitting.paper_id]:
            found.add(sitting.id)
    return found
