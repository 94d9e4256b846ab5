"""A cadre's study of list items: opening an item's text and marking it studied, with the time
spent measured on the server (never taken from the client).

Opening an item records the server time in the database (``StudyProgress.opened_at``) unless an
open is already pending and younger than :data:`MAX_SECONDS_PER_OPEN` (a reload, or a second
device, does not restart the clock). Marking it studied adds the seconds since that open, capped
at :data:`MAX_SECONDS_PER_OPEN` (a tab left open overnight is not a night of study), and closes
the open; marking again later (after opening again) adds more time. Marking without an open
pending is refused, and so is marking before the item's least reading time
(:func:`min_reading_seconds`: 10 s an article, 1 to 15 min) has passed since the open, saying how
long remains: a text cannot be "studied" in 3 seconds. The row is locked while it changes, so two workers or two devices add time
once. Both are rows in the shared database: any worker may serve any request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, NotFound
from question_bank.models import ListStatus, StudyItem, StudyList, StudyProgress, User
from question_bank.services.study_targets import lists_for_cadre, reaches

#: Longest study one open can count for, in seconds (two hours: a long sitting with one text).
MAX_SECONDS_PER_OPEN = 2 * 3600
#: The least reading before an item may be marked studied: 10 seconds an article (a short article
#: read once), never under a minute, never over 15 minutes (a whole code is read over several
#: opens, each marked). Derived from the item, so no list needs setting it.
MIN_SECONDS_PER_ARTICLE = 10
MIN_READING_SECONDS = 60
MAX_READING_SECONDS = 15 * 60


def min_reading_seconds(item: StudyItem) -> int:
    """Seconds an open of ``item`` must last before it may be marked studied (see the constants)."""
    return min(max(MIN_READING_SECONDS, MIN_SECONDS_PER_ARTICLE * (item.article_count or 0)), MAX_READING_SECONDS)


def item_for_cadre(session: Session, user: User, item_id: int) -> StudyItem:
    """An item of a published list version that reaches ``user``; :class:`NotFound` otherwise."""
    item = session.get(StudyItem, item_id)
    if item is None or item.study_list.status == ListStatus.DRAFT or not reaches(item.study_list, user):
        raise NotFound()
    return item


def _row(session: Session, user: User, item: StudyItem) -> StudyProgress:
    query = (select(StudyProgress).where(StudyProgress.user_id == user.id, StudyProgress.study_item_id == item.id)
             .with_for_update())
    row = session.scalar(query)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(StudyProgress(user_id=user.id, study_item_id=item.id, seconds_spent=0))
    except IntegrityError:
        pass  # another worker made it first
    return session.scalar(query)


def open_item(session: Session, clock: Clock, user: User, item: StudyItem) -> StudyProgress:
    """Record that ``user`` opened the item's text now (unless a recent open is pending)."""
    row = _row(session, user, item)
    now = clock.now()
    if row.opened_at is None or (now - row.opened_at).total_seconds() > MAX_SECONDS_PER_OPEN:
        row.opened_at = now
    session.flush()
    return row


def mark_studied(session: Session, clock: Clock, user: User, item: StudyItem) -> int:
    """Mark the item studied and add the time since its open (capped). Returns the seconds added.
    Raises :class:`Conflict` when the text was not opened first, or was opened less than
    :func:`min_reading_seconds` ago (saying how long remains; the open stays pending)."""
    row = _row(session, user, item)
    if row.opened_at is None:
        raise Conflict(N_("Open the text of the item before marking it studied."))
    now = clock.now()
    read = int((now - row.opened_at).total_seconds())
    remaining = min_reading_seconds(item) - read
    if remaining > 0:
        minutes, seconds = divmod(remaining, 60)
        raise Conflict(N_("Read on for %(minutes)d min %(seconds)d s more before marking this item studied "
                          "(at least %(least)d min for its %(articles)d articles)."),
                       minutes=minutes, seconds=seconds, least=max(1, min_reading_seconds(item) // 60),
                       articles=item.article_count or 0)
    seconds = max(0, min(read, MAX_SECONDS_PER_OPEN))
    row.seconds_spent += seconds
    row.opened_at = None
    if row.studied_at is None:
        row.studied_at = now
    session.flush()
    return seconds


@dataclass(frozen=True)
class ItemProgress:
    """One item as a cadre stands with it: first marked studied (or not), seconds recorded, and
    the open still pending (or ``None``)."""

    item: StudyItem
    studied_at: dt.datetime | None
    seconds: int
    open_since: dt.datetime | None


@dataclass(frozen=True)
class ListProgress:
    """A list version as one cadre stands with it."""

    study_list: StudyList
    items: list[ItemProgress]

    @property
    def studied(self) -> int:
        return sum(1 for i in self.items if i.studied_at is not None)

    @property
    def hours(self) -> Decimal:
        return hours_of(sum(i.seconds for i in self.items))

    @property
    def percent(self) -> int:
        return round(100 * self.studied / len(self.items)) if self.items else 0


def hours_of(seconds: int) -> Decimal:
    """Seconds as hours to two decimals (exact rounding of the quotient)."""
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


def progress_for(session: Session, user: User, study_list: StudyList) -> ListProgress:
    """The cadre's progress through one list version, item by item."""
    rows = {r.study_item_id: r for r in session.scalars(
        select(StudyProgress).where(StudyProgress.user_id == user.id,
                                    StudyProgress.study_item_id.in_([i.id for i in study_list.items])))}
    items = []
    for item in study_list.items:
        row = rows.get(item.id)
        items.append(ItemProgress(item, row.studied_at if row else None, row.seconds_spent if row else 0,
                                  row.opened_at if row else None))
    return ListProgress(study_list, items)


def cadre_study(session: Session, user: User) -> list[ListProgress]:
    """Every list reaching the cadre, with their progress (the study page)."""
    return [progress_for(session, user, found) for found in lists_for_cadre(session, user)]
