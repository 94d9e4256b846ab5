"""How well the bank covers a study list (issue 11, "Coverage"): for each item, how many live
published questions cite an article within its scope in their legal basis (法律依据), by question
type; items with fewer than the list's threshold are flagged for bank editors, with the first
article of the scope no question cites yet (where to write one).

A question counts for an item when the version papers draw (its published version) cites, in its
legal basis, an article of the item's law version, or the same article in the same words of
another version (``law_lineage``: a citation carried forward to the law in force); mentions in the stem or explanation do not
count (the legal basis is the editor's statement of what the question tests).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from question_bank.models import (
    CitationSource,
    LawArticle,
    Question,
    QuestionCitation,
    QuestionVersion,
    StudyItem,
    StudyItemArticle,
    StudyList,
)
from question_bank.services.assembly import live_question


@dataclass
class ItemCoverage:
    """One item: questions citing it per type (type code → count), their total, whether it is
    below the threshold, and the first article of its scope that no question cites."""

    item: StudyItem
    by_type: dict[str, int] = field(default_factory=dict)
    flagged: bool = False
    first_uncited: LawArticle | None = None

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def _cited_in_published():
    """Conditions joining a citation to the live question whose published version makes it.

    Joined through the version's question (both primary keys), never by the question's
    ``published_version_id``, which has no index: SQLite would build one on every run."""
    return (QuestionCitation.source == CitationSource.LEGAL_BASIS, Question.published_version_id == QuestionVersion.id,
            live_question())


def coverage(session: Session, study_list: StudyList) -> list[ItemCoverage]:
    """Coverage of every item of ``study_list``, in item order."""
    found = {item.id: ItemCoverage(item) for item in study_list.items}
    if not found:
        return []
    listed, cited = aliased(LawArticle), aliased(LawArticle)
    rows = session.execute(
        select(StudyItemArticle.study_item_id, QuestionVersion.qtype,
               func.count(func.distinct(QuestionVersion.question_id)))
        .join(listed, listed.id == StudyItemArticle.article_id)
        .join(cited, cited.text_origin_id == listed.text_origin_id)
        .join(QuestionCitation, QuestionCitation.article_id == cited.id)
        .join(QuestionVersion, QuestionVersion.id == QuestionCitation.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(StudyItemArticle.study_item_id.in_(list(found)), *_cited_in_published())
        .group_by(StudyItemArticle.study_item_id, QuestionVersion.qtype))
    for item_id, qtype, count in rows:
        found[item_id].by_type[qtype] = count
    for entry in found.values():
        entry.flagged = entry.total < study_list.coverage_threshold
        if entry.flagged:
            entry.first_uncited = _first_uncited(session, entry.item)
    return list(found.values())


def _first_uncited(session: Session, item: StudyItem) -> LawArticle | None:
    same = aliased(LawArticle)
    cited = (select(QuestionCitation.id)
             .join(same, same.id == QuestionCitation.article_id)
             .join(QuestionVersion, QuestionVersion.id == QuestionCitation.question_version_id)
             .join(Question, Question.id == QuestionVersion.question_id)
             .where(same.text_origin_id == LawArticle.text_origin_id, *_cited_in_published()))
    return session.scalar(
        select(LawArticle).join(StudyItemArticle, StudyItemArticle.article_id == LawArticle.id)
        .where(StudyItemArticle.study_item_id == item.id, ~exists(cited))
        .order_by(LawArticle.position).limit(1))


def type_totals(entries: list[ItemCoverage]) -> dict[str, int]:
    """Question types that appear anywhere in ``entries`` (for the table's columns)."""
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        for qtype, count in entry.by_type.items():
            totals[qtype] += count
    return dict(totals)


def citation_text(item: StudyItem, article: LawArticle | None) -> str:
    """A legal basis to pre-fill a new question with: 《title》 and the article."""
    return f"《{item.law.title}》" + (article.label if article is not None else "")
