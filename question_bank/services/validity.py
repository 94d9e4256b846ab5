"""The legal-validity snapshot of an attempt (issue 11): which law versions its questions cited
when it was drawn, so that a result can later be read against the law it tested.

Taken once, when the attempt's paper is drawn (:func:`take_snapshot`): one
:class:`~question_bank.models.AttemptLawVersion` per law version that a citation of an item's
question version pointed at then, with how many items cited it. A citation re-pointed later (a
reviewer clearing a law review flag) does not change it. Each score ledger entry carries the same
list (:func:`ledger_list`) inside its hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Insert, Integer, bindparam, func, insert, select
from sqlalchemy.orm import Session

from question_bank.models import (
    Attempt,
    AttemptItem,
    AttemptLawVersion,
    Law,
    LawVersion,
    QuestionCitation,
    VersionStatus,
)



def take_snapshot(session: Session, attempt: Attempt) -> None:
    """Record the law versions the attempt's items cite now (the attempt and its items flushed):
    one ``INSERT … SELECT`` that counts the citations and writes the rows in the database, so a
    start sends one statement whether its questions cite laws or not, and no objects are made
    (issue 7). Flushes, never commits."""
    session.flush()
    # On the connection: a session given an INSERT with parameters would take them as ORM bulk rows.
    session.connection().execute(_SNAPSHOT, {"attempt_id": attempt.id})


def _snapshot_statement() -> Insert:
    attempt_id = bindparam("attempt_id", type_=Integer)
    counted = (select(attempt_id, QuestionCitation.law_version_id, func.count(func.distinct(AttemptItem.id)))
               .join(AttemptItem, AttemptItem.question_version_id == QuestionCitation.question_version_id)
               .where(AttemptItem.attempt_id == attempt_id, QuestionCitation.law_version_id.is_not(None),
                      QuestionCitation.article_id.is_not(None))
               .group_by(QuestionCitation.law_version_id))
    return insert(AttemptLawVersion).from_select(["attempt_id", "law_version_id", "items"], counted)


#: :func:`take_snapshot`'s statement, built once (issue 7: building it anew was most of its CPU).
_SNAPSHOT = _snapshot_statement()


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
    rows = session.execute(
        select(Law.title, Law.short_title, LawVersion.id, LawVersion.version_date, LawVersion.status,
               AttemptLawVersion.items)
        .join(LawVersion, LawVersion.id == AttemptLawVersion.law_version_id)
        .join(Law, Law.id == LawVersion.law_id)
        .where(AttemptLawVersion.attempt_id == attempt_id)
        .order_by(Law.title, LawVersion.version_date))
    return [TestedVersion(*row) for row in rows]


def ledger_list(session: Session, attempt_id: int) -> list[list[str]]:
    """The snapshot as a score ledger entry keeps it: ``[[law title, version date ISO], …]``."""
    return [[v.title, v.version_date.isoformat()] for v in tested_versions(session, attempt_id)]
