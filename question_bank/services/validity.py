"""The legal-validity snapshot of an attempt (issue 11): which law versions its questions cited
when it was drawn, so that a result can later be read against the law it tested.

Taken once, when the attempt's paper is drawn, with its items (:func:`snapshot_of`): one
:class:`~question_bank.models.AttemptLawVersion` per law version that a citation of an item's
question version pointed at then, with how many items cited it. A citation re-pointed later (a
reviewer clearing a law review flag) does not change it. Each score ledger entry carries the same
list (:func:`ledger_list`) inside its hash.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Integer, bindparam, func, insert, select
from sqlalchemy.orm import Session

from question_bank.models import (
    AttemptLawVersion,
    Law,
    LawVersion,
    QuestionCitation,
    VersionStatus,
)



def snapshot_of(items: Any) -> Insert:
    """The snapshot's ``INSERT … SELECT`` for the attempt of id ``:attempt_id`` over ``items``, a
    selectable with ``attempt_item``'s columns: the rows a start's insert of its items returns on
    PostgreSQL, the table on SQLite (``db.insert_rows(…, then=snapshot_of)``: on PostgreSQL the
    items and their snapshot go in one statement, issue 7). Every item's citations of an article
    are counted in the database per law version they point at, so no objects are made."""
    attempt_id = bindparam("attempt_id", type_=Integer)
    counted = (select(attempt_id, QuestionCitation.law_version_id, func.count(func.distinct(items.c.id)))
               .join(items, items.c.question_version_id == QuestionCitation.question_version_id)
               .where(items.c.attempt_id == attempt_id, QuestionCitation.law_version_id.is_not(None),
                      QuestionCitation.article_id.is_not(None))
               .group_by(QuestionCitation.law_version_id))
    return insert(AttemptLawVersion).from_select(["attempt_id", "law_version_id", "items"], counted)


@dataclass(frozen=True)
class TestedVersion:
    """A law version an attempt tested: the law's title and short title, the version's date and
    id, whether it is still the text in force, and how many of the attempt's items cited it."""

    title: str
    short_title: str
    version_id: int
    version_date: dt.date
    status: VersionStatus
    items: int

    @property
    def in_force(self) -> bool:
        return self.status == VersionStatus.IN_FORCE


def tested_versions(session: Session, attempt_id: int) -> list[TestedVersion]:
    """The attempt's snapshot, by law title then version date (empty for an attempt whose
    questions cited no article)."""
    return [TestedVersion(*row) for row in session.execute(_tested_statement(), {"attempt_id": attempt_id})]


@functools.lru_cache(maxsize=1)
def _tested_statement() -> Any:
    """:func:`tested_versions`' query for the attempt ``:attempt_id``, built once: every ledger
    entry reads it, a hand-in's among them, and building it cost more than running it (issue 7)."""
    return (select(Law.title, Law.short_title, LawVersion.id, LawVersion.version_date, LawVersion.status,
                   AttemptLawVersion.items)
            .join(LawVersion, LawVersion.id == AttemptLawVersion.law_version_id)
            .join(Law, Law.id == LawVersion.law_id)
            .where(AttemptLawVersion.attempt_id == bindparam("attempt_id"))
            .order_by(Law.title, LawVersion.version_date))


def ledger_list(session: Session, attempt_id: int) -> list[list[str]]:
    """The snapshot as a score ledger entry keeps it: ``[[law title, version date ISO], …]``."""
    return [[v.title, v.version_date.isoformat()] for v in tested_versions(session, attempt_id)]
