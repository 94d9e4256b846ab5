"""Amendments: holding questions for law review when a new version of a law is loaded, and the
reviewer's decision on each (domain.md §4; issue 11 "Amendments").

When a law gets a new newest version (:func:`review_new_version`, called by
``law_catalogue.load_texts``), every live question whose published version cites an article of an
earlier version of that law is looked at: where the new version changed the article's text
(compared normalised for spacing and punctuation width, :mod:`question_bank.analysis.law_changes`)
or dropped it, a :class:`LawReviewFlag` records the citation with the old and the new version and
article. From then on the question is held out of new draws (``assembly.live_question``) until a
bank reviewer clears every flag of it (:func:`clear_flag`, optionally pointing the citation at
another article of the new version) or retires it (:func:`retire_flagged`). Each step is audited.

A citation of an article the new version kept word for word is carried forward: it points at
the new version's article from then on (audit event ``law.citations_carried_forward``), so the law
in force, coverage and practice find the question. A citation naming its version by year
(（2017年修正）) stays on the version it names. Attempts keep their own snapshot of the law
(``attempt_law_version``), so history does not move.

Questions are compared against the version each citation actually points at (usually the previous
one), so a question written against an older text is judged by the text it was written for. An
open flag from an earlier amendment of the same citation is superseded by the new one.
Loading a version that is older than the one in force flags nothing: the law in force did not
change. Loading the same version again finds the flags already there and adds none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.analysis.law_changes import ArticleChanges, ArticleKey, compare_articles
from question_bank.clock import Clock
from question_bank.formats.numerals import article_label
from question_bank.models import (
    ArticleChange,
    LawArticle,
    LawReviewFlag,
    LawVersion,
    Question,
    QuestionCitation,
    ReviewOutcome,
    Sitting,
    User,
)
from question_bank.services import assembly, audit, sittings


@dataclass(frozen=True)
class AmendmentReview:
    """What loading a new version did to the bank: the version before it (None for a law's first
    version, or a version older than the one in force, which is not compared), the article changes
    against it, how many live questions cite an earlier version of the law, and how many of them
    this load newly held for review (``flags``: the citation rows flagged)."""

    previous: LawVersion | None
    changes: ArticleChanges | None
    citing_questions: int
    flagged_questions: int
    flags: int
    #: Open or upcoming sittings whose paper the bank could fill before and cannot now that these
    #: questions are held (nobody can start them until reviewers clear enough questions).
    short_sittings: tuple[Sitting, ...] = ()
    #: Live questions whose citations of unchanged articles now point at the new version.
    carried_questions: int = 0

    def summary(self) -> str:
        """For a command's output: "3 of 5 questions citing it held for law review" and the
        article changes; "" when nothing was compared."""
        if self.previous is None or self.changes is None:
            return ""
        c = self.changes
        short = (f"; sittings that can no longer be filled: {', '.join(s.title for s in self.short_sittings)}"
                 if self.short_sittings else "")
        return (f"against {self.previous.version_date.isoformat()}: {len(c.changed)} changed, {len(c.added)} added, "
                f"{len(c.removed)} removed, {c.unchanged} unchanged articles; {self.flagged_questions} of "
                f"{self.citing_questions} questions citing it held for law review, {self.carried_questions} "
                f"carried forward to the new text{short}")


NOTHING_COMPARED = AmendmentReview(None, None, 0, 0, 0)


def _articles(session: Session, version_id: int) -> dict[ArticleKey, LawArticle]:
    return {(a.number, a.suffix): a for a in session.scalars(
        select(LawArticle).where(LawArticle.law_version_id == version_id).order_by(LawArticle.position))}


def compare_versions(session: Session, old_version_id: int, new_version_id: int) -> ArticleChanges:
    """The article changes from one loaded version to another, read from the catalogue (two
    queries; the 民法典 against itself well under the 2 s goal, ``bench/amendments.py``)."""
    return compare_articles(_articles(session, old_version_id).values(), _articles(session, new_version_id).values())


def review_new_version(session: Session, clock: Clock, actor: User | None, version: LawVersion) -> AmendmentReview:
    """Flag the live questions that ``version`` (just loaded, flushed) makes doubtful, as the
    module says; returns what was found, with the open or upcoming sittings this leaves unfillable. Audit event ``question.law_review_flag`` per question
    newly flagged, naming its citations. Flushes, never commits."""
    law = version.law
    earlier = sorted((v for v in law.versions if v.version_date < version.version_date), key=lambda v: v.version_date)
    if not earlier or any(v.version_date > version.version_date for v in law.versions):
        return NOTHING_COMPARED
    new_articles = _articles(session, version.id)
    previous = earlier[-1]
    comparisons: dict[int, ArticleChanges] = {}
    article_cache: dict[int, dict[ArticleKey, LawArticle]] = {}

    by_id: dict[int, LawArticle] = {}

    def changes_from(old_version_id: int) -> ArticleChanges:
        if old_version_id not in comparisons:
            article_cache[old_version_id] = _articles(session, old_version_id)
            by_id.update((a.id, a) for a in article_cache[old_version_id].values())
            comparisons[old_version_id] = compare_articles(article_cache[old_version_id].values(), new_articles.values())
        return comparisons[old_version_id]

    changes_from(previous.id)
    citing = list(session.execute(
        select(QuestionCitation, Question.id)
        .join(Question, Question.published_version_id == QuestionCitation.question_version_id)
        .where(assembly.published_question(), QuestionCitation.article_id.is_not(None),
               QuestionCitation.law_version_id.in_([v.id for v in earlier]))
        .order_by(Question.id, QuestionCitation.position)))
    existing = {(qv, old) for qv, old in session.execute(
        select(LawReviewFlag.question_version_id, LawReviewFlag.old_article_id)
        .where(LawReviewFlag.new_version_id == version.id))}
    flagged: dict[int, list[LawReviewFlag]] = defaultdict(list)
    now = clock.now()
    watched = list(session.scalars(select(Sitting).where(Sitting.closes_at > now).order_by(Sitting.opens_at, Sitting.id)))
    short_before = sittings.unfillable(session, clock, watched) if watched and citing else set()
    carried: set[int] = set()
    for citation, question_id in citing:
        changes = changes_from(citation.law_version_id)
        old_article = by_id[citation.article_id]
        key = _key(old_article)
        if key not in changes.affected:
            if citation.named_year is None and key in new_articles:
                citation.law_version_id, citation.article_id = version.id, new_articles[key].id
                carried.add(question_id)
            continue
        if (citation.question_version_id, old_article.id) in existing:
            continue
        existing.add((citation.question_version_id, old_article.id))
        new_article = new_articles.get(key)
        flag = LawReviewFlag(
            question_id=question_id, question_version_id=citation.question_version_id, citation_id=citation.id,
            citation_text=citation.text[:500], law_id=law.id, old_version_id=citation.law_version_id,
            old_article_id=old_article.id, new_version_id=version.id,
            new_article_id=new_article.id if new_article else None,
            change=ArticleChange.CHANGED if new_article is not None else ArticleChange.REMOVED, flagged_at=now, note="")
        session.add(flag)
        flagged[question_id].append(flag)
    session.flush()
    if carried:
        audit.record(session, clock, actor, "law.citations_carried_forward", "law_version", version.id, after={
            "law": law.title, "new_version": version.version_date.isoformat(), "questions": sorted(carried)})
    _supersede(session, now, version, [f for flags in flagged.values() for f in flags])
    for question_id, flags in flagged.items():
        audit.record(session, clock, actor, "question.law_review_flag", "question", question_id, after={
            "law": law.title, "new_version": version.version_date.isoformat(),
            "citations": [{"text": f.citation_text, "article": article_label(*_key(f.old_article)),
                           "change": str(f.change)} for f in flags]})
    short_now = sittings.unfillable(session, clock, watched) if watched and flagged else set()
    return AmendmentReview(previous, comparisons[previous.id], len({q for _, q in citing}), len(flagged),
                           sum(len(f) for f in flagged.values()),
                           tuple(s for s in watched if s.id in short_now - short_before), len(carried))


def _supersede(session: Session, now: dt.datetime, version: LawVersion, new_flags: list[LawReviewFlag]) -> None:
    """Close the open flags of the same citations against earlier amendments (``superseded``): the
    reviewer now compares with ``version``, the one in force."""
    cited = {(f.question_version_id, f.old_article_id) for f in new_flags}
    if not cited:
        return
    for old in session.scalars(select(LawReviewFlag).where(
            LawReviewFlag.law_id == version.law_id, LawReviewFlag.new_version_id != version.id,
            LawReviewFlag.outcome.is_(None),
            LawReviewFlag.question_version_id.in_({qv for qv, _ in cited}))):
        if (old.question_version_id, old.old_article_id) in cited:
            old.outcome, old.resolved_at = ReviewOutcome.SUPERSEDED, now
    session.flush()


def _key(article: LawArticle) -> ArticleKey:
    return (article.number, article.suffix)
