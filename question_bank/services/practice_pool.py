"""Which questions practice may offer now, and drawing the next one (issue 11, "Practice").

A question is practicable when papers may draw it (``assembly.live_question()``: published, and
whatever else that condition holds back, such as questions flagged for law review), its type is
marked by the machine (a short answer needs a person, so practice does not offer it), and it is in
no held-out pool: the section pools of every paper with a sitting whose window is open now, and of
every paper an exam admin kept out of practice altogether (``Paper.practice_excluded``). A pool is
held out by the very condition papers draw by (``assembly.fits_section``), so practice and
assembly cannot disagree about what a pool holds.

Everything here is one or two indexed queries whatever the size of the bank: the held-out sections
are few, and the next question is found by walking the question ids from a random point.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from question_bank.models import (
    BlueprintSection,
    Category,
    Paper,
    Practice,
    PracticeItem,
    PracticeSource,
    Question,
    QuestionCitation,
    QuestionVersion,
    Sitting,
    WrongAnswerEntry,
)
from question_bank.services.assembly import fits_section, live_question
from question_bank.types import REGISTRY

#: Types practice offers: those the machine marks at once (domain.md §3). Short answers are left
#: out: a person marks them, so practice could neither say right or wrong nor count them.
PRACTICE_TYPES = tuple(code for code, qtype in REGISTRY.items() if qtype.auto_marked)


def held_out_sections(session: Session, now: dt.datetime) -> list[BlueprintSection]:
    """The sections whose pools practice must not offer at ``now``: those of the paper of every
    sitting whose window is open (``opens_at <= now < closes_at``), and of every paper kept out
    of practice altogether."""
    open_papers = select(Sitting.paper_id).where(Sitting.opens_at <= now, Sitting.closes_at > now)
    query = (select(BlueprintSection).join(Paper, BlueprintSection.paper_id == Paper.id)
             .where(or_(Paper.practice_excluded.is_(True), Paper.id.in_(open_papers)))
             .options(selectinload(BlueprintSection.category)))
    return list(session.scalars(query))


def outside_pools(sections: Sequence[BlueprintSection]) -> ColumnElement[bool]:
    """The SQL condition for a published version (joined to its ``Category``) that fits none of
    ``sections``."""
    if not sections:
        return true()
    return not_(or_(*(fits_section(section) for section in sections)))


def practicable(sections: Sequence[BlueprintSection]) -> ColumnElement[bool]:
    """The SQL condition for a question practice may offer, given the held-out ``sections``
    (see the module docstring). Reads ``Question``, its published ``QuestionVersion`` and that
    version's ``Category``."""
    return and_(live_question(), QuestionVersion.qtype.in_(PRACTICE_TYPES), outside_pools(sections))


def in_source(session: Session, practice: Practice) -> ColumnElement[bool]:
    """The SQL condition for a question of ``practice``'s source: citing an article of the law,
    filed under the category or below it, citing one of the articles, or in the cadre's
    wrong-answer book. Citations of the stem, options and explanation count as well as the legal
    basis: they are articles the question tests."""
    if practice.source == PracticeSource.LAW:
        return exists().where(QuestionCitation.question_version_id == QuestionVersion.id,
                              QuestionCitation.law_id == practice.source_id,
                              QuestionCitation.article_id.is_not(None))
    if practice.source == PracticeSource.ARTICLES:
        if not practice.article_ids:
            return false()
        return exists().where(QuestionCitation.question_version_id == QuestionVersion.id,
                              QuestionCitation.article_id.in_(practice.article_ids))
    if practice.source == PracticeSource.CATEGORY:
        # Read at each draw: the category may have been renamed or moved since the run began.
        category = session.get(Category, practice.source_id)
        if category is None:
            return false()
        return or_(Category.id == category.id, Category.path.startswith(category.path + "/", autoescape=True))
    return in_wrong_book(practice.user_id)


def in_wrong_book(user_id: int) -> ColumnElement[bool]:
    """The SQL condition for a question in the cadre's wrong-answer book now."""
    return exists().where(WrongAnswerEntry.user_id == user_id, WrongAnswerEntry.question_id == Question.id,
                          WrongAnswerEntry.cleared_at.is_(None))


def _candidates(session: Session, practice: Practice, sections: Sequence[BlueprintSection]):
    return (select(Question.id, QuestionVersion.id)
            .join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
            .join(Category, QuestionVersion.category_id == Category.id)
            .where(practicable(sections), in_source(session, practice)))


def is_practicable(session: Session, question_id: int, now: dt.datetime) -> bool:
    """Whether the question may be offered (or its key shown) in practice at ``now``."""
    sections = held_out_sections(session, now)
    query = (select(Question.id).join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
             .join(Category, QuestionVersion.category_id == Category.id)
             .where(Question.id == question_id, practicable(sections)))
    return session.scalar(query) is not None


def next_question(session: Session, practice: Practice, now: dt.datetime,
                  rng: random.Random) -> tuple[int, int] | None:
    """(question id, published version id) of the next question of ``practice``, or None when
    its source has none left to offer.

    From a law, category or articles: a question not yet served in this run, picked at random
    (the first at or after a random question id, wrapping round; a bank with gaps in its ids
    favours the questions after a gap a little, which practice can live with). From the
    wrong-answer book: the entry that has waited longest since it was last practised, so that a
    question just answered comes back only when it is the last one left."""
    sections = held_out_sections(session, now)
    if practice.source == PracticeSource.WRONG_BOOK:
        query = (select(Question.id, QuestionVersion.id)
                 .join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
                 .join(Category, QuestionVersion.category_id == Category.id)
                 .join(WrongAnswerEntry, and_(WrongAnswerEntry.question_id == Question.id,
                                              WrongAnswerEntry.user_id == practice.user_id))
                 .where(practicable(sections), WrongAnswerEntry.cleared_at.is_(None))
                 .order_by(WrongAnswerEntry.last_practised_at.is_not(None), WrongAnswerEntry.last_practised_at,
                           WrongAnswerEntry.id)
                 .limit(1))
        row = session.execute(query).first()
        return (row[0], row[1]) if row else None
    query = _candidates(session, practice, sections)
    query = query.where(~exists().where(PracticeItem.practice_id == practice.id,
                                        PracticeItem.question_id == Question.id))
    low, high = session.execute(select(func.min(Question.id), func.max(Question.id))).one()
    if low is None:
        return None
    pivot = rng.randint(low, high)
    for bound in (Question.id >= pivot, Question.id < pivot):
        row = session.execute(query.where(bound).order_by(Question.id).limit(1)).first()
        if row:
            return row[0], row[1]
    return None


def available_count(session: Session, practice: Practice, now: dt.datetime) -> int:
    """How many questions ``practice``'s source offers at ``now`` (served ones included)."""
    sections = held_out_sections(session, now)
    return session.scalar(select(func.count()).select_from(_candidates(session, practice, sections).subquery())) or 0
