"""Questions practice holds back while a sitting is open (issue 11, "Practice"): how many, and
until when, so the practice pages say so instead of "no questions" (tester's defect 3).

A question is held back while the paper of a sitting whose window is open could draw it
(``practice_pool.held_out_sections``); it comes back when the last such sitting closes. Papers
kept out of practice altogether hold their questions for good and are not counted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from question_bank.models import BlueprintSection, Category, Paper, Practice, Question, QuestionVersion, Sitting
from question_bank.services.assembly import fits_section, live_question
from question_bank.services.practice_pool import PRACTICE_TYPES, in_source, outside_pools


@dataclass(frozen=True)
class HeldBack:
    """``questions`` practicable questions held back now; the last holding sitting closes at
    ``until`` (aware UTC datetime; pages show it in Beijing time)."""

    questions: int
    until: dt.datetime


def held_back(session: Session, now: dt.datetime, practice: Practice | None = None) -> HeldBack | None:
    """The questions open sittings hold back from practice at ``now`` (within ``practice``'s
    source when given), or None when none is. One query per open sitting (there are few)."""
    excluded = list(session.scalars(select(BlueprintSection).join(Paper, BlueprintSection.paper_id == Paper.id)
                                    .where(Paper.practice_excluded.is_(True))))
    base = (select(func.count(distinct(Question.id))).select_from(QuestionVersion)
            .join(Question, Question.id == QuestionVersion.question_id)
            .join(Category, QuestionVersion.category_id == Category.id)
            .where(Question.published_version_id == QuestionVersion.id, live_question(),
                   QuestionVersion.qtype.in_(PRACTICE_TYPES), outside_pools(excluded)))
    if practice is not None:
        condition = in_source(session, practice)
        if condition is None:
            return None
        base = base.where(condition)
    holding: list[tuple[Sitting, list[BlueprintSection]]] = []
    for sitting in session.scalars(select(Sitting).join(Paper, Sitting.paper_id == Paper.id).where(
            Sitting.opens_at <= now, Sitting.closes_at > now, Paper.practice_excluded.is_(False))
            .order_by(Sitting.closes_at)):
        sections = list(sitting.paper.sections)
        if sections and session.scalar(base.where(or_(*(fits_section(s) for s in sections)))):
            holding.append((sitting, sections))
    if not holding:
        return None
    total = session.scalar(base.where(or_(*(fits_section(s) for _, sections in holding for s in sections)))) or 0
    return HeldBack(total, max(sitting.closes_at for sitting, _ in holding))
