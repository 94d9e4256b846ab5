"""Which questions practice may offer now, and drawing the next one (issue 11, "Practice").

A question is practicable when papers may draw it (``assembly.live_question()``: published, and
whatever else that condition holds back, such as questions flagged for law review), its type is
marked by the machine (a short answer needs a person, so practice does not offer it), and it is in
no held-out pool: the section pools of every paper with a sitting whose window is open now, and of
every paper an exam admin kept out of practice altogether (``Paper.practice_excluded``). A pool is
held out by the very condition papers draw by (``assembly.fits_section``), so practice and
assembly cannot disagree about what a pool holds.

Everything here is one or two indexed queries whatever the size of the bank: the held-out sections
are few, and the next question is found by walking the source's index from a random point.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, distinct, exists, false, func, not_, or_, select, true
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
             .where(or_(Paper.practice_excluded.is_(True), Paper.id.in_(open_papers)))
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


_COLUMNS = (Question.id, QuestionVersion.id, Question.published_version_id)


def source_questions(session: Session, practice: Practice) -> tuple[Select, ColumnElement]:
    """The versions of live questions of machine-marked types in ``practice``'s source, as a
    query of (question id, version id, the question's published version id), and the indexed
    column a walk through them goes by. Only rows whose version is the published one count: the
    caller checks (see below why the query does not).

    From a law: the versions citing one of its articles (any of its loaded versions); from
    articles: those citing any of them; from a category: those filed under it or below it; from
    the wrong-answer book: the questions in it. Citations of the stem, options and explanation
    count as well as the legal basis: they are articles the question tests. Each query starts
    from the table that narrows it most and joins the rest by primary key, so a walk reads only
    the source's rows whatever the size of the bank. Held-out pools are not applied here
    (:func:`offerable` does, on the few rows a walk finds), nor is "the version is the published
    one": PostgreSQL estimates a join on both the question's id and its published version's as
    one row, and then hashes whole tables."""
    if practice.source in (PracticeSource.LAW, PracticeSource.ARTICLES):
        if practice.source == PracticeSource.LAW:
            cites = and_(QuestionCitation.law_id == practice.source_id, QuestionCitation.article_id.is_not(None))
        else:
            cites = QuestionCitation.article_id.in_(practice.article_ids) if practice.article_ids else false()
        query = (select(*_COLUMNS).select_from(QuestionCitation)
                 .join(QuestionVersion, QuestionVersion.id == QuestionCitation.question_version_id)
                 .join(Question, Question.id == QuestionVersion.question_id).where(cites))
        walk = QuestionCitation.question_version_id
    elif practice.source == PracticeSource.CATEGORY:
        # Read at each draw: the category may have been renamed or moved since the run began.
        category = session.get(Category, practice.source_id)
        subtree = [] if category is None else list(session.scalars(select(Category.id).where(or_(
            Category.id == category.id, Category.path.startswith(category.path + "/", autoescape=True)))))
        query = (select(*_COLUMNS).select_from(QuestionVersion)
                 .join(Question, Question.id == QuestionVersion.question_id)
                 .where(QuestionVersion.category_id.in_(subtree) if subtree else false()))
        walk = QuestionVersion.id
    else:
        query = (select(*_COLUMNS).select_from(WrongAnswerEntry)
                 .join(Question, Question.id == WrongAnswerEntry.question_id)
                 .join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
                 .where(WrongAnswerEntry.user_id == practice.user_id, WrongAnswerEntry.cleared_at.is_(None)))
        walk = WrongAnswerEntry.id
    return query.where(live_question(), QuestionVersion.qtype.in_(PRACTICE_TYPES)), walk


def offerable(session: Session, practice: Practice, rows: Sequence[Sequence[int]],
              sections: Sequence[BlueprintSection]) -> list[tuple[int, int]]:
    """(question id, version id) of those of ``rows`` (as :func:`source_questions` gives them)
    whose version is the published one, in no held-out pool and, but from the book, not yet
    served in this run; in the order given. Two queries by primary key and index."""
    rows = [(q, v) for q, v, published, *_ in rows if v == published]
    if not rows:
        return []
    versions = [version_id for _, version_id in rows]
    fitting = set(session.scalars(select(QuestionVersion.id).join(Category, QuestionVersion.category_id == Category.id)
                                  .where(QuestionVersion.id.in_(versions), outside_pools(sections))))
    served: set[int] = set()
    if practice.source != PracticeSource.WRONG_BOOK:
        served = set(session.scalars(select(PracticeItem.question_id).where(
            PracticeItem.practice_id == practice.id, PracticeItem.question_id.in_([q for q, _ in rows]))))
    return [(q, v) for q, v in rows if v in fitting and q not in served]


def is_practicable(session: Session, question_id: int, now: dt.datetime) -> bool:
    """Whether the question may be offered (or its key shown) in practice at ``now``."""
    sections = held_out_sections(session, now)
    query = (select(Question.id).join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
             .join(Category, QuestionVersion.category_id == Category.id)
             .where(Question.id == question_id, practicable(sections)))
    return session.scalar(query) is not None


#: Rows a walk reads at a time: small first (the next question is usually among the first few),
#: then more when held-out pools or questions served already fill the way.
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
    one left.

    The walk reads the source in small batches by its index and then filters each batch by
    primary key (:func:`offerable`), rather than one query with every condition: PostgreSQL's
    planner misjudges the held-out condition and then reads whole tables."""
    sections = held_out_sections(session, now)
    query, walk = source_questions(session, practice)
    if practice.source == PracticeSource.WRONG_BOOK:
        # The book's order first, then its questions by primary key: joined in one query,
        # PostgreSQL merges the entries with the whole question table.
        waiting = list(session.scalars(
            select(WrongAnswerEntry.question_id)
            .where(WrongAnswerEntry.user_id == practice.user_id, WrongAnswerEntry.cleared_at.is_(None))
            .order_by(WrongAnswerEntry.last_practised_at.is_not(None), WrongAnswerEntry.last_practised_at,
                      WrongAnswerEntry.id)))
        if not waiting:
            return None
        start = 0
        for size in WALK_BATCHES + (len(waiting),):
            batch = waiting[start:start + size]
            start += size
            rows = {row[0]: row for row in session.execute(
                select(*_COLUMNS).join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
                .where(Question.id.in_(batch), live_question(), QuestionVersion.qtype.in_(PRACTICE_TYPES)))}
            found = offerable(session, practice, [rows[q] for q in batch if q in rows], sections)
            if found:
                return found[0]
            if start >= len(waiting):
                return None
        return None
    low, high = session.execute(select(func.min(QuestionVersion.id), func.max(QuestionVersion.id))).one()
    if low is None:
        return None
    pivot = rng.randint(low, high)
    for lower, upper in ((pivot, None), (None, pivot)):
        found = _walk(session, practice, query, walk, lower, upper, sections)
        if found:
            return found
    return None


def _walk(session: Session, practice: Practice, query: Select, walk: ColumnElement, lower: int | None,
          upper: int | None, sections: Sequence[BlueprintSection]) -> tuple[int, int] | None:
    """The first offerable question with ``lower <= walk < upper`` (either open), in walk order."""
    batches = iter(WALK_BATCHES)
    size = next(batches)
    while True:
        bounded = query.add_columns(walk)
        # The walk goes by version id: bounding the version's own id as well lets a merge join
        # start at the bound instead of the first version.
        for column in (walk,) if walk is QuestionVersion.id else (walk, QuestionVersion.id):
            if lower is not None:
                bounded = bounded.where(column >= lower)
            if upper is not None:
                bounded = bounded.where(column < upper)
        rows = session.execute(bounded.order_by(walk).limit(size)).all()
        found = offerable(session, practice, rows, sections)
        if found:
            return found[0]
        if len(rows) < size:
            return None
        # Go on after the last value read: a version citing several articles has a row for each,
        # all with its id, and it was judged on the first.
        lower = rows[-1][3] + 1
        size = next(batches, size)


def available_count(session: Session, practice: Practice, now: dt.datetime) -> int:
    """How many questions ``practice``'s source offers at ``now`` (served ones included)."""
    query, _ = source_questions(session, practice)
    pool = (query.join(Category, QuestionVersion.category_id == Category.id)
            .where(Question.published_version_id == QuestionVersion.id,
                   outside_pools(held_out_sections(session, now))).subquery())
    return session.scalar(select(func.count(distinct(pool.c.id)))) or 0
