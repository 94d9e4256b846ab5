"""Marking an attempt again after a proctor re-opened it (``proctoring.reopen_attempt``; issue 6).

A re-opened attempt is marked again when it closes (``marking.mark_attempt``). Marks are
insert-only and the newest counts, so marking again must not silently undo what people decided:

- An item whose mark two people set in an approved score change (``score_changes``) keeps that
  mark while its response is the one the change was approved for: the machine's mark of the same
  answer would undo the decision. A key-correction regrade keeps such marks the same way
  (``regrade``). When the candidate changed that response after the re-opening, the change no
  longer fits the answer: the machine marks the new answer, the new mark's reason names the change
  (:data:`RESPONSE_CHANGED_PREFIX`), and the audit log says so ("score_change.dropped"), so the
  marks page can show that the change was dropped and why.

"Changed" compares the response as it stood when the mark was given with the current one (the
newest step not superseded, as ``marking.current_responses``): saving the same answer again is no
change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import Attempt, AttemptItem, Mark, ResponseStep
from question_bank.services import audit

#: ``Mark.reason`` of a mark an approved change set: this prefix and the change's id.
MARK_REASON_PREFIX = "score_change:"
#: ``Mark.reason`` of a machine mark that replaced an approved change because the candidate changed
#: the response after a re-opening: this prefix and the change's id.
RESPONSE_CHANGED_PREFIX = "response_changed:"


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
    """Ids of the attempt's items that have a mark (``marks``: item id → newest mark) and whose
    response differs now from what it was when that mark was given. One query."""
    steps: dict[int, list[ResponseStep]] = defaultdict(list)
    for step in session.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id,
                                                           ResponseStep.superseded.is_(False))
                                .order_by(ResponseStep.id)):
        steps[step.slot].append(step)
    changed = set()
    for item in attempt.items:
        mark = marks.get(item.id)
        if mark is None:
            continue
        own = steps.get(item.slot, [])
        now = own[-1].answer if own else None
        if answer_at(own, mark.marked_at) != now:
            changed.add(item.id)
    return changed


def drop_change(session: Session, clock: Clock, item: AttemptItem, mark: Mark, new_score: Decimal) -> str:
    """Audit that the approved change which set ``mark`` no longer counts for ``item`` (its response
    changed after a re-opening; the machine marks the new answer with ``new_score`` points), and
    return the reason the new :class:`Mark` carries."""
    change_id = approved_change_id(mark)
    audit.record(session, clock, None, "score_change.dropped", "attempt_item", item.id,
                 before={"score": f"{mark.score:.2f}", "change_id": change_id},
                 after={"score": f"{new_score:.2f}", "change_id": change_id, "slot": item.slot,
                        "attempt_id": item.attempt_id, "why": "response changed after the attempt was re-opened"})
    return f"{RESPONSE_CHANGED_PREFIX}{change_id}"


def dropped_changes(session: Session, attempt: Attempt) -> dict[int, Mark]:
    """Change id → the mark that replaced it, for every approved change of the attempt that a
    re-marking dropped because the response changed."""
    found = {}
    for mark in session.scalars(select(Mark).join(AttemptItem, Mark.attempt_item_id == AttemptItem.id)
                                .where(AttemptItem.attempt_id == attempt.id,
                                       Mark.reason.like(f"{RESPONSE_CHANGED_PREFIX}%")).order_by(Mark.id)):
        found[dropped_change_id(mark)] = mark
    return found
