"""Resolving parsed citations against the law catalogue: which law, which version, which article.

A :class:`LawIndex` is a read-only picture of the catalogue taken once for a batch of citations
(an import of a thousand questions, one save of a question): the laws by every name they go by, and
each version's articles, read on first need with one query per version. Resolving a citation is
then a few dictionary look-ups (well under a millisecond, see ``bench/laws.py``).

The version cited is the one in force on the date the citation was written (its effective date,
where known, else the date it was made), unless the citation names a year (（2017年修正）): then the
version made that year, or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.formats.citations import Citation, law_key
from question_bank.models import CitationStatus, Law, LawArticle, LawVersion
from question_bank.models.laws import is_deleted_text

#: Names people cite laws by that are not their titles (law key → abbreviations), given to a law
#: when it is first loaded; a law administrator can add more (``Law.aliases``).
COMMON_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "行政诉讼法": ("行诉法",),
    "民事诉讼法": ("民诉法",),
    "刑事诉讼法": ("刑诉法",),
    "国家赔偿法": ("国赔法",),
    "治安管理处罚法": ("治安处罚法",),
    "行政许可法": ("许可法",),
    "行政强制法": ("强制法",),
    "行政复议法": ("复议法",),
}


@dataclass(frozen=True)
class ArticleEntry:
    """What resolving needs of an article: its id, position, 项 per 款, and whether it is deleted."""

    id: int
    position: int
    items_per_paragraph: tuple[int, ...]
    deleted: bool


@dataclass(frozen=True)
class VersionEntry:
    id: int
    version_date: dt.date
    in_force_from: dt.date


@dataclass
class LawEntry:
    id: int
    title: str
    short_title: str
    names: set[str]
    versions: list[VersionEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Resolution:
    """One resolved (or unresolvable) article of a citation; a range gives one per article."""

    citation: Citation
    status: CitationStatus
    law_id: int | None = None
    version_id: int | None = None
    article_id: int | None = None
    article: tuple[int, int] | None = None


class LawIndex:
    """The catalogue's laws and versions, and (on first need) each version's articles."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.laws: dict[int, LawEntry] = {}
        self.by_name: dict[str, LawEntry] = {}
        for law in session.scalars(select(Law)):
            names = {law_key(law.title), law_key(law.short_title)} | {law_key(a) for a in law.aliases or []}
            entry = LawEntry(law.id, law.title, law.short_title, {n for n in names if n})
            self.laws[law.id] = entry
            for name in entry.names:
                self.by_name.setdefault(name, entry)
        rows = session.execute(select(LawVersion.id, LawVersion.law_id, LawVersion.version_date,
                                      LawVersion.effective_date).order_by(LawVersion.version_date))
        for version_id, law_id, made, effective in rows:
            self.laws[law_id].versions.append(VersionEntry(version_id, made, effective or made))
        self._articles: dict[int, dict[tuple[int, int], ArticleEntry]] = {}
        self._order: dict[int, list[tuple[int, int]]] = {}

    def names(self) -> list[str]:
        """Every name a law of the catalogue goes by (for finding citations in free text)."""
        return sorted(self.by_name)

    def find_law(self, name: str) -> LawEntry | None:
        return self.by_name.get(law_key(name)) if name else None

    def articles(self, version_id: int) -> dict[tuple[int, int], ArticleEntry]:
        """The version's articles by (number, suffix), read once."""
        if version_id not in self._articles:
            rows = self.session.execute(
                select(LawArticle.id, LawArticle.position, LawArticle.number, LawArticle.suffix,
                       LawArticle.items_per_paragraph, LawArticle.text)
                .where(LawArticle.law_version_id == version_id).order_by(LawArticle.position))
            found = {}
            for article_id, position, number, suffix, items, text in rows:
                found[(number, suffix)] = ArticleEntry(article_id, position, tuple(items or ()), is_deleted_text(text))
            self._articles[version_id] = found
            self._order[version_id] = list(found)
        return self._articles[version_id]

    def version_for(self, law: LawEntry, year: int | None, on: dt.date) -> VersionEntry | None:
        """The version a citation means: the one made in ``year`` when it names one (the latest
        made that year), else the one in force on ``on``."""
        if year is not None:
            made = [v for v in law.versions if v.version_date.year == year]
            return made[-1] if made else None
        in_force = [v for v in law.versions if v.in_force_from <= on]
        return max(in_force, key=lambda v: v.in_force_from) if in_force else None

    def resolve(self, citation: Citation, on: dt.date) -> list[Resolution]:
        """Resolve one parsed citation as of ``on`` (the date it was written): one
        :class:`Resolution` per article (a range expands, by the version's article order)."""
        if not citation.law:
            return [Resolution(citation, CitationStatus.NO_LAW_NAMED, article=citation.article)]
        law = self.find_law(citation.law)
        if law is None:
            return [Resolution(citation, CitationStatus.UNKNOWN_LAW, article=citation.article)]
        version = self.version_for(law, citation.year, on)
        if version is None:
            return [Resolution(citation, CitationStatus.VERSION_NOT_LOADED, law.id, article=citation.article)]
        if citation.article is None:
            return [Resolution(citation, CitationStatus.RESOLVED, law.id, version.id)]
        articles = self.articles(version.id)
        keys = [citation.article]
        if citation.through is not None:
            keys = self._range(version.id, citation.article, citation.through)
            if not keys:
                missing = citation.article if citation.article not in articles else citation.through
                return [Resolution(citation, CitationStatus.NO_SUCH_ARTICLE, law.id, version.id, article=missing)]
        return [self._article(citation, law, version, key, articles.get(key)) for key in keys]

    def _range(self, version_id: int, first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
        articles = self.articles(version_id)
        if first not in articles or last not in articles or articles[last].position < articles[first].position:
            return []
        order = self._order[version_id]
        return order[articles[first].position - 1:articles[last].position]

    def _article(self, citation: Citation, law: LawEntry, version: VersionEntry, key: tuple[int, int],
                 entry: ArticleEntry | None) -> Resolution:
        if entry is None:
            return Resolution(citation, CitationStatus.NO_SUCH_ARTICLE, law.id, version.id, article=key)
        status = CitationStatus.RESOLVED
        if entry.deleted:
            status = CitationStatus.ARTICLE_DELETED
        elif citation.through is None and not _has_place(entry, citation.paragraph, citation.item):
            status = CitationStatus.NO_SUCH_PARAGRAPH
        return Resolution(citation, status, law.id, version.id, entry.id, key)


def _has_place(entry: ArticleEntry, paragraph: int | None, item: int | None) -> bool:
    """Whether the article has the 款 (and 项) cited; a 项 with no 款 is one of the first 款."""
    counts = entry.items_per_paragraph
    index = (paragraph or 1) - 1
    if paragraph is not None and not 0 <= index < len(counts):
        return False
    if item is not None:
        return 0 <= index < len(counts) and 1 <= item <= counts[index]
    return True

