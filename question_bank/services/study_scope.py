"""What a study-list item covers: its scope text resolved to articles of a law version, and the
set of articles a whole list covers (what coverage, paper sections and practice draw on).

A scope is written the way units write study lists (see ``shared/datasets/study-lists``):

- ``全文`` or nothing: the whole text (words after it, "全文，重点：第一章 总纲", are kept as written
  and do not narrow it);
- headings, read from the top down by :func:`law_reading.find_heading`: "第二章 受案范围",
  "总则编", "侵权责任编 第一章", "分则 第八章 贪污贿赂罪、第九章 渎职罪" (a heading after "、" is
  first looked for under the same 编 as the one before it);
- heading ranges: "第一章至第五章";
- articles and article ranges: "第三十一条至第五十七条", "第十一条、第十二条、第二十条至第二十三条",
  "第133条之一";
- a version named in brackets anywhere: "（2024年修正）", "(2023年修订)": the version made that
  year; otherwise the law's current version.

Anything not read is refused with :class:`ScopeError`, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.errors import N_
from question_bank.formats.numerals import NUMERAL, article_label, parse_numeral
from question_bank.models import Law, LawArticle, LawHeading, LawVersion, StudyItem, StudyItemArticle, StudyList
from question_bank.services import law_reading
from question_bank.services.law_lineage import same_text_articles

_VERSION_NOTE = re.compile(r"[（(]\s*(\d{4})\s*年[^）)]*[）)]")
_WHOLE = re.compile(r"^(全文|全部|整部|全本)")
_SEPARATORS = re.compile(r"[、，,；;]+")
_ARTICLE = rf"第\s*({NUMERAL})\s*条(?:之\s*({NUMERAL}))?"
_ARTICLES = re.compile(rf"^{_ARTICLE}(?:\s*(?:至|到|—|－|-|~|～)\s*{_ARTICLE})?$")
_HEADING_RANGE = re.compile(rf"^(?P<prefix>.*?)第(?P<a>{NUMERAL})(?P<unit>分编|编|章|节)\s*(?:至|到|—|－|-|~|～)\s*"
                            rf"第(?P<b>{NUMERAL})(?P=unit)$")
#: The headings of a scope written after "全文" (重点 …) are not part of what it covers.
_AFTER_WHOLE = re.compile(r"^全文[^，,；;]*[，,；;]?")


class ScopeError(ValueError):
    """A scope that cannot be read or names what the law does not have. ``message`` is a gettext
    template (``N_``) and ``params`` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass
class Scope:
    """A resolved scope: the version, its parts (``StudyItem.scope_parts``) and the article ids."""

    version: LawVersion
    parts: list[dict[str, Any]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)


def version_named(law: Law, text: str) -> LawVersion:
    """The version a scope means: the one made in the year it names (the latest that year), else
    the current version. Raises :class:`ScopeError` when none is loaded."""
    named = _VERSION_NOTE.search(text or "")
    if named:
        year = int(named.group(1))
        made = [v for v in law.versions if v.version_date.year == year]
        if not made:
            raise ScopeError(N_("the catalogue holds no version of %(law)s from %(year)d"), law=law.short_title,
                             year=year)
        return max(made, key=lambda v: v.version_date)
    if law.current_version is None:
        raise ScopeError(N_("the catalogue holds no text of %(law)s"), law=law.short_title)
    return law.current_version


def resolve_scope(session: Session, law: Law, text: str) -> Scope:
    """Resolve ``text`` (a scope as written) against ``law``. Raises :class:`ScopeError` naming the
    part that is not read or not found."""
    version = version_named(law, text)
    positions = dict(session.execute(select(LawArticle.position, LawArticle.id)
                                     .where(LawArticle.law_version_id == version.id)).all())
    body = _VERSION_NOTE.sub("", text or "").strip()
    scope = Scope(version)
    if not body or _WHOLE.match(body):
        scope.parts.append({"kind": "whole", "heading_id": None, "first": 1, "last": version.article_count,
                            "caption": "全文"})
    else:
        context = ""
        for token in [t.strip() for t in _SEPARATORS.split(body) if t.strip()]:
            part, context = _part(session, version, token, context)
            scope.parts.append(part)
    seen: set[int] = set()
    for part in scope.parts:
        for position in range(part["first"], part["last"] + 1):
            article_id = positions.get(position)
            if article_id is not None and article_id not in seen:
                seen.add(article_id)
                scope.article_ids.append(article_id)
    return scope


def _part(session: Session, version: LawVersion, token: str, context: str) -> tuple[dict[str, Any], str]:
    """One part of a scope and the context (the 编 words) for the next."""
    articles = _ARTICLES.match(token)
    if articles:
        first = _article(session, version, articles.group(1), articles.group(2), token)
        last = _article(session, version, articles.group(3), articles.group(4), token) if articles.group(3) else first
        if last.position < first.position:
            raise ScopeError(N_("%(scope)s: the range ends before it starts"), scope=token)
        caption = first.label if last is first else f"{first.label}至{last.label}"
        return {"kind": "articles", "heading_id": None, "first": first.position, "last": last.position,
                "caption": caption}, context
    ranged = _HEADING_RANGE.match(token)
    if ranged:
        prefix = ranged.group("prefix").strip()
        start = _heading(version, f"{prefix} 第{ranged.group('a')}{ranged.group('unit')}", token, "")
        end = _heading(version, f"{prefix} 第{ranged.group('b')}{ranged.group('unit')}", token, "")
        if end.last_article < start.first_article:
            raise ScopeError(N_("%(scope)s: the range ends before it starts"), scope=token)
        return {"kind": "headings", "heading_id": start.id, "first": start.first_article, "last": end.last_article,
                "caption": token}, prefix
    words = re.sub(r"\s+", " ", token)
    heading = _heading(version, words, token, context)
    prefix = " ".join(words.split(" ")[:-1])
    return {"kind": "heading", "heading_id": heading.id, "first": heading.first_article,
            "last": heading.last_article, "caption": heading.caption}, prefix or context


def _heading(version: LawVersion, words: str, token: str, context: str) -> LawHeading:
    found = law_reading.find_heading(version, f"{context} {words}") if context else None
    found = found or law_reading.find_heading(version, words)
    if found is None:
        raise ScopeError(N_("%(law)s has no part %(scope)s (or more than one)"), law=version.law.short_title,
                         scope=token)
    if found.first_article is None:
        raise ScopeError(N_("%(scope)s holds no articles"), scope=token)
    return found


def _article(session: Session, version: LawVersion, number: str, suffix: str | None, token: str) -> LawArticle:
    value, extra = parse_numeral(number), parse_numeral(suffix) if suffix else 0
    found = law_reading.find_article(session, version.id, value, extra or 0) if value is not None else None
    if found is None:
        label = article_label(value, extra or 0) if value is not None else token
        raise ScopeError(N_("%(law)s has no article %(article)s"), law=version.law.short_title, article=label)
    return found


def store_articles(session: Session, item: StudyItem, article_ids: list[int]) -> None:
    """Write the item's resolved articles (the item is flushed and has no articles yet)."""
    session.add_all(StudyItemArticle(study_item_id=item.id, article_id=a) for a in article_ids)
    item.article_count = len(article_ids)


def articles_of_list(study_list_id: int):
    """SQL: the article ids a study list version covers (a subquery to filter citations by): its
    items' articles and every article of another version of the law in the same words
    (``law_lineage``), so a question carried forward to the law in force still counts for an item
    pinned to the older text."""
    return same_text_articles(select(StudyItemArticle.article_id)
                              .join(StudyItem, StudyItem.id == StudyItemArticle.study_item_id)
                              .where(StudyItem.study_list_id == study_list_id))


def study_article_ids(session: Session, study_list: StudyList) -> set[int]:
    """Ids of every ``LawArticle`` the items of ``study_list`` (one version of a list) cover, of
    the law versions the items name and the same articles, in the same words, of the law's other
    versions (:func:`articles_of_list`). Questions "within the list" are those whose legal basis cites
    one of them; practice draws on the same set."""
    return set(session.scalars(articles_of_list(study_list.id)))


_SHORT_ARTICLES = re.compile(r"^(\d+)(?:\s*(?:至|到|-|~|～)\s*(\d+))?$")


def compose_scope(version: LawVersion, heading_ids: list[int], articles: str) -> str:
    """A scope text from what a keeper ticked and typed: the chosen headings (each named from the
    top, "第二编 物权 第一章 一般规定"), then the articles typed ("31至57、60" becomes
    第31条至第57条、第60条), and the version when it is not the law's current one. "全文" when
    nothing is chosen. The text is what :func:`resolve_scope` reads back."""
    by_id = {h.id: h for h in version.headings}
    parts = []
    for heading in version.headings:
        if heading.id in heading_ids:
            path, node = [], heading
            while node is not None:
                path.insert(0, node.caption)
                node = by_id.get(node.parent_id) if node.parent_id else None
            parts.append(" ".join(path))
    for token in [t.strip() for t in _SEPARATORS.split(articles or "") if t.strip()]:
        short = _SHORT_ARTICLES.match(token)
        if short:
            token = f"第{short.group(1)}条" + (f"至第{short.group(2)}条" if short.group(2) else "")
        parts.append(token)
    text = "、".join(parts) or "全文"
    if version.law.current_version is not None and version.id != version.law.current_version.id:
        text += f"（{version.version_date.year}年文本）"
    return text
