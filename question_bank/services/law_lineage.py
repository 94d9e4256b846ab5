"""Articles that stay the same through a law's versions (issue 11, "Amendments").

When a law is amended most of its articles keep their words. Each ``LawArticle`` records its
``text_origin_id`` (:func:`question_bank.analysis.law_changes.text_origins`): articles sharing an
origin are one provision in the same words, whichever version they belong to. Study-list coverage,
list pools and list practice match a question's citation to an item's articles through it, so a
list pinned to an older version still counts the questions whose citations were carried forward to
the version in force (``amendments.review_new_version``), and the other way round.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from question_bank.analysis.law_changes import text_origins
from question_bank.models import LawArticle, LawVersion


def link_same_texts(session: Session, law_id: int) -> None:
    """Set ``text_origin_id`` on every article of every loaded version of the law ``law_id``
    (versions in date order; a version loaded out of order re-links the later ones). One query,
    then updates only where the origin changed. Flushes, never commits."""
    session.flush()
    rows = session.scalars(select(LawArticle).join(LawVersion, LawVersion.id == LawArticle.law_version_id)
                           .where(LawVersion.law_id == law_id)
                           .order_by(LawVersion.version_date, LawArticle.position)).all()
    by_version: dict[int, list[LawArticle]] = {}
    for article in rows:
        by_version.setdefault(article.law_version_id, []).append(article)
    origins = text_origins(by_version.values())
    for article in rows:
        if article.text_origin_id != origins[article.id]:
            article.text_origin_id = origins[article.id]
    session.flush()


def same_text_articles(article_ids):
    """SQL: ids of every article sharing a text origin with one of ``article_ids`` (a subquery or
    a list of ids), the articles themselves included."""
    given = aliased(LawArticle)
    return (select(LawArticle.id).join(given, given.text_origin_id == LawArticle.text_origin_id)
            .where(given.id.in_(article_ids)))
