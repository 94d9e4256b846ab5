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
