"""The no-lost-update rule for one slot's response (domain.md §6, case C-18).

Each slot has a *version*: how many changes to it have been taken (0 before the first). A page
sends, with every change, the version of the slot it last saw (its *base*). A change is taken
unless another page has stored a version newer than that base since: then taking it would replace
an answer the page never saw (a closed tab's queued change resent later, a phone back online, a
stale page's submit payload), so it is refused as stale and the reply says what is stored. A
page's own newer versions never make its later change stale: a page that changes an answer twice
before the first save is acknowledged still bases both on what it saw.

Within one page, a retried (writer, number) changes nothing and gets the answer the first arrival
got (a refused one is refused again); a change that arrives after a later one of the same page,
and is not stale, is kept but superseded.

Callers hold the attempt's row lock (``attempts.lock_attempt``), so versions are numbered one
change at a time on every database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.models import AttemptItem, RefusedChange, ResponseSource, ResponseStep
from question_bank.services.delivery import to_display, to_original
from question_bank.types.base import problem_of


class Outcome(StrEnum):
    """What became of one change to a slot."""

    #: Taken: the slot's response now.
    TAKEN = "taken"
    #: Kept in the history, but the same page had already saved a later change (an older arrival).
    SUPERSEDED = "superseded"
    #: Refused: another page stored a newer version than the one this change was based on.
    STALE = "stale"
    #: Refused: the page sending it no longer held the attempt (the candidate continued on another
    #: device or tab); recorded for the history, and sent again if the page takes the attempt back.
    TAKEN_OVER = "taken_over"
    #: Not taken: the attempt was already closed when the change arrived (handed in, closed at its
    #: deadline, or voided); nobody changed the slot since the page saw it, so it is not "stale".
    CLOSED = "closed"


@dataclass(frozen=True)
class Change:
    """One change a page made to one slot: ``answer`` in display form, the page's ``writer`` token
    and its own number ``seq`` for the change, and ``base`` the slot version the page had last
    seen (None only for callers without a page, such as a batch job: their change is always taken)."""

    slot: int
    answer: Any
    writer: str
    seq: int
    base: int | None


@dataclass(frozen=True)
class ChangeReceipt:
    """What became of a change, and what the server holds for the slot after it: ``stored_answer``
    in display form (None when never answered) and ``stored_version`` (0 when never answered).
    ``answer`` is the change's own answer in display form, as the page sent it."""

    slot: int
    seq: int
    outcome: Outcome
    answer: Any
    stored_answer: Any
    stored_version: int
    #: False for a retry of a change taken before but followed by another since (outside trial:
    #: such a retry was answered "current").
    still_newest: bool = True

    @property
    def current(self) -> bool:
        """Whether the change is the slot's response now (taken, and nothing taken after it)."""
        return self.outcome == Outcome.TAKEN and self.still_newest


@dataclass(frozen=True)
class SlotVersion:
    """A slot's stored response (normalised), its version and the page that stored it."""

    answer: Any
    version: int
    writer: str | None


def slot_versions(session: Session, attempt_id: int) -> dict[int, SlotVersion]:
    """Slot → its current response and version, for every slot with a stored response.

    The version is the number of steps taken for the slot (steps not superseded), so it needs no
    column of its own and holds for steps stored before versions were named."""
    found: dict[int, SlotVersion] = {}
    for step in session.scalars(select(ResponseStep).where(
            ResponseStep.attempt_id == attempt_id, ResponseStep.superseded.is_(False)).order_by(ResponseStep.id)):
        previous = found.get(step.slot)
        found[step.slot] = SlotVersion(step.answer, (previous.version if previous else 0) + 1, step.writer)
    return found


class Write(StrEnum):
    """What taking a change writes (:func:`judge`)."""

    #: Nothing: a retry of a change already judged (the receipt repeats its fate).
    NOTHING = "nothing"
    #: A :class:`ResponseStep` that becomes the slot's response.
    STEP = "step"
    #: A :class:`ResponseStep` kept in the history but superseded on arrival.
    SUPERSEDED_STEP = "superseded_step"
    #: A :class:`RefusedChange` (stale), unless the same refusal is already recorded.
    REFUSAL = "refusal"


@dataclass(frozen=True)
class Judgement:
    """The rule's verdict on one change: its ``outcome``, what to ``write``, and the slot's stored
    response (normalised) and version after it."""

    outcome: Outcome
    write: Write
    stored_answer: Any
    stored_version: int
    #: The slot's version before the change (a refusal records it).
    version_before: int
    #: Whether the change's step is the slot's newest taken one (a retry's may not be).
    still_newest: bool = True


def judge(steps: list[Any], change: Change, normalised: Any) -> Judgement:
    """The no-lost-update rule of this module, applied to ``change`` (its answer ``normalised``)
    against ``steps``: every stored step of the slot, oldest first (by id), each with ``writer``,
    ``client_seq``, ``superseded`` and ``answer``. Decides only; the caller writes. Raises
    :class:`InvalidInput` when ``base`` names a version the slot never had."""
    taken = [step for step in steps if not step.superseded]
    version = len(taken)
    stored = taken[-1].answer if taken else None
    if change.base is not None and change.base > version:
        raise InvalidInput([Problem(N_("the page's copy of this question is unknown to the server; reload the page"),
                                    place=Place(slot=change.slot))])
    own = {step.client_seq: step for step in steps if step.writer == change.writer}
    if change.seq in own:
        outcome = Outcome.SUPERSEDED if own[change.seq].superseded else Outcome.TAKEN
        return Judgement(outcome, Write.NOTHING, stored, version, version,
                         still_newest=bool(taken) and taken[-1] is own[change.seq])
    if change.base is not None and any(
            number > change.base and step.writer != change.writer for number, step in enumerate(taken, start=1)):
        # Versions only grow, so a retry of a refused change is stale again: recorded once.
        return Judgement(Outcome.STALE, Write.REFUSAL, stored, version, version)
    if any(seq > change.seq for seq in own):
        return Judgement(Outcome.SUPERSEDED, Write.SUPERSEDED_STEP, stored, version, version)
    return Judgement(Outcome.TAKEN, Write.STEP, normalised, version + 1, version)


def apply_change(session: Session, item: AttemptItem, change: Change, received_at: dt.datetime,
                 source: ResponseSource) -> ChangeReceipt:
    """Apply one change to ``item``'s slot by the rule of this module (:func:`judge`) and record
    it: a taken or superseded change as a :class:`ResponseStep`, a stale one as a
    :class:`RefusedChange`.

    Raises :class:`InvalidInput` when the answer does not fit the question, or when ``base`` names
    a version the slot never had (nothing is recorded then).
    """
    try:
        normalised = to_original(item, change.answer)
    except ValueError as exc:
        raise InvalidInput([problem_of(exc, Place(slot=item.slot))]) from exc
    steps = list(session.scalars(select(ResponseStep).where(
        ResponseStep.attempt_id == item.attempt_id, ResponseStep.slot == item.slot).order_by(ResponseStep.id)))
    verdict = judge(steps, change, normalised)
    if verdict.write == Write.REFUSAL:
        _record_refusal(session, item, change, normalised, verdict.version_before, received_at, source,
                        Outcome.STALE)
    elif verdict.write in (Write.STEP, Write.SUPERSEDED_STEP):
        session.add(ResponseStep(attempt_id=item.attempt_id, slot=item.slot, writer=change.writer,
                                 client_seq=change.seq, superseded=verdict.write == Write.SUPERSEDED_STEP,
                                 answer=normalised, base_version=change.base, received_at=received_at,
                                 source=source))
        session.flush()
    return receipt_of(item, change, normalised, verdict)


def receipt_of(item: Any, change: Change, normalised: Any, verdict: Judgement) -> ChangeReceipt:
    """The receipt of a judged change; ``item`` an :class:`AttemptItem` or a
    :class:`~question_bank.services.delivery.SlotShape`."""
    return ChangeReceipt(change.slot, change.seq, verdict.outcome, to_display(item, normalised),
                         to_display(item, verdict.stored_answer), verdict.stored_version, verdict.still_newest)


def record_taken_over(session: Session, item: AttemptItem, change: Change, received_at: dt.datetime,
                      source: ResponseSource) -> None:
    """Record that ``change`` to ``item``'s slot was refused because the page sending it no longer
    held the attempt (one active device), so the slot's history lists it with that reason. Nothing
    is stored as the response. A retry of the same refused change adds no row. An answer that fits
    no question is recorded as sent."""
    try:
        normalised = to_original(item, change.answer)
    except ValueError:
        normalised = change.answer
    version = len(list(session.scalars(select(ResponseStep.id).where(
        ResponseStep.attempt_id == item.attempt_id, ResponseStep.slot == item.slot,
        ResponseStep.superseded.is_(False)))))
    _record_refusal(session, item, change, normalised, version, received_at, source, Outcome.TAKEN_OVER)


def _record_refusal(session: Session, item: AttemptItem, change: Change, normalised: Any, stored_version: int,
                    received_at: dt.datetime, source: ResponseSource, reason: Outcome) -> None:
    """One :class:`RefusedChange` row for ``change`` and ``reason``, unless a retry of it was
    already refused for the same reason."""
    if session.scalar(select(RefusedChange.id).where(
            RefusedChange.attempt_id == item.attempt_id, RefusedChange.slot == item.slot,
            RefusedChange.writer == change.writer, RefusedChange.client_seq == change.seq,
            RefusedChange.reason == str(reason))) is not None:
        return
    session.add(RefusedChange(attempt_id=item.attempt_id, slot=item.slot, writer=change.writer, client_seq=change.seq,
                              base_version=change.base if change.base is not None else stored_version,
                              stored_version=stored_version, answer=normalised, received_at=received_at,
                              source=source, reason=str(reason)))
    session.flush()
