"""How a sitting's regrades change the marking of its items from then on (domain.md §7, C-10).

A regrade applies to the attempts already closed (``services.regrade``) and, through
:func:`for_sitting`, to every attempt of the sitting marked later: a corrected key marks with the
corrected version's key, a question voided with full marks gives every item of it its full mark,
a question removed from the total scores 0 and leaves the maximum.

A void is never lifted: a key corrected after a question was voided in the sitting becomes the key
in force (shown on review pages, used by item analysis), while the void keeps governing the score
(issue 6, tester finding 3: the correction silently lifted the void).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.models import AttemptItem, QuestionVersion, Regrade, RegradeKind


@dataclass(frozen=True)
class Override:
    """The regrades of one question in one sitting, as marking applies them: ``kind`` is the void
    in force when any (the newest void), else a key correction; ``key`` the newest corrected key."""

    kind: RegradeKind
    key: Any = None

    def score(self, item: AttemptItem) -> Decimal | None:
        """The item's fixed score under a void (full mark, or 0 when removed); None for a key
        correction, which marks the response with :attr:`key`."""
        if self.kind == RegradeKind.VOID_FULL_MARKS:
            return item.mark
        if self.kind == RegradeKind.VOID_REMOVED:
            return Decimal(0)
        return None

    @property
    def removed(self) -> bool:
        return self.kind == RegradeKind.VOID_REMOVED

    @property
    def voids(self) -> bool:
        """Whether the question is voided for the sitting (full marks, or out of the total): its
        marks say nothing about what a candidate knew."""
        return self.kind != RegradeKind.KEY_CORRECTED


def key_in_force(version: QuestionVersion, override: Override | None) -> Any:
    """The key an item of ``version`` is marked by in its sitting: the corrected key after a
    key-correction regrade there, else the version's own. Everything that shows or uses the key
    of a sat item (the review page, item analysis) takes it from here, so that what is shown is
    what the score was computed with."""
    if override is not None and override.key is not None:
        return override.key
    return version.key


def combined(earlier: Override | None, kind: RegradeKind, key: Any = None) -> Override:
    """The override after a regrade of ``kind`` (with its corrected ``key``) follows ``earlier``: a
    key correction after a void keeps the void and takes the key; a void keeps the newest key."""
    if earlier is None:
        return Override(kind, key)
    if kind == RegradeKind.KEY_CORRECTED:
        return Override(earlier.kind, key) if earlier.voids else Override(kind, key)
    return Override(kind, earlier.key)


def for_sitting(session: Session, sitting_id: int) -> dict[int, Override]:
    """Question id → the override its regrades in ``sitting_id`` set, oldest first (none: marked as
    drawn); a void stays in force through later key corrections (:func:`combined`)."""
    found: dict[int, Override] = {}
    for regrade in session.scalars(select(Regrade).where(Regrade.sitting_id == sitting_id).order_by(Regrade.id)):
        key = regrade.key_version.key if regrade.key_version is not None else None
        found[regrade.question_id] = combined(found.get(regrade.question_id), RegradeKind(regrade.kind), key)
    return found


def max_score(items: list[AttemptItem], overrides: dict[int, Override]) -> Decimal:
    """Points an attempt is out of: its items' marks, less those of questions removed from the total."""
    return sum((i.mark for i in items
                if not (o := overrides.get(i.question_version.question_id)) or not o.removed), Decimal(0))
