"""What the candidate's exam page shows, read in one short transaction (issue 7).

The page has two parts:

- the *paper*: each slot's question (stem, options in the attempt's display order, number of
  blanks), its mark and its section. It is fixed when the attempt starts (the question versions
  are immutable, the option order is drawn at start, and a paper's sections cannot change once an
  attempt has drawn from it: ``papers.update_paper``), so a page may render it once and reuse the
  result for as long as :attr:`ExamPage.paper_key` is the same;
- the *state*: the attempt's deadline and state, and for each slot its saved response (in display
  form), the slot's version (case C-18) and whether it counts as answered, read fresh every time.

Reading the state takes two statements (the attempt with its sitting and the focus flag; the slots
with their latest responses and versions); the paper's texts take two more only when the caller
has no rendering of it yet (:func:`paper_questions`). Nothing here reads or exposes a key, a
rubric or an explanation (case C-17).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from question_bank.clock import Clock
from question_bank.errors import NotFound
from question_bank.models import (
    Attempt,
    AttemptItem,
    BlueprintSection,
    FocusChange,
    FocusEvent,
    QuestionVersion,
    ResponseStep,
    User,
)
from question_bank.services import attempts, deadlines
from question_bank.services.delivery import ItemView, item_view_of, to_display_of
from question_bank.types import get_type


@dataclass(frozen=True)
class SlotState:
    """One slot's state as the page shows it: the saved response in display form (display
    letters, "T"/"F", one text per blank, a text; None when never answered), the slot's version
    (steps taken, 0 when none: the base of the page's next change, case C-18), and whether the
    response counts as an answer (the type's ``is_answered``)."""

    response: Any
    version: int
    answered: bool


@dataclass(frozen=True)
class PaperSlot:
    """What fixes one slot's question on the page: slot number, section number (from 1), question
    version id, question type code, mark (points) and option order (``[2, 0, 1]`` shows the
    original C first)."""

    slot: int
    section_no: int
    question_version_id: int
    qtype: str
    mark: Decimal
    option_order: tuple[int, ...]


@dataclass(frozen=True)
class SectionHeading:
    """A paper section as the page heads it: title ("" for the type's name), type code, number of
    questions and the mark of each (points)."""

    title: str
    qtype: str
    count: int
    mark: Decimal


@dataclass(frozen=True)
class ExamPage:
    """The exam page of one open attempt, as of ``now``.

    ``attempt`` is the ORM row with its sitting loaded (nothing else may be loaded from it after
    the transaction ends); ``slots`` are in slot order; ``states`` maps every slot to its
    :class:`SlotState`; ``remaining_s`` counts down to the deadline in whole seconds rounded up
    (as :func:`attempts.seconds_left`); ``focus_away`` tells whether the last focus event is a
    departure with no return yet."""

    attempt: Attempt
    now: dt.datetime
    remaining_s: int
    focus_away: bool
    slots: tuple[PaperSlot, ...]
    states: dict[int, SlotState]

    @property
    def answered(self) -> int:
        """Slots whose response counts as an answer."""
        return sum(1 for state in self.states.values() if state.answered)

    @property
    def time_up(self) -> bool:
        """Whether the deadline has come (the attempt waits out its grace, then closes): a page
        served now shows the exam as ending and holds nothing (``presence``), so only changes
        already on their way from the page holding the attempt still count."""
        return self.now >= self.attempt.deadline

    @property
    def closes_in_s(self) -> int:
        """Whole seconds, rounded up, until the grace after the deadline ends and the attempt is
        closed on the next request (0 once it has ended)."""
        return max(0, math.ceil((deadlines.grace_ends(self.attempt) - self.now).total_seconds()))

    @property
    def paper_key(self) -> tuple:
        """Everything the paper part of the page depends on, besides the language it is shown in:
        the paper (its sections are fixed once an attempt drew from it) and each slot's question
        version, mark, section and option order. Two attempts with equal keys show the same paper."""
        return (self.attempt.sitting.paper_id,) + tuple(
            (s.slot, s.section_no, s.question_version_id, s.mark, s.option_order) for s in self.slots)


def _attempt_statement() -> Select:
    """The candidate's attempt with its sitting, and the change of its last focus event."""
    away = (select(FocusEvent.change).where(FocusEvent.attempt_id == Attempt.id)
            .order_by(FocusEvent.occurred_at.desc(), FocusEvent.id.desc()).limit(1)
            .correlate(Attempt).scalar_subquery())
    return (select(Attempt, away)
            .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
            .options(joinedload(Attempt.sitting, innerjoin=True)))


def _slots_statement() -> Select:
    """Each slot of an attempt with its question's type, its latest response (the newest step not
    superseded, as ``marking.current_responses``) and its version (the number of such steps, as
    ``slot_changes.slot_versions``)."""
    attempt_id = bindparam("attempt_id")
    taken = (select(ResponseStep.slot, func.count().label("version"), func.max(ResponseStep.id).label("last_id"))
             .where(ResponseStep.attempt_id == attempt_id, ResponseStep.superseded.is_(False))
             .group_by(ResponseStep.slot).subquery())
    latest = aliased(ResponseStep)
    return (select(AttemptItem.slot, AttemptItem.section_no, AttemptItem.question_version_id, QuestionVersion.qtype,
                   AttemptItem.mark, AttemptItem.option_order, taken.c.version, latest.answer)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .outerjoin(taken, taken.c.slot == AttemptItem.slot)
            .outerjoin(latest, latest.id == taken.c.last_id)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.slot))


# Built once: building them is most of the Python time of the read (issue 7).
_ATTEMPT = _attempt_statement()
_SLOTS = _slots_statement()
#: The stems and options of question versions (never their keys, case C-17).
_TEXTS = select(QuestionVersion.id, QuestionVersion.stem, QuestionVersion.options).where(
    QuestionVersion.id.in_(bindparam("ids", expanding=True)))
#: A paper's sections, in order.
_SECTIONS = (select(BlueprintSection.title, BlueprintSection.qtype, BlueprintSection.count, BlueprintSection.mark)
             .where(BlueprintSection.paper_id == bindparam("paper_id")).order_by(BlueprintSection.position))


def read_page(session: Session, clock: Clock, candidate: User, attempt_id: int) -> ExamPage | Attempt:
    """The exam page of the candidate's attempt, or the attempt itself when it is not open (closed
    before, or closed now because it is past its deadline and grace: case C-04, so that reopening
    the page after the deadline shows the attempt ended, never a fresh countdown).

    The open attempt is read without a row lock: a page load changes nothing, and an attempt
    found overdue is closed under its lock by :func:`attempts.touch`. The caller commits (a closed
    attempt's marks, or just the end of the read) before rendering. Raises :class:`NotFound` for
    an attempt that is not the candidate's (case C-16)."""
    found = session.execute(_ATTEMPT, {"attempt_id": attempt_id, "user_id": candidate.id}).first()
    if found is None:
        raise NotFound()
    attempt, last_focus = found
    now = clock.now()
    if not attempt.is_open:
        return attempt
    if deadlines.is_overdue(attempt, now):
        return attempts.touch(session, clock, candidate, attempt_id)
    slots, states = _slots(session, attempt_id)
    return ExamPage(attempt, now, attempts.seconds_left(attempt, now), last_focus == FocusChange.LEFT, slots, states)


def _slots(session: Session, attempt_id: int) -> tuple[tuple[PaperSlot, ...], dict[int, SlotState]]:
    """Every slot of the attempt with its latest response and version, in one statement."""
    rows = session.execute(_SLOTS, {"attempt_id": attempt_id}).all()
    slots: list[PaperSlot] = []
    states: dict[int, SlotState] = {}
    for slot, section_no, version_id, qtype_code, mark, order, version, answer in rows:
        order = tuple(order or ())
        slots.append(PaperSlot(slot, section_no, version_id, qtype_code, mark, order))
        if version:
            qtype = get_type(qtype_code)
            states[slot] = SlotState(to_display_of(qtype, order, answer), version,
                                     answer is not None and qtype.is_answered(answer))
        else:
            states[slot] = SlotState(None, 0, False)
    return tuple(slots), states


def paper_questions(session: Session, page: ExamPage) -> tuple[list[SectionHeading], list[ItemView]]:
    """The paper part of ``page``: its sections (in order) and each slot's question as the candidate
    sees it, with no response (:class:`ItemView`; stems and options only, never a key). Two
    statements; for a page that has no rendering of its paper yet."""
    versions = sorted({s.question_version_id for s in page.slots})
    texts = {version_id: (stem, options) for version_id, stem, options in session.execute(_TEXTS, {"ids": versions})}
    sections = [SectionHeading(*row) for row in session.execute(_SECTIONS, {"paper_id": page.attempt.sitting.paper_id})]
    items = [item_view_of(s.slot, s.section_no, s.qtype, s.mark, s.option_order, *texts[s.question_version_id])
             for s in page.slots]
    return sections, items
