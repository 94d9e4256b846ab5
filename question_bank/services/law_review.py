"""The law review list: questions held after an amendment (``services.amendments``), and the bank
reviewer's decision on each flag (domain.md §4; issue 11 "Amendments").

A flag is open while its question's published version is the one flagged and no reviewer has
decided; a question is held out of draws while any flag of it is open
(``assembly.held_for_law_review``). Clearing a flag says the question still holds under the new
version: its citation then points at the new version's article (the same number, or another one
the reviewer names, as when the amendment renumbered it), so the next amendment is judged
against the text the reviewer read. Retiring takes the question out of the bank with every open
flag of it. Bank reviewers decide; bank editors and law administrators may read the list.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from question_bank.analysis.article_diff import Segment, diff_texts
from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, Problem
from question_bank.formats.numerals import article_label, renumber_article
from question_bank.models import (
    CitationSource,
    CitationStatus,
    LawArticle,
    LawReviewFlag,
    Question,
    QuestionCitation,
    QuestionStatus,
    ReviewOutcome,
    Role,
    User,
)
from question_bank.models.laws import item_counts
from question_bank.services import assembly, audit, authoring, protection, review
from question_bank.services.exporting import draft_of

#: Who decides on a flag; who may read the list.
DECIDERS = (Role.BANK_REVIEWER,)
READERS = (Role.BANK_REVIEWER, Role.BANK_EDITOR, Role.LAW_ADMIN)
#: Longest reviewer's note kept, in characters.
NOTE_LIMIT = 1000
#: Flags per page of the list.
PAGE_SIZE = 50


def _open():
    """SQL condition for an open flag that still holds its question (the flagged version is the
    published one, and the question is not retired)."""
    return (LawReviewFlag.outcome.is_(None), Question.published_version_id == LawReviewFlag.question_version_id,
            assembly.published_question())


def held_count(session: Session) -> int:
    """How many questions are held out pending law review (the bank nav's count)."""
    return session.scalar(select(func.count(func.distinct(LawReviewFlag.question_id)))
                          .join(Question, Question.id == LawReviewFlag.question_id).where(*_open())) or 0


def open_flags(session: Session, actor: User, law_id: int | None = None, page: int = 1) -> tuple[list[LawReviewFlag], int]:
    """One page of the open flags (by law, then question), with the total; ``law_id`` narrows to
    one law. Raises :class:`PermissionDenied` unless the actor may read the list."""
    protection.require_role(actor, *READERS)
    query = (select(LawReviewFlag).join(Question, Question.id == LawReviewFlag.question_id).where(*_open()))
    if law_id is not None:
        query = query.where(LawReviewFlag.law_id == law_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(joinedload(LawReviewFlag.law), joinedload(LawReviewFlag.old_article),
                                         joinedload(LawReviewFlag.question_version))
                           .order_by(LawReviewFlag.law_id, LawReviewFlag.question_id, LawReviewFlag.id)
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), total


def get_flag(session: Session, actor: User, flag_id: int) -> LawReviewFlag:
    """One flag, open or decided; :class:`NotFound`, :class:`PermissionDenied`."""
    protection.require_role(actor, *READERS)
    flag = session.get(LawReviewFlag, flag_id)
    if flag is None:
        raise NotFound()
    return flag


def is_open(flag: LawReviewFlag) -> bool:
    """Whether the flag still holds its question (undecided, its version still the published one,
    the question not retired)."""
    question = flag.question
    return (flag.outcome is None and question.published_version_id == flag.question_version_id
            and question.status != QuestionStatus.RETIRED)


@dataclass(frozen=True)
class SideBySide:
    """The old and the new article of a flag with the changed characters marked: each side a list
    of :class:`Segment` (``new`` empty when the new version dropped the article)."""

    old: list[Segment]
    new: list[Segment]


def side_by_side(flag: LawReviewFlag, against: LawArticle | None = None) -> SideBySide:
    """The flag's old article against the new version's article of the same number, or
    ``against`` (another article of the new version the reviewer is looking at)."""
    target = against or flag.new_article
    old, new = diff_texts(flag.old_article.text, target.text if target else "")
    return SideBySide(old, new if target else [])


def find_new_article(session: Session, flag: LawReviewFlag, number: int, suffix: int = 0) -> LawArticle | None:
    """The article ``number`` (之 ``suffix``) of the flag's new version, or None."""
    return session.scalar(select(LawArticle).where(LawArticle.law_version_id == flag.new_version_id,
                                                   LawArticle.number == number, LawArticle.suffix == suffix))


def _decidable(actor: User, flag: LawReviewFlag) -> None:
    protection.require_role(actor, *DECIDERS)
    if not is_open(flag):
        raise Conflict(N_("This flag was already decided, or the question changed since: reload the list."))


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput([Problem(N_("the note is longer than %(n)d characters"), {"n": NOTE_LIMIT}, "note")])
    return note


def clear_flag(session: Session, clock: Clock, actor: User, flag: LawReviewFlag,
               article: tuple[int, int] | None = None, note: str = "") -> LawArticle:
    """The question still holds under the new version: close the flag and point the citation rows
    of the flagged version that cited the old article at ``article`` (number, suffix) of the new
    version, by default the one of the same number. Pointed at another number, the legal basis of
    the question's current version is rewritten to name it (:func:`_rewrite_legal_basis`: a new
    version going to review, audited ``question.update``), so an edit later keeps the re-point.
    Returns the article now cited.

    Raises :class:`PermissionDenied` (not a bank reviewer), :class:`Conflict` (already decided),
    :class:`InvalidInput` naming ``article`` when the new version has no such article (or dropped
    the cited one and none was named), or ``note`` when too long. Audit event
    ``question.law_review_clear``. Flushes, never commits."""
    _decidable(actor, flag)
    note = _note(note)
    if article is None:
        target = flag.new_article
        if target is None:
            raise InvalidInput([Problem(N_("%(law)s of %(date)s has no %(article)s any more: name the article the "
                                           "question now rests on, or retire the question"),
                                        {"law": flag.law.short_title, "date": flag.new_version.version_date.isoformat(),
                                         "article": flag.old_article.label}, "article")])
    else:
        target = find_new_article(session, flag, *article)
        if target is None:
            raise InvalidInput([Problem(N_("%(law)s of %(date)s has no %(article)s"),
                                        {"law": flag.law.short_title, "date": flag.new_version.version_date.isoformat(),
                                         "article": article_label(*article)}, "article")])
    rows = session.scalars(select(QuestionCitation).where(
        QuestionCitation.question_version_id == flag.question_version_id,
        QuestionCitation.article_id == flag.old_article_id)).all()
    for row in rows:
        row.law_version_id, row.article_id = flag.new_version_id, target.id
        row.article_number, row.article_suffix = target.number, target.suffix
        row.status = _status(row, target)
    flag.outcome, flag.resolved_by_id, flag.resolved_at = ReviewOutcome.CLEARED, actor.id, clock.now()
    flag.cleared_to_article_id, flag.note = target.id, note
    session.flush()
    if (target.number, target.suffix) != (flag.old_article.number, flag.old_article.suffix) and any(
            row.source == CitationSource.LEGAL_BASIS for row in rows):
        _rewrite_legal_basis(session, clock, actor, flag, target)
    audit.record(session, clock, actor, "question.law_review_clear", "question", flag.question_id,
                 before={"citation": flag.citation_text, "article": flag.old_article.label,
                         "version": flag.old_version.version_date.isoformat()},
                 after={"article": target.label, "version": flag.new_version.version_date.isoformat(),
                        "flag": flag.id, "note": note})
    return target


def _rewrite_legal_basis(session: Session, clock: Clock, actor: User, flag: LawReviewFlag, target: LawArticle) -> None:
    """A re-pointed citation's words name the old article: write the new number into the legal
    basis of the question's current version, through the ordinary edit (a new version going to
    review, audited ``question.update``), so the next edit resolves to the article the reviewer
    chose. Left as written (the flag's note says so on the page) when the current text no longer
    holds the flagged words, or names the old article other than once in them."""
    question = flag.question
    current = question.current_version
    basis = current.legal_basis or ""
    place = basis.find(flag.citation_text)
    if place < 0:
        return
    renumbered = renumber_article(flag.citation_text, (flag.old_article.number, flag.old_article.suffix),
                                  (target.number, target.suffix))
    if renumbered is None:
        return
    draft = replace(draft_of(current), legal_basis=basis[:place] + renumbered + basis[place + len(flag.citation_text):])
    authoring.update_question(session, clock, actor, question, draft)


def _status(row: QuestionCitation, target: LawArticle) -> CitationStatus:
    """The citation's status against its new article: the 款/项 it names may not exist there."""
    counts = item_counts(target.lines)
    if row.paragraph is not None and not 1 <= row.paragraph <= len(counts):
        return CitationStatus.NO_SUCH_PARAGRAPH
    index = (row.paragraph or 1) - 1
    if row.item is not None and not (0 <= index < len(counts) and 1 <= row.item <= counts[index]):
        return CitationStatus.NO_SUCH_PARAGRAPH
    return CitationStatus.ARTICLE_DELETED if target.is_deleted else CitationStatus.RESOLVED


def retire_flagged(session: Session, clock: Clock, actor: User, flag: LawReviewFlag, note: str = "") -> int:
    """The question no longer holds: retire it (``review.retire_question``, audited as
    ``question.retire``) and close every open flag of it. Returns how many flags were closed.
    Raises as :func:`clear_flag`. Audit event ``question.law_review_retire``. Flushes, never commits."""
    _decidable(actor, flag)
    note = _note(note)
    question = flag.question
    flags = session.scalars(select(LawReviewFlag).where(
        LawReviewFlag.question_id == question.id, LawReviewFlag.question_version_id == flag.question_version_id,
        LawReviewFlag.outcome.is_(None))).all()
    # The question is held already, so retiring it leaves no sitting's paper shorter than it was.
    # The reason kept with the retirement is the note, or else the amended law that prompted it.
    reason = note or f"{flag.law.title} {flag.new_version.version_date.isoformat()}"
    review.retire_question(session, clock, actor, question, reason)
    now = clock.now()
    for each in flags:
        each.outcome, each.resolved_by_id, each.resolved_at, each.note = ReviewOutcome.RETIRED, actor.id, now, note
    session.flush()
    audit.record(session, clock, actor, "question.law_review_retire", "question", question.id,
                 after={"flags": [f.id for f in flags], "law": flag.law.title,
                        "version": flag.new_version.version_date.isoformat(), "note": note})
    return len(flags)


def open_flags_of(session: Session, question: Question) -> list[LawReviewFlag]:
    """The flags holding ``question`` now (for its bank page)."""
    return list(session.scalars(select(LawReviewFlag).join(Question, Question.id == LawReviewFlag.question_id)
                                .where(LawReviewFlag.question_id == question.id, *_open())
                                .order_by(LawReviewFlag.id)))
