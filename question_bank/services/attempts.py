"""The attempt lifecycle: start (or resume), autosave, submit, and the state the page shows.

Rules of domain.md §6 and cases C-01, C-02, C-04, C-05, C-06, C-18:
- the server's clock is the only clock; a client's time is never read;
- deadline = min(started_at + time limit + extra time, sitting closes_at), fixed at start;
- a save is taken until deadline + grace (requests in flight) and refused after it;
- a change based on an older version of its slot than another page stored is refused as stale,
  in an autosave and in the final submit payload alike (:mod:`question_bank.services.slot_changes`);
- an attempt still open after deadline + grace is closed automatically, finishing at its deadline,
  with the answers saved by then (:mod:`question_bank.services.deadlines`);
- the attempt row is locked (``SELECT … FOR UPDATE``) by every change, so concurrent saves and
  double submits are applied one at a time on PostgreSQL; on SQLite every transaction takes the
  write lock at BEGIN (``question_bank.db``) with the same effect.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from question_bank.clock import Clock
from question_bank.db import insert_rows
from question_bank.errors import (
    N_,
    AttemptClosed,
    Conflict,
    DeadlinePassed,
    NotDueYet,
    InvalidInput,
    NotFound,
    PaperUnavailable,
    Problem,
    WindowNotOpen,
)
from question_bank.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    BlueprintSection,
    Paper,
    QuestionVersion,
    ResponseSource,
    RosterEntry,
    Sitting,
    User,
)
from question_bank.services import assembly, audit, deadlines, exposure, presence, start_terms, validity
from question_bank.services.delivery import option_order_for, to_display, to_original
from question_bank.services.slot_changes import (
    Change,
    ChangeReceipt,
    Outcome,
    apply_change,
    record_taken_over,
    slot_versions,
)
from question_bank.types import get_type


@dataclass(frozen=True)
class AttemptStatus:
    """What the exam page needs to show time and progress, all computed on the server.

    ``remaining_s`` counts down to the deadline in whole seconds rounded up (0 only once the
    deadline has come): a page counting it down reaches zero at the deadline, never before it
    (issue-9 trial: truncating made pages hand in about a second early). ``responses`` maps each
    answered slot to its stored response in display form (what a page on another device should
    show), never the key; ``versions`` maps it to the slot's version (case C-18), which a page
    sends back as the base of its next change to the slot.
    """

    attempt_id: int
    state: AttemptState
    server_time: dt.datetime
    deadline: dt.datetime
    remaining_s: int
    answered: int
    total: int
    responses: dict[int, Any]
    versions: dict[int, int]


def _place_of(sitting: Sitting, candidate: User) -> dict[str, int]:
    """The parameters of the statements below that read a candidate's place at a sitting."""
    return {"sitting_id": sitting.id, "user_id": candidate.id}


# Most statements a start runs are built once each by a cached builder, their ids left as
# parameters (issue 7: building and keying them anew ran on every start). mutmut does not mutate a
# decorated function, so the two whose row locks the PostgreSQL mutation pass checks (the sitting's
# and the roster entry's) are still built on each call.

def roster_entry(session: Session, sitting: Sitting, candidate: User, *, lock: bool = False) -> RosterEntry:
    """The candidate's place on the sitting's roster. Raises :class:`NotFound` when not on it."""
    # Built here, not kept by a cached builder: mutmut does not mutate a decorated function, and
    # this lock is one the PostgreSQL mutation pass checks (mutation-postgresql.txt).
    query = select(RosterEntry).where(RosterEntry.sitting_id == sitting.id, RosterEntry.user_id == candidate.id)
    if lock:
        query = query.with_for_update()
    entry = session.scalar(query)
    if entry is None:
        raise NotFound()
    return entry


def open_attempt(session: Session, sitting: Sitting, candidate: User) -> Attempt | None:
    """The candidate's attempt in progress at ``sitting``, or None."""
    return session.scalar(select(Attempt).where(
        Attempt.sitting_id == sitting.id, Attempt.user_id == candidate.id, Attempt.state == AttemptState.IN_PROGRESS
    ))


@dataclass(frozen=True)
class StartPlace:
    """The candidate's place at a sitting as a start reads it under their roster entry's row lock
    (:func:`lock_for_start`): the entry, the id of the attempt in progress (None: none) and how
    many attempts they have made there, that one included."""

    entry: RosterEntry
    current_id: int | None
    used: int


def lock_for_start(session: Session, sitting: Sitting, candidate: User) -> StartPlace:
    """Read ``sitting`` again under a key-share row lock (with its paper, sections and their
    categories, in the same statement), then lock the candidate's roster entry and read their
    attempts at it. Raises :class:`NotFound` when they are not on the roster. Three statements,
    whatever the paper."""
    # The key-share lock (the weakest, which the attempt's foreign key takes at its insert anyway)
    # lets any number of candidates start at once but waits for, and keeps out,
    # sittings.update_sitting, which locks the row FOR UPDATE: a change of the settings either
    # committed before this start reads them, or sees its attempt and refuses to change what is
    # locked once started (tester finding: grace changed while an attempt was being started).
    # Taken before the roster entry, in the order update_sitting takes the two, so the two cannot
    # deadlock. The paper comes with it, which the draw reads next (issue 7: three lazy loads fewer).
    # Built on each call, unlike the start's other statements: mutmut does not mutate a decorated
    # (cached) builder, and the PostgreSQL mutation pass checks these lock options.
    session.execute(select(Sitting).where(Sitting.id == sitting.id)
                    .options(joinedload(Sitting.paper, innerjoin=True).joinedload(Paper.sections)
                             .joinedload(BlueprintSection.category))
                    .with_for_update(read=True, key_share=True, of=Sitting)
                    .execution_options(populate_existing=True)).unique().one()
    entry = roster_entry(session, sitting, candidate, lock=True)
    current_id, used = attempts_so_far(session, sitting, candidate)
    return StartPlace(entry, current_id, used)


@functools.lru_cache(maxsize=1)
def _attempts_made() -> Select:
    return select(Attempt.id, Attempt.state).where(Attempt.sitting_id == bindparam("sitting_id"),
                                                   Attempt.user_id == bindparam("user_id"))


def attempts_so_far(session: Session, sitting: Sitting, candidate: User) -> tuple[int | None, int]:
    """The id of the candidate's attempt in progress at ``sitting`` (None: none) and the number of
    attempts they have made there, read in one statement (their few attempts at the sitting, as
    plain rows: a start that resumes loads the one in progress as it locks it)."""
    made = session.execute(_attempts_made(), _place_of(sitting, candidate)).all()
    return next((a.id for a in made if a.state == AttemptState.IN_PROGRESS), None), len(made)


def start_attempt(session: Session, clock: Clock, candidate: User, sitting: Sitting, seed: int | None = None,
                  *, pledge: str | None = None, place: StartPlace | None = None) -> Attempt:
    """Start the candidate's attempt, or resume the one in progress (reload, another device).

    ``pledge`` is the integrity pledge the candidate accepted on the start confirmation: a new
    attempt records the time (``pledge_accepted_at``) and the audit entry the text
    (:func:`question_bank.services.starting.confirm_start` requires it; callers without a page, a
    batch or a test, may leave it out). ``place`` is what :func:`lock_for_start` read in this
    transaction, when the caller has it already; otherwise it is read here.
    Raises :class:`NotFound` (not on the roster), :class:`WindowNotOpen` (outside the window, or
    within its late-start cut-off, case C-24), :class:`Conflict` (no attempts left) or
    :class:`PaperUnavailable` (the bank cannot fill the paper: nobody can start).
    """
    if place is None:
        place = lock_for_start(session, sitting, candidate)
    now = clock.now()
    if place.current_id is not None:
        current = lock_attempt(session, place.current_id)
        if not deadlines.close_if_overdue(session, clock, current):
            return current
    if not sitting.is_open(now):
        raise WindowNotOpen(N_("This sitting is open from %(opens)s to %(closes)s (server time)."),
                            opens=sitting.opens_at, closes=sitting.closes_at)
    start_terms.refuse_late_start(sitting, now)
    used = place.used
    if used >= sitting.attempts_allowed:
        raise Conflict(N_("You have used all %(allowed)d attempt(s) at this sitting."), allowed=sitting.attempts_allowed)
    seed = secrets.randbits(62) if seed is None else seed
    try:
        drawn = assembly.draw(session, sitting.paper, seed, exposure.for_draw(sitting.paper, candidate, now),
                              for_attempt=True)
    except InvalidInput as exc:
        raise PaperUnavailable(exc.problems) from exc
    deadline = start_terms.deadline_for(sitting, place.entry.extra_time_s, now)
    attempt = Attempt(
        sitting=sitting, user_id=candidate.id, attempt_no=used + 1, seed=seed, started_at=now, deadline=deadline,
        state=AttemptState.IN_PROGRESS, max_score=sitting.paper.total_marks,
        pledge_accepted_at=now if pledge is not None else None,
    )
    rng = random.Random(seed)
    if sitting.shuffle_questions:
        drawn = _shuffle_within_sections(drawn, rng)
    session.add(attempt)
    session.flush()
    # The paper's items in one statement, not as 100 ORM objects (issue 7), and with them (the same
    # statement on PostgreSQL) the law versions they cite (the validity snapshot); the attempt's
    # ``items`` collection loads from the rows when first read.
    insert_rows(session, AttemptItem, [
        {"attempt_id": attempt.id, "slot": slot, "section_no": pick.section_no, "question_version_id": pick.version.id,
         "mark": pick.mark,
         "option_order": option_order_for(pick.version.option_count,
                                          sitting.shuffle_options and get_type(pick.version.qtype).has_options,
                                          rng, pick.version.pinned_options)}
        for slot, pick in enumerate(drawn, start=1)], then=validity.snapshot_of, then_params={"attempt_id": attempt.id})
    session.expire(attempt, ["items"])
    _mark_used(session, [pick.version.id for pick in drawn if pick.version.used_at is None], now)
    audit.record(session, clock, candidate, "attempt.start", "attempt", attempt.id,
                 after={"sitting": sitting.id, "attempt_no": attempt.attempt_no, "deadline": deadline.isoformat(),
                        **({"pledge": pledge} if pledge is not None else {})})
    return attempt


def _mark_used(session: Session, version_ids: list[int], now: dt.datetime) -> None:
    """Record ``now`` as the first use of those of ``version_ids`` never used before, in one
    statement (none once the paper's questions have been used: most starts). A version loaded in
    the session is expired, so it reads its first use from the database."""
    if not version_ids:
        return
    session.execute(update(QuestionVersion)
                    .where(QuestionVersion.id.in_(version_ids), QuestionVersion.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    for version_id in version_ids:
        loaded = session.identity_map.get(identity_key(QuestionVersion, version_id))
        if loaded is not None:
            session.expire(loaded, ["used_at"])


def _shuffle_within_sections(drawn: list[assembly.DrawnItem], rng: random.Random) -> list[assembly.DrawnItem]:
    """Shuffle question order inside each section; sections keep their order (单选 before 多选)."""
    out: list[assembly.DrawnItem] = []
    for section_no in sorted({d.section_no for d in drawn}):
        part = [d for d in drawn if d.section_no == section_no]
        rng.shuffle(part)
        out.extend(part)
    return out


def lock_attempt(session: Session, attempt_id: int, candidate: User | None = None) -> Attempt:
    """Load and lock an attempt for change. With ``candidate``, an attempt that is not theirs is
    :class:`NotFound`, exactly like one that does not exist (no enumeration, case C-16)."""
    # The sitting comes in the same statement (every caller reads its deadline rules); only the
    # attempt's row is locked, which PostgreSQL needs "OF" for with the join. Built on each call,
    # not by a cached builder: mutmut does not mutate a decorated function, and this lock and the
    # ownership condition are what its PostgreSQL pass and case C-16 check.
    query = (select(Attempt).where(Attempt.id == attempt_id)
             .options(joinedload(Attempt.sitting, innerjoin=True)).with_for_update(of=Attempt))
    if candidate is not None:
        query = query.where(Attempt.user_id == candidate.id)
    attempt = session.scalar(query.execution_options(populate_existing=True))
    if attempt is None:
        raise NotFound()
    return attempt


def candidate_attempt(session: Session, attempt_id: int, candidate: User) -> Attempt:
    """The candidate's own attempt, for reading. Raises :class:`NotFound` for anyone else's."""
    # The sitting in the same statement: every caller reads its rules (the allowed-networks check
    # on each autosave among them).
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == candidate.id)
                             .options(joinedload(Attempt.sitting, innerjoin=True)))
    if attempt is None:
        raise NotFound()
    return attempt


def touch(session: Session, clock: Clock, candidate: User, attempt_id: int) -> Attempt:
    """The candidate's attempt as it stands now: an open attempt is locked and, if overdue, closed
    at its deadline before anything is shown (case C-04: reopening the page after the deadline shows
    the attempt ended, never a fresh countdown). Raises :class:`NotFound` for anyone else's."""
    attempt = candidate_attempt(session, attempt_id, candidate)
    if attempt.is_open:
        attempt = lock_attempt(session, attempt_id, candidate)
        deadlines.close_if_overdue(session, clock, attempt)
    return attempt


def status(session: Session, clock: Clock, attempt: Attempt) -> AttemptStatus:
    """The attempt's server-computed time and progress (case C-02: the same answer whether or not
    the page polled before). Take ``attempt`` from :func:`touch`."""
    now = clock.now()
    stored = slot_versions(session, attempt.id)
    shown = {item.slot: to_display(item, stored[item.slot].answer) for item in attempt.items if item.slot in stored}
    answered = sum(
        1 for item in attempt.items
        if item.slot in stored and get_type(item.question_version.qtype).is_answered(stored[item.slot].answer)
    )
    remaining = seconds_left(attempt, now) if attempt.is_open else 0
    return AttemptStatus(attempt.id, attempt.state, now, attempt.deadline, remaining, answered, len(attempt.items),
                         shown, {slot: found.version for slot, found in stored.items()})


def seconds_left(attempt: Attempt, now: dt.datetime) -> int:
    """Whole seconds until ``attempt``'s deadline, rounded up; 0 once the deadline has come."""
    return max(0, math.ceil((attempt.deadline - now).total_seconds()))


#: Largest sequence number and slot accepted: JavaScript's largest exact integer, and a paper's size.
MAX_SEQ, MAX_SLOT = 2**53 - 1, 10_000
#: A writer token: what ``new_writer_token`` makes, or "submit" for a final payload.
_WRITER = re.compile(r"[A-Za-z0-9_-]{1,32}")
SUBMIT_WRITER = "submit"


def new_writer_token() -> str:
    """A token for one load of the exam page: its saves are numbered 1, 2, 3… under it."""
    return secrets.token_urlsafe(12)


def _check_save_fields(slot: Any, client_seq: Any, writer: Any, base: Any) -> None:
    problems = []
    if not _is_int(slot) or not 1 <= slot <= MAX_SLOT:
        problems.append(Problem(N_("the question number must be a whole number from 1 to %(n)d"), {"n": MAX_SLOT}, "slot"))
    if not _is_int(client_seq) or not 1 <= client_seq <= MAX_SEQ:
        problems.append(Problem(N_("the sequence number must be a whole number from 1"), place="seq"))
    if not isinstance(writer, str) or not _WRITER.fullmatch(writer) or writer == SUBMIT_WRITER:
        problems.append(Problem(N_("the page token is missing or malformed; reload the page"), place="writer"))
    if not _is_int(base) or not 0 <= base <= MAX_SEQ:
        problems.append(Problem(N_("the version the change is based on is missing or malformed; reload the page"),
                                place="base"))
    if problems:
        raise InvalidInput(problems)


def page_token(value: Any, required: bool = False) -> str | None:
    """A page's token as a request names it (the writer token of the page sending it), checked;
    None when absent and not ``required``. Raises :class:`InvalidInput` (place "page")."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _WRITER.fullmatch(value) or value == SUBMIT_WRITER:
        raise InvalidInput([Problem(N_("the page token is missing or malformed; reload the page"), place="page")])
    return value


def page_change(slot: Any, answer: Any, client_seq: Any, writer: Any, base: Any) -> Change:
    """A change as an exam page sends it, checked: every field is required, ``base`` included (a
    page always knows which version of the slot it saw). Raises :class:`InvalidInput` naming each
    bad field."""
    _check_save_fields(slot, client_seq, writer, base)
    return Change(slot, answer, writer, client_seq, base)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item(attempt: Attempt, slot: Any) -> AttemptItem:
    for item in attempt.items:
        if item.slot == slot:
            return item
    raise InvalidInput([Problem(N_("there is no question %(slot)s on this paper"), {"slot": slot}, "slot")])


def _ensure_writable(session: Session, clock: Clock, attempt: Attempt) -> None:
    """Refuse a change to a closed or overdue attempt, closing an overdue one first. An attempt
    closed at its deadline is refused as late, whichever request closed it: that is what happened."""
    if attempt.state == AttemptState.CLOSED_BY_VOID:
        raise presence.closed_refusal(attempt)
    if deadlines.close_if_overdue(session, clock, attempt) or attempt.state == AttemptState.AUTO_SUBMITTED:
        raise DeadlinePassed(attempt_id=attempt.id)
    if not attempt.is_open:
        raise AttemptClosed(attempt_id=attempt.id)


#: A save checks the answer against the question's type, stem (a fill-in's blanks) and options; the
#: explanation, legal basis and rubric are not read, so they are not fetched on the hottest path.
_WITHOUT_PROSE = joinedload(AttemptItem.question_version).defer(QuestionVersion.explanation).defer(
    QuestionVersion.legal_basis).defer(QuestionVersion.rubric)


def save_response(
    session: Session, clock: Clock, candidate: User, attempt_id: int, slot: int, answer: Any, client_seq: int,
    writer: str = "direct", base: int | None = None, page: str | None = None,
) -> ChangeReceipt:
    """Store one autosave by the no-lost-update rule (:mod:`question_bank.services.slot_changes`).

    ``answer`` is in display form (the letters the candidate saw; "T"/"F"). ``writer`` is the
    page's token (:func:`new_writer_token`), ``client_seq`` its own rising counter and ``base`` the
    slot version the page last saw: a change based on an older version than one another page
    stored is refused as stale (recorded, nothing replaced), a retry changes nothing, an older
    arrival of the same page is kept but superseded. The receipt always carries what is stored.
    Callers without a page (a batch job, a test) share the writer "direct" and may leave ``base``
    out: their change is then always taken. ``page`` is the token of the page sending the save
    (the writer of a resent change may be an older page): once a page holds the attempt, only it
    may change answers (:mod:`question_bank.services.presence`).
    Raises :class:`NotFound`, :class:`DeadlinePassed` (after deadline + grace; the attempt is then
    closed with what was saved before), :class:`AttemptVoided` (a proctor voided it),
    :class:`AttemptClosed`, :class:`TakenOver` or
    :class:`InvalidInput`.
    """
    _check_save_fields(slot, client_seq, writer, 0 if base is None else base)
    attempt = lock_attempt(session, attempt_id, candidate)
    _ensure_writable(session, clock, attempt)
    # One slot's item, not the whole paper: this is the hottest path of an exam.
    item = session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id, AttemptItem.slot == slot)
                          .options(_WITHOUT_PROSE))
    if item is None:
        raise InvalidInput([Problem(N_("there is no question %(slot)s on this paper"), {"slot": slot}, "slot")])
    change = Change(slot, answer, writer, client_seq, base)
    _refuse_unless_held(session, clock, attempt, page, [(item, change)], ResponseSource.AUTOSAVE)
    return apply_change(session, item, change, clock.now(), ResponseSource.AUTOSAVE)


def _refuse_unless_held(session: Session, clock: Clock, attempt: Attempt, page: str | None,
                        changes: list[tuple[AttemptItem, Change]], source: ResponseSource) -> None:
    """Let the changes through only from the page holding the attempt (one active device). A page
    that was taken over has each change recorded as refused for that reason, so the answer history
    lists it (the refusal is committed with the error: ``TakenOver.keeps_work``), then raises
    :class:`TakenOver`; a request naming no page at all raises :class:`InvalidInput`."""
    if page is not None and not presence.held_here(attempt, page):
        for item, change in changes:
            record_taken_over(session, item, change, clock.now(), source)
    presence.ensure_holder(attempt, page)


@dataclass(frozen=True)
class SubmitOutcome:
    """The closed attempt, whether this request closed it (False: it was already closed, and the
    request changed nothing, case C-06), and what became of each change in the payload (slot order).
    ``not_taken`` lists the payload's answers that did not become the response, with what is stored."""

    attempt: Attempt
    closed_now: bool
    receipts: tuple[ChangeReceipt, ...] = ()
    #: Why the payload was not applied at all: "" (it was), "already_submitted", "deadline_passed" or
    #: "voided" (a proctor voided the attempt).
    payload_ignored: str = ""
    not_taken: tuple[ChangeReceipt, ...] = ()


def submit_attempt(
    session: Session, clock: Clock, candidate: User, attempt_id: int,
    final_answers: Mapping[int, Change | Any] | None = None, page: str | None = None, time_up: bool = False,
) -> SubmitOutcome:
    """Submit the candidate's attempt, applying the page's final changes first.

    ``final_answers`` maps slot → :class:`Change` (what an exam page sends: its unacknowledged
    changes with writer, number and base) or a bare answer in display form (callers without a page:
    always taken). Each change obeys the autosave's rule (case C-18): one based on an older version
    than another page stored is not taken, and the score uses the stored answer. Only slots present
    change anything: a slot missing from the payload keeps its autosaved response (case C-05).
    After deadline + grace the payload is ignored and the attempt closes at its deadline with what
    was saved (case C-01); submitting a closed attempt changes nothing, a voided one included
    (``payload_ignored`` "voided"; "deadline_passed" for one closed at its deadline, else
    "already_submitted"). Either way the outcome
    lists the answers not taken. ``page`` is the submitting page's token: a page that no longer
    holds the attempt (:mod:`question_bank.services.presence`) cannot submit it.

    How the attempt ended is the server's to say, from its own clock: a hand-in at or after the
    deadline was caused by the deadline and is recorded as auto-submitted ("到时自动交卷") and
    finishing at the deadline, whoever sent it; one before the deadline is the candidate's own.
    ``time_up`` says the page sent it because its countdown reached zero: when the server's
    deadline has not come yet, nothing is closed or stored (:class:`NotDueYet`), so a page whose
    count ran fast never hands in early.
    Raises :class:`NotFound`, :class:`TakenOver`, :class:`NotDueYet` or :class:`InvalidInput` (a
    final answer that fits no question; nothing is then stored).
    """
    changes = [answer if isinstance(answer, Change) else Change(slot, answer, SUBMIT_WRITER, 1, None)
               for slot, answer in sorted((final_answers or {}).items())]
    attempt = lock_attempt(session, attempt_id, candidate)
    if attempt.state == AttemptState.CLOSED_BY_VOID:
        return _ignored(session, attempt, changes, False, "voided")
    if not attempt.is_open:
        # Closed at its deadline, the payload is refused for the deadline, whichever hand-in closed
        # it: a page whose time-up hand-in got through with its reply lost sends it again, and was
        # told "already handed in" though the candidate never handed in (issue-9 trial).
        late = attempt.state == AttemptState.AUTO_SUBMITTED
        return _ignored(session, attempt, changes, False, "deadline_passed" if late else "already_submitted")
    if deadlines.close_if_overdue(session, clock, attempt):
        return _ignored(session, attempt, changes, True, "deadline_passed")
    # The paper's items (each with its whole question version) only when the payload changes one:
    # a hand-in after autosaving everything sends none, and marking reads what it needs in one query.
    items = {item.slot: item for item in attempt.items} if changes else {}
    _refuse_unless_held(session, clock, attempt, page,
                        [(items[c.slot], c) for c in changes if c.slot in items], ResponseSource.SUBMIT)
    now = clock.now()
    if time_up and now < attempt.deadline:
        raise NotDueYet(remaining_s=seconds_left(attempt, now))
    problems: list[Problem] = []
    receipts: list[ChangeReceipt] = []
    for change in changes:
        try:
            receipts.append(apply_change(session, _item(attempt, change.slot), change, now, ResponseSource.SUBMIT))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    if now >= attempt.deadline:
        # Within the grace for requests in flight: the payload counts, but time had run out.
        deadlines.close_at_deadline(session, clock, attempt, actor=candidate)
    else:
        deadlines.finish(session, clock, attempt, AttemptState.SUBMITTED, finished_at=now, actor=candidate)
    return SubmitOutcome(attempt, True, tuple(receipts),
                         not_taken=tuple(r for r in receipts if r.outcome != Outcome.TAKEN))


def _ignored(session: Session, attempt: Attempt, changes: list[Change], closed_now: bool, why: str) -> SubmitOutcome:
    """The outcome of a submit whose payload came too late: every change in it that differs from
    what is stored is listed as not taken (a stale tab must be told, never silently dropped), with
    the outcome "closed" (it came after the attempt closed: ``why`` says how) and what the slot
    holds, its answer and version. A change equal to what is stored is not listed, and neither is
    an empty answer to a slot nobody answered: nothing of the candidate's was lost there."""
    stored = slot_versions(session, attempt.id)
    items = {item.slot: item for item in attempt.items}
    not_taken = []
    for change in changes:
        item = items.get(change.slot)
        if item is None:
            continue
        found = stored.get(change.slot)
        held = to_display(item, found.answer) if found else None
        try:
            normalised = to_original(item, change.answer)
        except ValueError:
            sent, sent_answered = change.answer, bool(change.answer)  # fits no question: said as sent
        else:
            sent, sent_answered = to_display(item, normalised), _answered(item, normalised)
        if sent == held or not (sent_answered or _answered(item, found.answer if found else None)):
            continue
        not_taken.append(ChangeReceipt(change.slot, change.seq, Outcome.CLOSED, sent, held,
                                       found.version if found else 0))
    return SubmitOutcome(attempt, closed_now, payload_ignored=why, not_taken=tuple(not_taken))


def _answered(item: AttemptItem, answer: Any) -> bool:
    """Whether ``answer`` (normalised; None for none) counts as an answer to ``item``'s question."""
    return answer is not None and get_type(item.question_version.qtype).is_answered(answer)
