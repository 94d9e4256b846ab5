"""The attempt lifecycle: start (or resume), autosave, submit, and the state the page shows.

Rules of domain.md §6 and cases C-01, C-02, C-04, C-05, C-06:
- the server's clock is the only clock; a client's time is never read;
- deadline = min(started_at + time limit + extra time, sitting closes_at), fixed at start;
- a save is taken until deadline + grace (requests in flight) and refused after it;
- an attempt still open after deadline + grace is closed automatically, finishing at its deadline,
  with the answers saved by then (:mod:`question_bank.services.deadlines`);
- the attempt row is locked (``SELECT … FOR UPDATE``) by every change, so concurrent saves and
  double submits are applied one at a time on PostgreSQL; on SQLite every transaction takes the
  write lock at BEGIN (``question_bank.db``) with the same effect.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import (
    N_,
    AttemptClosed,
    Conflict,
    DeadlinePassed,
    InvalidInput,
    NotFound,
    PaperUnavailable,
    Place,
    Problem,
    WindowNotOpen,
)
from question_bank.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    ResponseSource,
    ResponseStep,
    RosterEntry,
    Sitting,
    User,
)
from question_bank.services import assembly, audit, deadlines, start_terms, validity
from question_bank.services.delivery import option_order_for, to_display, to_original
from question_bank.services.marking import current_responses
from question_bank.types import get_type


@dataclass(frozen=True)
class AttemptStatus:
    """What the exam page needs to show time and progress, all computed on the server.

    ``remaining_s`` counts down to the deadline (0 once it has passed). ``responses`` maps each
    answered slot to its stored response in display form (what a page on another device should
    show), never the key.
    """

    attempt_id: int
    state: AttemptState
    server_time: dt.datetime
    deadline: dt.datetime
    remaining_s: int
    answered: int
    total: int
    responses: dict[int, Any]


@dataclass(frozen=True)
class SaveReceipt:
    """Acknowledgement of a save, sent only after it is committed. ``current`` is False when the
    same page had already saved a later change to the slot (this one arrived late)."""

    slot: int
    client_seq: int
    current: bool


def roster_entry(session: Session, sitting: Sitting, candidate: User, *, lock: bool = False) -> RosterEntry:
    """The candidate's place on the sitting's roster. Raises :class:`NotFound` when not on it."""
    query = select(RosterEntry).where(RosterEntry.sitting_id == sitting.id, RosterEntry.user_id == candidate.id)
    if lock:
        query = query.with_for_update()
    entry = session.scalar(query)
    if entry is None:
        raise NotFound()
    return entry


def open_attempt(session: Session, sitting: Sitting, candidate: User) -> Attempt | None:
    return session.scalar(select(Attempt).where(
        Attempt.sitting_id == sitting.id, Attempt.user_id == candidate.id, Attempt.state == AttemptState.IN_PROGRESS
    ))


def attempts_used(session: Session, sitting: Sitting, candidate: User) -> int:
    return session.scalar(select(func.count(Attempt.id)).where(
        Attempt.sitting_id == sitting.id, Attempt.user_id == candidate.id
    )) or 0


def start_attempt(session: Session, clock: Clock, candidate: User, sitting: Sitting, seed: int | None = None,
                  *, pledge: str | None = None) -> Attempt:
    """Start the candidate's attempt, or resume the one in progress (reload, another device).

    ``pledge`` is the integrity pledge the candidate accepted on the start confirmation: a new
    attempt records the time (``pledge_accepted_at``) and the audit entry the text
    (:func:`question_bank.services.starting.confirm_start` requires it; callers without a page, a
    batch or a test, may leave it out).
    Raises :class:`NotFound` (not on the roster), :class:`WindowNotOpen` (outside the window, or
    within its late-start cut-off, case C-24), :class:`Conflict` (no attempts left) or
    :class:`PaperUnavailable` (the bank cannot fill the paper: nobody can start).
    """
    entry = roster_entry(session, sitting, candidate, lock=True)
    # Read the sitting again under the lock: a change of its window that held the lock before us
    # (sittings.update_sitting) must count for the deadline we fix now.
    session.refresh(sitting)
    now = clock.now()
    current = open_attempt(session, sitting, candidate)
    if current is not None:
        lock_attempt(session, current.id)
        if not deadlines.close_if_overdue(session, clock, current):
            return current
    if not sitting.is_open(now):
        raise WindowNotOpen(N_("This sitting is open from %(opens)s to %(closes)s (server time)."),
                            opens=sitting.opens_at, closes=sitting.closes_at)
    start_terms.refuse_late_start(sitting, now)
    used = attempts_used(session, sitting, candidate)
    if used >= sitting.attempts_allowed:
        raise Conflict(N_("You have used all %(allowed)d attempt(s) at this sitting."), allowed=sitting.attempts_allowed)
    seed = secrets.randbits(62) if seed is None else seed
    try:
        drawn = assembly.draw(session, sitting.paper, seed)
    except InvalidInput as exc:
        raise PaperUnavailable(exc.problems) from exc
    deadline = min(now + dt.timedelta(seconds=sitting.time_limit_s + entry.extra_time_s), sitting.closes_at)
    attempt = Attempt(
        sitting=sitting, user_id=candidate.id, attempt_no=used + 1, seed=seed, started_at=now, deadline=deadline,
        state=AttemptState.IN_PROGRESS, max_score=sitting.paper.total_marks,
        pledge_accepted_at=now if pledge is not None else None,
    )
    rng = random.Random(seed)
    if sitting.shuffle_questions:
        drawn = _shuffle_within_sections(drawn, rng)
    for slot, pick in enumerate(drawn, start=1):
        shuffle = sitting.shuffle_options and get_type(pick.version.qtype).has_options
        attempt.items.append(AttemptItem(
            slot=slot, section_no=pick.section_no, question_version=pick.version, mark=pick.section.mark,
            option_order=option_order_for(len(pick.version.options), shuffle, rng, pick.version.pinned_options or ()),
        ))
        if pick.version.used_at is None:
            pick.version.used_at = now
    session.add(attempt)
    session.flush()
    validity.take_snapshot(session, attempt)
    audit.record(session, clock, candidate, "attempt.start", "attempt", attempt.id,
                 after={"sitting": sitting.id, "attempt_no": attempt.attempt_no, "deadline": deadline.isoformat(),
                        **({"pledge": pledge} if pledge is not None else {})})
    return attempt


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
    query = select(Attempt).where(Attempt.id == attempt_id).with_for_update()
    if candidate is not None:
        query = query.where(Attempt.user_id == candidate.id)
    attempt = session.scalar(query.execution_options(populate_existing=True))
    if attempt is None:
        raise NotFound()
    return attempt


def candidate_attempt(session: Session, attempt_id: int, candidate: User) -> Attempt:
    """The candidate's own attempt, for reading. Raises :class:`NotFound` for anyone else's."""
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == candidate.id))
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
    steps = current_responses(session, attempt.id)
    shown = {item.slot: to_display(item, steps[item.slot].answer) for item in attempt.items if item.slot in steps}
    answered = sum(
        1 for item in attempt.items
        if item.slot in steps and get_type(item.question_version.qtype).is_answered(steps[item.slot].answer)
    )
    remaining = max(0, int((attempt.deadline - now).total_seconds())) if attempt.is_open else 0
    return AttemptStatus(attempt.id, attempt.state, now, attempt.deadline, remaining, answered, len(attempt.items),
                         shown)


#: Largest sequence number and slot accepted: JavaScript's largest exact integer, and a paper's size.
MAX_SEQ, MAX_SLOT = 2**53 - 1, 10_000
#: A writer token: what ``new_writer_token`` makes, or "submit" for a final payload.
_WRITER = re.compile(r"[A-Za-z0-9_-]{1,32}")
SUBMIT_WRITER = "submit"


def new_writer_token() -> str:
    """A token for one load of the exam page: its saves are numbered 1, 2, 3… under it."""
    return secrets.token_urlsafe(12)


def _check_save_fields(slot: Any, client_seq: Any, writer: Any) -> None:
    problems = []
    if not _is_int(slot) or not 1 <= slot <= MAX_SLOT:
        problems.append(Problem(N_("the question number must be a whole number from 1 to %(n)d"), {"n": MAX_SLOT}, "slot"))
    if not _is_int(client_seq) or not 1 <= client_seq <= MAX_SEQ:
        problems.append(Problem(N_("the sequence number must be a whole number from 1"), place="seq"))
    if not isinstance(writer, str) or not _WRITER.fullmatch(writer) or writer == SUBMIT_WRITER:
        problems.append(Problem(N_("the page token is missing or malformed; reload the page"), place="writer"))
    if problems:
        raise InvalidInput(problems)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item(attempt: Attempt, slot: Any) -> AttemptItem:
    for item in attempt.items:
        if item.slot == slot:
            return item
    raise InvalidInput([Problem(N_("there is no question %(slot)s on this paper"), {"slot": slot}, "slot")])


def _ensure_writable(session: Session, clock: Clock, attempt: Attempt) -> None:
    """Refuse a change to a closed or overdue attempt, closing an overdue one first."""
    if deadlines.close_if_overdue(session, clock, attempt):
        raise DeadlinePassed(attempt_id=attempt.id)
    if not attempt.is_open:
        raise AttemptClosed(attempt_id=attempt.id)


def save_response(
    session: Session, clock: Clock, candidate: User, attempt_id: int, slot: int, answer: Any, client_seq: int,
    writer: str = "direct",
) -> SaveReceipt:
    """Store one autosave as a new response step.

    ``answer`` is in display form (the letters the candidate saw; "T"/"F"). ``writer`` is the
    page's token (:func:`new_writer_token`) and ``client_seq`` its own rising counter: a retry of a
    stored (writer, number) stores nothing new, and a save that arrives after a later one of the
    same page is kept in the history but does not become the response. Between pages (two tabs,
    a phone and a PC) the change that reached the server last wins. Callers without a page (a batch
    job, a test) share the writer "direct".
    Raises :class:`NotFound`, :class:`DeadlinePassed` (after deadline + grace; the attempt is then
    closed with what was saved before), :class:`AttemptClosed` or :class:`InvalidInput`.
    """
    _check_save_fields(slot, client_seq, writer)
    attempt = lock_attempt(session, attempt_id, candidate)
    _ensure_writable(session, clock, attempt)
    # One slot's item, not the whole paper: this is the hottest path of an exam.
    item = session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id, AttemptItem.slot == slot))
    if item is None:
        raise InvalidInput([Problem(N_("there is no question %(slot)s on this paper"), {"slot": slot}, "slot")])
    try:
        normalised = to_original(item, answer)
    except ValueError as exc:
        raise InvalidInput([Problem(str(exc.args[0]), place=Place(slot=slot))]) from exc
    own = {step.client_seq: step for step in session.scalars(select(ResponseStep).where(
        ResponseStep.attempt_id == attempt.id, ResponseStep.slot == item.slot, ResponseStep.writer == writer))}
    if client_seq in own:
        return SaveReceipt(item.slot, client_seq, not own[client_seq].superseded)
    superseded = any(seq > client_seq for seq in own)
    session.add(ResponseStep(attempt_id=attempt.id, slot=item.slot, writer=writer, client_seq=client_seq,
                             superseded=superseded, answer=normalised, received_at=clock.now(),
                             source=ResponseSource.AUTOSAVE))
    session.flush()
    return SaveReceipt(item.slot, client_seq, not superseded)


@dataclass(frozen=True)
class SubmitOutcome:
    """The closed attempt, and whether this request closed it (False: it was already closed, and
    the request changed nothing, case C-06)."""

    attempt: Attempt
    closed_now: bool


def submit_attempt(
    session: Session, clock: Clock, candidate: User, attempt_id: int, final_answers: dict[int, Any] | None = None
) -> SubmitOutcome:
    """Submit the candidate's attempt, applying the page's final answers first.

    ``final_answers`` maps slot → answer in display form. Only slots present change anything: a
    slot missing from the payload keeps its autosaved response (case C-05); an empty value clears
    it. After deadline + grace the payload is ignored and the attempt closes at its deadline with
    what was saved (case C-01). Submitting a closed attempt changes nothing. Raises
    :class:`NotFound` or :class:`InvalidInput` (a final answer that fits no question; nothing is
    then stored).
    """
    attempt = lock_attempt(session, attempt_id, candidate)
    if not attempt.is_open:
        return SubmitOutcome(attempt, False)
    if deadlines.close_if_overdue(session, clock, attempt):
        return SubmitOutcome(attempt, True)
    now = clock.now()
    if final_answers:
        problems: list[Problem] = []
        steps: list[ResponseStep] = []
        for slot, answer in sorted(final_answers.items()):
            try:
                item = _item(attempt, slot)
                normalised = to_original(item, answer)
            except InvalidInput as exc:
                problems.extend(exc.problems)
                continue
            except ValueError as exc:
                problems.append(Problem(str(exc.args[0]), place=Place(slot=slot)))
                continue
            steps.append(ResponseStep(attempt_id=attempt.id, slot=item.slot, writer=SUBMIT_WRITER, client_seq=1,
                                      answer=normalised, received_at=now, source=ResponseSource.SUBMIT))
        if problems:
            raise InvalidInput(problems)
        session.add_all(steps)
        session.flush()
    deadlines.finish(session, clock, attempt, AttemptState.SUBMITTED, finished_at=min(now, attempt.deadline),
                     actor=candidate)
    return SubmitOutcome(attempt, True)
