"""Marking an attempt again after a proctor re-opened it (``proctoring.reopen_attempt``; issue 6).

A re-opened attempt is marked again when it closes (``marking.mark_for_hand_in``). Marks are
insert-only and the newest counts, so marking again must not silently undo what people decided:

- An item whose mark two people set in an approved score change (``score_changes``) keeps that
  mark while its response is the one the change was approved for: the machine's mark of the same
  answer would undo the decision. A key-correction regrade keeps such marks the same way
  (``regrade``). When the candidate changed that response after the re-opening, the change no
  longer fits the answer: the machine marks the new answer, the new mark's reason names the change
  (:data:`RESPONSE_CHANGED_PREFIX`), and the audit log says so ("score_change.dropped"), so the
  marks page can show that the change was dropped and why.
- A response marked by people (a short answer) whose text changed after the re-opening goes back
  to marking: a :class:`Mark` without points sets its marks aside (kept as history, no longer
  counted), the attempt has no total while it waits (domain.md §7), and the markers mark the new
  text afresh in a new marking (``ManualMark.marking``; rounds 1–3 again). A response emptied
  gets the machine's 0, as an empty answer at the first hand-in does. Either way the audit log
  says so ("mark.set_aside", or "score_change.dropped" for a change's mark).

"Changed" compares the response as it stood when the mark was given with the current one (the
newest step not superseded, as ``marking.current_responses``): saving the same answer again is no
change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import Attempt, AttemptItem, ManualMark, Mark, ResponseStep
from question_bank.services import audit
from question_bank.types import get_type

#: ``Mark.reason`` of a mark an approved change set: this prefix and the change's id.
MARK_REASON_PREFIX = "score_change:"
#: ``Mark.reason`` of a machine mark that replaced an approved change because the candidate changed
#: the response after a re-opening: this prefix and the change's id.
RESPONSE_CHANGED_PREFIX = "response_changed:"
#: ``Mark.reason`` of a mark set aside because the response changed after a re-opening (a row
#: without points when a person must mark the new answer).
SET_ASIDE = "response_changed"


def _id_after(prefix: str, mark: Mark | None) -> int | None:
    if mark is None or not (mark.reason or "").startswith(prefix):
        return None
    return int(mark.reason[len(prefix):])


def approved_change_id(mark: Mark | None) -> int | None:
    """The id of the approved score change that set ``mark``, or None (another kind of mark, or none)."""
    return _id_after(MARK_REASON_PREFIX, mark)


def dropped_change_id(mark: Mark | None) -> int | None:
    """The id of the approved score change that ``mark`` replaced because the response changed, or None."""
    return _id_after(RESPONSE_CHANGED_PREFIX, mark)


def answer_at(steps: list[ResponseStep], moment: dt.datetime) -> Any:
    """The response the steps of one slot (not superseded, oldest first) held at ``moment``
    (received then or before), or None when nothing was saved by then. Pure."""
    answer = None
    for step in steps:
        if step.received_at <= moment:
            answer = step.answer
    return answer


def changed_since_marked(session: Session, attempt: Attempt, marks: dict[int, Mark]) -> set[int]:
    """Ids of the attempt's items whose response differs now from what it was when it was marked:
    items that have a mark (``marks``: item id → newest counting mark), and items without one
    whose markers had begun on the current marking (a first of two marks). No query for an
    attempt never marked whose paper has only machine-marked questions (a first hand-in); one for
    a first hand-in with short answers; up to four after a re-opening."""
    moments = {item_id: mark.marked_at for item_id, mark in marks.items()}
    waiting = [item.id for item in attempt.items
               if item.id not in marks and not get_type(item.question_version.qtype).auto_marked]
    if waiting:
        begun = session.execute(select(ManualMark.attempt_item_id, ManualMark.marking, ManualMark.marked_at)
                                .where(ManualMark.attempt_item_id.in_(waiting)).order_by(ManualMark.id)).all()
        current = current_markings(session, sorted({row[0] for row in begun}))
        for item_id, marking, marked_at in begun:
            if marking == current[item_id]:
                moments.setdefault(item_id, marked_at)
    if not moments:
        return set()
    steps: dict[int, list[ResponseStep]] = defaultdict(list)
    for step in session.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id,
                                                           ResponseStep.superseded.is_(False))
                                .order_by(ResponseStep.id)):
        steps[step.slot].append(step)
    changed = set()
    for item in attempt.items:
        if item.id not in moments:
            continue
        own = steps.get(item.slot, [])
        now = own[-1].answer if own else None
        if answer_at(own, moments[item.id]) != now:
            changed.add(item.id)
    return changed


def set_aside(session: Session, clock: Clock, item: AttemptItem, mark: Mark | None, new_score: Decimal | None) -> str:
    """Audit that ``mark`` (the item's counting mark) no longer counts because the item's response
    changed after a re-opening, and return the reason of the item's new :class:`Mark`: ``new_score``
    points for the new answer, or None when a person must mark it again.

    When ``mark`` was set by an approved score change the event is "score_change.dropped", naming
    the change, and the reason is :data:`RESPONSE_CHANGED_PREFIX` and its id; otherwise
    "mark.set_aside" and :data:`SET_ASIDE`. ``mark`` None: no mark counted yet, but markers'
    marks of the earlier text are set aside (the new text starts a new marking)."""
    change_id = approved_change_id(mark)
    new = None if new_score is None else f"{new_score:.2f}"
    facts = {"score": new, "awaiting_marking": new_score is None, "slot": item.slot, "attempt_id": item.attempt_id,
             "why": "response changed after the attempt was re-opened"}
    if change_id is not None:
        audit.record(session, clock, None, "score_change.dropped", "attempt_item", item.id,
                     before={"score": f"{mark.score:.2f}", "change_id": change_id},
                     after={**facts, "change_id": change_id})
        return f"{RESPONSE_CHANGED_PREFIX}{change_id}"
    before = {"score": None, "reason": "markers' marks of the earlier text"} if mark is None else \
        {"score": f"{mark.score:.2f}", "reason": mark.reason}
    audit.record(session, clock, None, "mark.set_aside", "attempt_item", item.id, before=before, after=facts)
    return SET_ASIDE


def current_markings(session: Session, item_ids: list[int]) -> dict[int, int]:
    """Item id → the number of the marking its response is in (``ManualMark.marking``): 1, plus
    one for each mark without points (each time its response changed after it was marked)."""
    found = {item_id: 1 for item_id in item_ids}
    if item_ids:
        for item_id, count in session.execute(
                select(Mark.attempt_item_id, func.count(Mark.id))
                .where(Mark.attempt_item_id.in_(item_ids), Mark.score.is_(None)).group_by(Mark.attempt_item_id)):
            found[item_id] = 1 + count
    return found


def dropped_changes(session: Session, attempt: Attempt) -> dict[int, Mark]:
    """Change id → the mark that replaced it, for every approved change of the attempt that a
    re-marking dropped because the response changed."""
    found = {}
    for mark in session.scalars(select(Mark).join(AttemptItem, Mark.attempt_item_id == AttemptItem.id)
                                .where(AttemptItem.attempt_id == attempt.id,
                                       Mark.reason.like(f"{RESPONSE_CHANGED_PREFIX}%")).order_by(Mark.id)):
        found[dropped_change_id(mark)] = mark
    return found
