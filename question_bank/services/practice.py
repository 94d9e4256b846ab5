"""Practice (练习, issue 11): a cadre starts an untimed run from a law, a category, a set of
articles or their wrong-answer book, and answers one question at a time; each answer is checked at
once by the question type's own marking, and only then are the key, the explanation and the text
of the cited articles shown.

Practice never counts as an exam result: it makes no attempt, mark, score record or ledger entry.
Times are the server's (``served_at``, ``answered_at``); nothing the client says about time is
read. Which questions may be offered is :mod:`question_bank.services.practice_pool`'s business.
"""

from __future__ import annotations

import random
import secrets
from decimal import Decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, Problem
from question_bank.marking_rules import MultiChoiceRule
from question_bank.models import (
    Category,
    Law,
    LawArticle,
    Practice,
    PracticeItem,
    PracticeSource,
    QuestionCitation,
    QuestionVersion,
    Role,
    User,
    WrongAnswerEntry,
)
from question_bank.services import practice_pool, protection, wrong_book
from question_bank.services.citing import refs_of
from question_bank.services.delivery import option_order_for, to_display, to_original
from question_bank.types import get_type
from question_bank.types.base import problem_of
from question_bank.types.choice import LETTERS

#: Most articles one run may draw from (a whole study list of laws stays well below).
MAX_ARTICLES = 20_000


class QuestionWithdrawn(Conflict):
    """The question served can no longer be practised (a sitting drawing on it opened, or it left
    the bank) and was taken back unanswered; the key is not shown."""

    template = N_("This question has just been taken out of practice (it is in use in an exam, or no longer in "
                  "the bank), so it is not checked. Here is another one.")


class AlreadyAnswered(Conflict):
    """The item was answered before (another tab, a repeated tap); the first answer stands."""

    template = N_("You answered this question already; your first answer stands.")


@dataclass(frozen=True)
class QuestionView:
    """A served question as the page shows it before the answer: no key, no explanation, no
    legal basis. ``options`` are (display letter, text) in display order; ``blanks`` is the
    number of answer boxes of a fill-in stem."""

    item_id: int
    practice_id: int
    qtype: str
    answer_form: str
    stem: str
    options: list[tuple[str, str]]
    blanks: int


@dataclass(frozen=True)
class CitedArticle:
    """An article the question cites, with its text, for the feedback."""

    citation: QuestionCitation
    article: LawArticle


@dataclass(frozen=True)
class Feedback:
    """An answered item: the question, whether the answer was right, the answer and the key in
    the letters the cadre saw ("T"/"F" for true/false, the accepted answers of each blank), for
    fill-in whether each blank was right, the explanation, the legal basis with its resolved
    citations, and the cited articles' text. ``book_streak`` / ``book_cleared`` say what the
    answer did to the wrong-answer book (None: the question is not in it)."""

    view: QuestionView
    correct: bool
    response_display: Any
    key_display: Any
    blank_results: list[bool] | None
    explanation: str
    legal_basis: str
    refs: list[QuestionCitation] = field(default_factory=list)
    articles: list[CitedArticle] = field(default_factory=list)
    book_streak: int | None = None
    book_cleared: bool = False


def start_practice(session: Session, clock: Clock, cadre: User, source: PracticeSource | str,
                   source_id: int | None = None, article_ids: Iterable[int] = (), title: str = "") -> Practice:
    """Start a run for ``cadre`` from ``source``: a law (``source_id`` = law id), a category
    (``source_id`` = category id, its sub-categories included), articles (``article_ids``) or
    the wrong-answer book (whose disclosed exam answers are taken in first).

    Raises :class:`PermissionDenied` (not a cadre), :class:`NotFound` (no such law or category)
    or :class:`InvalidInput` (an unknown source, no articles, or article ids not in the catalogue,
    named). ``title`` names an "articles" run (a study list's title); the others are named after
    their law or category."""
    protection.require_role(cadre, Role.CADRE)
    try:
        source = PracticeSource(source)
    except ValueError:
        raise InvalidInput([Problem(N_("unknown practice source %(source)s"), {"source": str(source)}, "source")]) from None
    ids: list[int] = []
    if source == PracticeSource.LAW:
        law = session.get(Law, source_id) if source_id is not None else None
        if law is None:
            raise NotFound()
        title = law.short_title or law.title
    elif source == PracticeSource.CATEGORY:
        category = session.get(Category, source_id) if source_id is not None else None
        if category is None:
            raise NotFound()
        title = category.path
    elif source == PracticeSource.ARTICLES:
        ids = _checked_articles(session, article_ids)
        source_id = None
    else:
        wrong_book.take_exam_answers(session, clock, cadre)
        source_id = None
        title = ""
    practice = Practice(user_id=cadre.id, source=source, source_id=source_id, article_ids=ids,
                        title=title.strip()[:300], started_at=clock.now())
    session.add(practice)
    session.flush()
    return practice


def practice_from_articles(session: Session, clock: Clock, cadre: User, article_ids: Iterable[int],
                           title: str) -> Practice:
    """Start a run from a set of law articles (ids of ``LawArticle``): questions citing any of
    them. The generic source a study list's items feed (``study_scope.study_article_ids``);
    ``title`` is what the cadre sees (the list's title). Errors as :func:`start_practice`."""
    return start_practice(session, clock, cadre, PracticeSource.ARTICLES, article_ids=article_ids, title=title)


def _checked_articles(session: Session, article_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(a) for a in article_ids})
    if not ids:
        raise InvalidInput([Problem(N_("no articles to practise from"), place="article_ids")])
    if len(ids) > MAX_ARTICLES:
        raise InvalidInput([Problem(N_("at most %(n)d articles can be practised at once"), {"n": MAX_ARTICLES},
                                    "article_ids")])
    known: set[int] = set()
    for start in range(0, len(ids), 1000):
        known.update(session.scalars(select(LawArticle.id).where(LawArticle.id.in_(ids[start:start + 1000]))))
    unknown = [a for a in ids if a not in known]
    if unknown:
        raise InvalidInput([Problem(N_("no article with id %(ids)s in the law catalogue"),
                                    {"ids": ", ".join(map(str, unknown[:10]))}, "article_ids")])
    return ids


def _own(session: Session, cadre: User, model: type[Practice] | type[PracticeItem], row_id: int):
    row = session.get(model, row_id)
    # Someone else's is "not found" like a missing one, so ids cannot be probed.
    if row is None or row.user_id != cadre.id:
        raise NotFound()
    return row


def get_practice(session: Session, cadre: User, practice_id: int) -> Practice:
    """The cadre's own run. Raises :class:`NotFound` for a missing run or someone else's."""
    return _own(session, cadre, Practice, practice_id)


def get_item(session: Session, cadre: User, item_id: int) -> PracticeItem:
    """The cadre's own served item. Raises :class:`NotFound` for a missing item or someone else's."""
    return _own(session, cadre, PracticeItem, item_id)


def current_item(session: Session, clock: Clock, cadre: User, practice: Practice | int,
                 rng: random.Random | None = None) -> PracticeItem | None:
    """The question the cadre is on in the run (``practice``, or its id): the item waiting for its
    answer, or a newly served one; None when the source has nothing left to offer. An item
    waiting for an answer whose question can no longer be practised is withdrawn first. Serving
    is serialised per run (its row is locked), so two tabs opening the run at once get the same
    question. Raises :class:`NotFound` for a run that is not the cadre's."""
    practice = _locked(session, cadre, practice if isinstance(practice, int) else practice.id)
    now = clock.now()
    pending = session.scalar(select(PracticeItem).where(PracticeItem.practice_id == practice.id,
                                                        PracticeItem.answered_at.is_(None),
                                                        PracticeItem.withdrawn_at.is_(None))
                             .order_by(PracticeItem.id.desc()).limit(1))
    if pending is not None:
        if practice_pool.is_practicable(session, pending.question_id, now):
            return pending
        pending.withdrawn_at = now
    rng = rng or random.Random(secrets.randbits(64))
    found = practice_pool.next_question(session, practice, now, rng)
    if found is None:
        session.flush()
        return None
    question_id, version_id = found
    version = session.get(QuestionVersion, version_id)
    item = PracticeItem(practice_id=practice.id, user_id=cadre.id, question_id=question_id, question_version=version,
                        option_order=option_order_for(len(version.options), get_type(version.qtype).has_options, rng,
                                                      version.pinned_options),
                        served_at=now)
    session.add(item)
    session.flush()
    return item


def _locked(session: Session, cadre: User, practice_id: int) -> Practice:
    """The cadre's run, read afresh with its row locked (one query). Someone else's run is
    :class:`NotFound` like a missing one, and is not locked: whose it is belongs to the query, so
    the lock falls only on a row that is the cadre's (as ``attempts.lock_attempt`` does)."""
    practice = session.scalar(select(Practice).where(Practice.id == practice_id, Practice.user_id == cadre.id)
                              .with_for_update().execution_options(populate_existing=True))
    if practice is None:
        raise NotFound()
    return practice


def question_view(item: PracticeItem) -> QuestionView:
    """The served question without anything that gives its answer away (case C-17's rule)."""
    version = item.question_version
    qtype = get_type(version.qtype)
    options = [(LETTERS[position], version.options[original]) for position, original in enumerate(item.option_order)]
    return QuestionView(item.id, item.practice_id, version.qtype, qtype.answer_form, version.stem, options,
                        qtype.blank_count(version.stem))


def answer(session: Session, clock: Clock, cadre: User, item_id: int, raw: Any) -> Feedback:
    """Check the cadre's answer to a served item and record it; returns the feedback.

    ``raw`` is the answer in display form (display letters, "T"/"F", one text per blank). It is
    right when the type's marking gives the full mark (every blank right; exactly the key's
    options). The wrong-answer book is updated (:func:`wrong_book.record_practice_answer`).
    Raises :class:`NotFound` (not the cadre's item), :class:`InvalidInput` (no answer given, or
    not an answer to this question: nothing is recorded), :class:`AlreadyAnswered` (the first
    answer stands) or :class:`QuestionWithdrawn` (the question cannot be practised now: the item
    is withdrawn unanswered and the key not shown)."""
    item = get_item(session, cadre, item_id)
    _locked(session, cadre, item.practice_id)
    session.refresh(item)
    if item.answered_at is not None:
        raise AlreadyAnswered()
    now = clock.now()
    if item.withdrawn_at is not None or not practice_pool.is_practicable(session, item.question_id, now):
        session.execute(update(PracticeItem).where(PracticeItem.id == item.id, PracticeItem.withdrawn_at.is_(None))
                        .values(withdrawn_at=now))
        session.flush()
        raise QuestionWithdrawn()
    version = item.question_version
    qtype = get_type(version.qtype)
    try:
        response = to_original(item, raw)
    except ValueError as exc:
        raise InvalidInput([problem_of(exc, "answer")]) from None
    if not qtype.is_answered(response):
        raise InvalidInput([Problem(N_("give an answer first"), place="answer")])
    full = qtype.mark(version.key, response, Decimal(1), MultiChoiceRule.ALL_OR_NOTHING)
    item.response = response
    item.correct = full is not None and full >= 1
    item.answered_at = now
    session.flush()
    entry = wrong_book.record_practice_answer(session, cadre.id, item.question_id, item.correct, now)
    return feedback(session, item, entry)


def feedback(session: Session, item: PracticeItem, entry: WrongAnswerEntry | None = None) -> Feedback:
    """The feedback of an answered item (see :class:`Feedback`); ``entry`` is the question's
    wrong-answer book entry when the caller has it at hand. Raises :class:`Conflict` for an item
    not answered: nothing of its key is shown before the answer is stored."""
    if item.answered_at is None:
        raise Conflict(N_("Answer the question first."))
    version = item.question_version
    qtype = get_type(version.qtype)
    refs = refs_of(session, [version.id])[version.id]
    per_blank = getattr(qtype, "blank_results", None)
    if entry is None:
        entry = session.scalar(select(WrongAnswerEntry).where(WrongAnswerEntry.user_id == item.user_id,
                                                              WrongAnswerEntry.question_id == item.question_id))
    return Feedback(
        view=question_view(item), correct=bool(item.correct), response_display=to_display(item, item.response),
        key_display=to_display(item, version.key),
        blank_results=per_blank(version.key, item.response) if per_blank else None,
        explanation=version.explanation, legal_basis=version.legal_basis, refs=refs,
        articles=cited_articles(session, refs),
        book_streak=entry.streak if entry is not None and entry.cleared_at is None else None,
        book_cleared=entry is not None and entry.cleared_at is not None and entry.cleared_at == item.answered_at,
    )


def cited_articles(session: Session, refs: list[QuestionCitation]) -> list[CitedArticle]:
    """The articles the citations point at, each once, legal basis first (the order of ``refs``)."""
    ids = list(dict.fromkeys(r.article_id for r in refs if r.article_id is not None))
    if not ids:
        return []
    articles = {a.id: a for a in session.scalars(select(LawArticle).where(LawArticle.id.in_(ids)))}
    first = {}
    for ref in refs:
        if ref.article_id is not None and ref.article_id not in first:
            first[ref.article_id] = ref
    return [CitedArticle(first[i], articles[i]) for i in ids if i in articles]


def progress(session: Session, practice: Practice) -> tuple[int, int]:
    """(answered, right) in this run."""
    rows = session.execute(select(PracticeItem.correct).where(PracticeItem.practice_id == practice.id,
                                                             PracticeItem.answered_at.is_not(None))).scalars().all()
    return len(rows), sum(1 for correct in rows if correct)


def recent_runs(session: Session, cadre: User, limit: int = 5) -> list[Practice]:
    """The cadre's latest runs, newest first."""
    return list(session.scalars(select(Practice).where(Practice.user_id == cadre.id)
                                .order_by(Practice.started_at.desc(), Practice.id.desc()).limit(limit)))
