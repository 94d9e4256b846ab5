"""Which articles a new version of a law changed (domain.md §4: a question citing an article whose
text changed or disappeared needs review). Pure: two lists of articles in, the differences out.

Articles are matched by their number (第十七条之一 is its own article), and texts are compared
normalised for spacing and punctuation width (:func:`~question_bank.text.comparable_text`), so a
re-typeset text is no change while any changed word or punctuation mark is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from question_bank.text import comparable_text

#: An article's number and suffix: (133, 1) is 第一百三十三条之一, (36, 0) is 第三十六条.
ArticleKey = tuple[int, int]


class ArticleLike(Protocol):
    """What the comparison reads of an article: a ``LawArticle`` or a parsed article will do."""

    number: int
    suffix: int

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class ArticleChanges:
    """The differences between two versions' articles, each list in article order: ``changed``
    (in both, with another text), ``removed`` (only in the old version), ``added`` (only in the
    new); ``unchanged`` counts the articles whose text is the same."""

    changed: list[ArticleKey]
    removed: list[ArticleKey]
    added: list[ArticleKey]
    unchanged: int

    @property
    def affected(self) -> list[ArticleKey]:
        """The old version's articles a citation of which needs review: changed or removed."""
        return sorted(self.changed + self.removed)


def _texts(articles: Iterable[ArticleLike]) -> dict[ArticleKey, str]:
    return {(a.number, a.suffix): comparable_text(a.text) for a in articles}


def compare_articles(old: Iterable[ArticleLike], new: Iterable[ArticleLike]) -> ArticleChanges:
    """Compare two versions' articles (any objects with ``number``, ``suffix`` and ``text``; for a
    parsed article pass ``text`` as its lines joined by newlines). Runs in time linear in the
    number of articles (the 民法典's 1,260 against themselves well under a second, see
    ``bench/laws.py``)."""
    before, after = _texts(old), _texts(new)
    changed = sorted(key for key, text in before.items() if key in after and after[key] != text)
    removed = sorted(key for key in before if key not in after)
    added = sorted(key for key in after if key not in before)
    unchanged = sum(1 for key, text in before.items() if after.get(key) == text)
    return ArticleChanges(changed, removed, added, unchanged)


class NumberedArticle(ArticleLike, Protocol):
    """An article with its row id (a ``LawArticle``, or a row a migration reads)."""

    id: int


def text_origins(versions: Iterable[Iterable[NumberedArticle]]) -> dict[int, int]:
    """For a law's versions in date order (each its articles), every article's *text origin*: the
    id of the earliest article of the unbroken run of versions in which that article (same number
    and suffix) had the same text, normalised as :func:`compare_articles` compares. An article new
    in its version, or changed from the version before, is its own origin.

    Two articles with the same origin are the same provision with the same words, so a question
    written against either tests the other: a study item pinned to an older version counts a
    question whose citation was carried forward to the newer version (issue 11, "Amendments").
    Linear in the number of articles."""
    origins: dict[int, int] = {}
    before: dict[ArticleKey, tuple[str, int]] = {}
    for articles in versions:
        now: dict[ArticleKey, tuple[str, int]] = {}
        for article in articles:
            key, text = (article.number, article.suffix), comparable_text(article.text)
            previous = before.get(key)
            origin = previous[1] if previous is not None and previous[0] == text else article.id
            origins[article.id] = origin
            now[key] = (text, origin)
        before = now
    return origins
