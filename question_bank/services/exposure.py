"""Item exposure control (issue 9, "Papers"): which questions a paper's drawn sections must not
give a candidate, and how exposed each drawn pool is.

Two rules, set per paper (``Paper.avoid_seen``, ``Paper.yearly_cap``):

- *avoid seen*: no question the candidate was given in an earlier attempt at any sitting (a
  make-up must not repeat the paper the candidate failed); read from their attempts' items at
  draw time, any version of the question counting;
- *yearly cap*: no question already put into ``yearly_cap`` attempts (of any sitting, any
  candidate) started in the same calendar year, China time (``clock.BEIJING``), counted from
  attempt items.

Fixed sections are never affected: an admin picked those questions. Rules are applied as SQL
subqueries (``Exposure.excluded``), so nothing is held in a process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, distinct, func, select, union
from sqlalchemy.orm import Session

from question_bank.clock import BEIJING, Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, AttemptItem, BlueprintSection, Paper, QuestionVersion, User
from question_bank.services import audit

#: Largest yearly cap an admin may set (attempts per question per year).
MAX_YEARLY_CAP = 100_000
#: The audit action of changing a paper's exposure rules.
EXPOSURE_ACTION = "paper.exposure"


def year_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The aware start and end of the calendar year (China time) holding ``now``."""
    year = now.astimezone(BEIJING).year
    return dt.datetime(year, 1, 1, tzinfo=BEIJING), dt.datetime(year + 1, 1, 1, tzinfo=BEIJING)


def seen_by(candidate_id: int) -> Select:
    """Ids of the questions the candidate was given in any attempt so far."""
    return (select(QuestionVersion.question_id)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.user_id == candidate_id))


def at_cap(cap: int, now: dt.datetime) -> Select:
    """Ids of the questions put into at least ``cap`` attempts started in ``now``'s year."""
    start, end = year_bounds(now)
    return (select(QuestionVersion.question_id)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.started_at >= start, Attempt.started_at < end)
            .group_by(QuestionVersion.question_id)
            .having(func.count(AttemptItem.id) >= cap))


@dataclass(frozen=True)
class Exposure:
    """The exposure rules for one draw: the candidate (None: rules about them do not apply), the
    paper's cap (None: none) and when (for the cap's year)."""

    candidate_id: int | None
    avoid_seen: bool
    yearly_cap: int | None
    now: dt.datetime

    @property
    def active(self) -> bool:
        return (self.avoid_seen and self.candidate_id is not None) or self.yearly_cap is not None

    def excluded(self) -> Select | None:
        """A subquery of the question ids a drawn section must leave out; None when no rule applies."""
        parts = []
        if self.avoid_seen and self.candidate_id is not None:
            parts.append(seen_by(self.candidate_id))
        if self.yearly_cap is not None:
            parts.append(at_cap(self.yearly_cap, self.now))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else select(union(*parts).subquery().c[0])


def for_draw(paper: Paper, candidate: User | None, now: dt.datetime) -> Exposure | None:
    """The paper's exposure rules for drawing ``candidate``'s paper at ``now`` (None: no rules)."""
    rules = Exposure(candidate.id if candidate else None, paper.avoid_seen, paper.yearly_cap, now)
    return rules if rules.active else None


def set_exposure(session: Session, clock: Clock, actor: User, paper: Paper, avoid_seen: bool,
                 yearly_cap: int | None) -> Paper:
    """Set the paper's exposure rules: rules about future draws, so they may change after
    candidates have sat the paper. Audited as "paper.exposure" (before/after); setting what is
    there records nothing. Raises as ``papers.get_paper``, or :class:`InvalidInput` for a cap
    outside 1 … :data:`MAX_YEARLY_CAP` (field ``yearly_cap``)."""
    from question_bank.services.papers import get_paper  # papers imports assembly, which imports us

    paper = get_paper(session, actor, paper.id)
    if yearly_cap is not None and (not isinstance(yearly_cap, int) or not 1 <= yearly_cap <= MAX_YEARLY_CAP):
        raise InvalidInput([Problem(N_("the yearly cap must be a whole number from 1 to %(n)d"),
                                    {"n": MAX_YEARLY_CAP}, "yearly_cap")])
    before = {"avoid_seen": paper.avoid_seen, "yearly_cap": paper.yearly_cap}
    after = {"avoid_seen": avoid_seen, "yearly_cap": yearly_cap}
    if before == after:
        return paper
    paper.avoid_seen, paper.yearly_cap = avoid_seen, yearly_cap
    session.flush()
    audit.record(session, clock, actor, EXPOSURE_ACTION, "paper", paper.id, before=before, after=after)
    return paper


@dataclass(frozen=True)
class PoolExposure:
    """How exposed one drawn section's pool is: ``questions`` in it, how many were ``seen`` by at
    least one candidate, the most candidates one question was given to (``most_seen_by``), and
    how many are ``at_cap`` this year (None when the paper has no cap)."""

    section: BlueprintSection
    questions: int
    seen: int
    most_seen_by: int
    at_cap: int | None


def pool_exposure(session: Session, paper: Paper, now: dt.datetime) -> list[PoolExposure]:
    """:class:`PoolExposure` of each drawn section of ``paper``, in paper order (one query per
    section for the counts of its pool)."""
    from question_bank.services.assembly import section_pool  # assembly imports this module

    found = []
    for section in paper.sections:
        if section.fixed:
            continue
        question_ids = select(QuestionVersion.question_id).where(QuestionVersion.id.in_(section_pool(session, section)))
        pool = set(session.scalars(question_ids))
        seen_counts = dict(session.execute(
            select(QuestionVersion.question_id, func.count(distinct(Attempt.user_id)))
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(QuestionVersion.question_id.in_(pool))
            .group_by(QuestionVersion.question_id)).all()) if pool else {}
        capped = None
        if paper.yearly_cap is not None:
            capped = len(pool & set(session.scalars(at_cap(paper.yearly_cap, now)))) if pool else 0
        found.append(PoolExposure(section, len(pool), len(seen_counts), max(seen_counts.values(), default=0), capped))
    return found


def excluded_count(session: Session, rules: Exposure, question_ids: set[int]) -> tuple[int, int]:
    """Of ``question_ids``: how many the candidate has seen and how many are at the cap (for
    saying why a draw fell short)."""
    seen = capped = 0
    if rules.avoid_seen and rules.candidate_id is not None and question_ids:
        seen = len(question_ids & set(session.scalars(seen_by(rules.candidate_id))))
    if rules.yearly_cap is not None and question_ids:
        capped = len(question_ids & set(session.scalars(at_cap(rules.yearly_cap, rules.now))))
    return seen, capped

