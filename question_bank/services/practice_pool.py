"""Which questions practice may offer now, and drawing the next one (issue 11, "Practice").

A question is practicable when papers may draw it (``assembly.live_question()``: published, and
whatever else that condition holds back, such as questions flagged for law review), its type is
marked by the machine (a short answer needs a person, so practice does not offer it), and it is in
no held-out pool: the section pools of every paper with a sitting whose window is open now, and of
every paper an exam admin kept out of practice altogether (``Paper.practice_excluded``). A pool is
held out by the very condition papers draw by (``assembly.fits_section``), so practice and
assembly cannot disagree about what a pool holds.

Serving stays a handful of small queries whatever the size of the bank: the held-out sections are
few, and the next question is found by walking the source's own index from a random point, a few
rows at a time, and then judging just those rows by primary key. Every query is one a planner
cannot get wrong: a single-table index range, or a list of primary keys. (One query with every
condition made PostgreSQL misjudge the held-out condition and hash whole tables, and SQLite read
by the type's index and sort.)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, distinct, exists, false, func, not_, or_, select, true, union_all
from sqlalchemy.orm import Session, joinedload

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
             .where(or_(Paper.practice_excluded.is_(True), Paper.id.in_(open_papers)), BlueprintSection.fixed.is_(False))
             .options(joinedload(BlueprintSection.category)))
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


def _eligible(query: Select, sections: Sequence[BlueprintSection]) -> Select:
    """``query`` (over ``QuestionVersion``) narrowed to the published versions of practicable
    questions (:func:`practicable`), joined to their question by its primary key and to their
    category."""
    return (query.join(Question, Question.id == QuestionVersion.question_id)
            .join(Category, QuestionVersion.category_id == Category.id)
            .where(Question.published_version_id == QuestionVersion.id, practicable(sections)))


def source_walks(session: Session, practice: Practice) -> list[tuple[Select, ColumnElement]]:
    """How to walk the versions of ``practice``'s source (not the book's): queries of one table
    each, with the version-id column each is read in order by through one index range.

    From a law: the versions citing one of its articles (any of its loaded versions); from
    articles: those citing any of them; from a category: those filed under it or below it, one
    walk per category (the categories' lists merge in one statement; an IN list of categories
    would make SQLite sort the whole subtree). Citations of the stem, options and explanation
    count as well as the legal basis: they are articles the question tests. A walk yields any
    version, published or not, of any question: :func:`offerable` judges them."""
    if practice.source == PracticeSource.LAW:
        return [(select(QuestionCitation.question_version_id.label("walk"))
                 .where(QuestionCitation.law_id == practice.source_id, QuestionCitation.article_id.is_not(None)),
                 QuestionCitation.question_version_id)]
    if practice.source == PracticeSource.ARTICLES:
        cites = QuestionCitation.article_id.in_(practice.article_ids) if practice.article_ids else false()
        return [(select(QuestionCitation.question_version_id.label("walk")).where(cites),
                 QuestionCitation.question_version_id)]
    # Read at each draw: the category may have been renamed or moved since the run began.
    category = session.get(Category, practice.source_id)
    if category is None:
        return []
    subtree = session.scalars(select(Category.id).where(Category.at_or_below(category.path)))
    return [(select(QuestionVersion.id.label("walk")).where(QuestionVersion.category_id == category_id),
             QuestionVersion.id) for category_id in subtree]


def offerable(session: Session, practice: Practice, version_ids: Sequence[int],
              sections: Sequence[BlueprintSection]) -> list[tuple[int, int]]:
    """(question id, version id) of those of ``version_ids`` that are the published versions of
    practicable questions and, but from the book, not yet served in this run; in the order given.
    One query by primary key."""
    if not version_ids:
        return []
    query = _eligible(select(QuestionVersion.id, Question.id), sections).where(QuestionVersion.id.in_(list(version_ids)))
    if practice.source != PracticeSource.WRONG_BOOK:
        query = query.where(~exists().where(PracticeItem.practice_id == practice.id,
                                            PracticeItem.question_id == Question.id))
    questions = dict(session.execute(query).all())
    found, seen = [], set()
    for version_id in version_ids:
        question_id = questions.get(version_id)
        if question_id is not None and version_id not in seen:
            seen.add(version_id)
            found.append((question_id, version_id))
    return found


def is_practicable(session: Session, question_id: int, now: dt.datetime) -> bool:
    """Whether the question may be offered (or its key shown) in practice at ``now``."""
    query = _eligible(select(Question.id).select_from(QuestionVersion), held_out_sections(session, now))
    return session.scalar(query.where(Question.id == question_id)) is not None


#: Rows a walk reads at a time: few first (the next question is usually among the first), then
#: more when held-out pools or questions served already fill the way.
WALK_BATCHES = (20, 200, 2000)


def next_question(session: Session, practice: Practice, now: dt.datetime,
                  rng: random.Random) -> tuple[int, int] | None:
    """(question id, published version id) of the next question of ``practice``, or None when
    its source has none left to offer.

    From a law, category or articles: a question not yet served in this run, picked at random:
    the first offerable one at or after a random version id in the source's walk order, wrapping
    round (a source with gaps in its ids favours the questions after a gap a little, which
    practice can live with). From the wrong-answer book: the entry that has waited longest since
    it was last practised, so that a question just answered comes back only when it is the last
    one left."""
    sections = held_out_sections(session, now)
    if practice.source == PracticeSource.WRONG_BOOK:
        return _next_in_book(session, practice, sections)
    walks = source_walks(session, practice)
    # Each in a subquery of its own: SQLite answers min() or max() alone from the index, both
    # together by a scan.
    low, high = session.execute(select(select(func.min(QuestionVersion.id)).scalar_subquery(),
                                       select(func.max(QuestionVersion.id)).scalar_subquery())).one()
    if low is None or not walks:
        return None
    pivot = rng.randint(low, high)
    for lower, upper in ((pivot, None), (None, pivot)):
        found = _walk(session, practice, walks, lower, upper, sections)
        if found:
            return found
    return None


def _walk(session: Session, practice: Practice, walks: list[tuple[Select, ColumnElement]], lower: int | None,
          upper: int | None, sections: Sequence[BlueprintSection]) -> tuple[int, int] | None:
    """The first offerable question with ``lower <= version id < upper`` (either open), in
    version-id order over every walk."""
    batches = iter(WALK_BATCHES)
    size = next(batches)
    while True:
        ranges = []
        for query, column in walks:
            if lower is not None:
                query = query.where(column >= lower)
            if upper is not None:
                query = query.where(column < upper)
            ranges.append(query.order_by(column).limit(size))
        if len(ranges) == 1:
            ids = list(session.scalars(ranges[0]))
        else:
            merged = union_all(*(select(r.subquery().c.walk) for r in ranges)).subquery()
            ids = list(session.scalars(select(merged.c.walk).order_by(merged.c.walk).limit(size)))
        found = offerable(session, practice, ids, sections)
        if found:
            return found[0]
        if len(ids) < size:
            return None
        # Go on after the last id read: a version citing several articles has a row for each,
        # and it was judged on the first.
        lower = ids[-1] + 1
        size = next(batches, size)


def _next_in_book(session: Session, practice: Practice,
                  sections: Sequence[BlueprintSection]) -> tuple[int, int] | None:
    """The book's entry that has waited longest and can be practised now: the book's order first,
    then its questions' published versions by primary key, a batch at a time."""
    waiting = list(session.scalars(
        select(WrongAnswerEntry.question_id)
        .where(WrongAnswerEntry.user_id == practice.user_id, WrongAnswerEntry.cleared_at.is_(None))
        .order_by(WrongAnswerEntry.last_practised_at.is_not(None), WrongAnswerEntry.last_practised_at,
                  WrongAnswerEntry.id)))
    start = 0
    for size in WALK_BATCHES + (len(waiting),):
        batch = waiting[start:start + size]
        start += size
        published = dict(session.execute(select(Question.id, Question.published_version_id)
                                          .where(Question.id.in_(batch))).all()) if batch else {}
        found = offerable(session, practice, [published[q] for q in batch if published.get(q)], sections)
        if found:
            return found[0]
        if start >= len(waiting):
            return None
    return None


def in_source(session: Session, practice: Practice) -> ColumnElement[bool] | None:
    """The SQL condition for a ``QuestionVersion`` (joined to its ``Question``) within
    ``practice``'s source (the book: the cadre's uncleared entries); None when the source is gone."""
    if practice.source == PracticeSource.WRONG_BOOK:
        return Question.id.in_(select(WrongAnswerEntry.question_id).where(
            WrongAnswerEntry.user_id == practice.user_id, WrongAnswerEntry.cleared_at.is_(None)))
    walks = source_walks(session, practice)
    return QuestionVersion.id.in_(union_all(*(query for query, _ in walks))) if walks else None


def available_count(session: Session, practice: Practice, now: dt.datetime) -> int:
    """How many questions ``practice``'s source offers at ``now`` (served ones included)."""
    condition = in_source(session, practice)
    if condition is None:
        return 0
    query = _eligible(select(func.count(distinct(Question.id))).select_from(QuestionVersion),
                      held_out_sections(session, now))
    return session.scalar(query.where(condition)) or 0
