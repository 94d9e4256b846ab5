"""From parsed texts to what the catalogue stores: one law from several part files, the addresses
of its headings, and a digest that says whether two loads are the same text. Pure.

The 民法典 comes as eight files, each under a second title naming its part (总则, 物权编 … 附则).
They are one law: :func:`merge_parts` orders them by their first article, makes each part a heading
(第一编 总则 … 第七编 侵权责任, and 附则), and checks that the articles run from 第一条 to the end
without gaps or repeats across the files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.law_header import HistoryEvent
from question_bank.formats.law_text import (
    ANNEX,
    CHAPTER,
    PART,
    PREAMBLE,
    SECTION,
    SUBPART,
    SUPPLEMENTARY,
    ParsedArticle,
    ParsedHeading,
    ParsedLaw,
)
from question_bank.formats.numerals import chinese_numeral
from question_bank.text import comparable_text

#: Heading kinds whose address has a number part: part:2, chapter:3 ….
_ADDRESS_WORD = {PART: "part", SUBPART: "subpart", CHAPTER: "chapter", SECTION: "section", ANNEX: "annex"}


def _part_heading(part: ParsedLaw, number: int) -> ParsedHeading:
    """The heading a part file's second title stands for: 附则 is the supplementary provisions,
    anything else the next 编 (the official text calls 物权编 "第二编 物权")."""
    name = part.part_title
    line = part.articles[0].line if part.articles else 1
    if name == "附则":
        return ParsedHeading(SUPPLEMENTARY, None, "附则", "", line)
    title = name[:-1] if name.endswith("编") and len(name) > 2 else name
    return ParsedHeading(PART, number, f"第{chinese_numeral(number)}编", title, line)


def merge_parts(parts: list[ParsedLaw]) -> ParsedLaw:
    """One text from the files of one law: a single whole text is returned as it is; part files
    (each with a ``part_title``) are joined in the order of their first articles, each under a
    heading for its part, their histories merged (the same event once, in date order).

    Raises :class:`InvalidInput` when the texts have different titles, when several are given and
    one is not a part, or when the joined articles do not run from 第一条 without gaps or repeats
    (the problem names the file and line of the article out of place)."""
    if len({p.title for p in parts}) > 1:
        raise InvalidInput([Problem(N_("the texts are of different laws: %(titles)s"),
                                    {"titles": "、".join(sorted({p.title for p in parts}))}, Place(file=parts[0].name))])
    if len(parts) == 1 and not parts[0].part_title:
        return parts[0]
    whole = [p.name for p in parts if not p.part_title]
    if whole:
        raise InvalidInput([Problem(N_("%(title)s is given more than once for the same date; only the parts of a "
                                       "law split into files (with the part's name as a second title) go together"),
                                    {"title": parts[0].title}, Place(file=name)) for name in whole])
    ordered = sorted(parts, key=lambda p: p.articles[0].key if p.articles else (0, 0))
    headings: list[ParsedHeading] = []
    articles: list[ParsedArticle] = []
    problems: list[Problem] = []
    part_number = 0
    for part in ordered:
        if part.part_title != "附则":
            part_number += 1
        headings.append(_part_heading(part, part_number))
        top, offset = len(headings) - 1, len(headings)
        for heading in part.headings:
            parent = heading.parent + offset if heading.parent is not None else top
            headings.append(ParsedHeading(heading.kind, heading.number, heading.label, heading.title, heading.line,
                                          parent, list(heading.body)))
        for article in part.articles:
            previous = articles[-1].key if articles else None
            if not _next_article(previous, article.key):
                problems.append(_gap(part.name, article, articles[-1] if articles else None))
            heading = article.heading + offset if article.heading is not None else top
            articles.append(ParsedArticle(article.number, article.suffix, article.label, list(article.lines),
                                          heading, article.line))
    if problems:
        raise InvalidInput(problems)
    return ParsedLaw(ordered[0].name, ordered[0].title, "", merge_history(ordered), headings, articles,
                     names=[p.name for p in ordered])


def _next_article(previous: tuple[int, int] | None, key: tuple[int, int]) -> bool:
    if previous is None:
        return key == (1, 0)
    return key in ((previous[0] + 1, 0), (previous[0], previous[1] + 1))


def _gap(name: str, article: ParsedArticle, before: ParsedArticle | None) -> Problem:
    place = Place(file=name, line=article.line)
    if before is None:
        return Problem(N_("the first article is %(label)s: the parts must start with 第一条 (are parts missing?)"),
                       {"label": article.label}, place)
    return Problem(N_("%(label)s follows %(before)s of another part: the articles between them are missing "
                      "or repeated (are parts missing or given twice?)"),
                   {"label": article.label, "before": before.label}, place)


def merge_history(parts: list[ParsedLaw]) -> list[HistoryEvent]:
    """The events of every part, each (date, kind, words) once, in date order."""
    seen: dict[tuple, HistoryEvent] = {}
    for part in parts:
        for event in part.history:
            seen.setdefault((event.date, event.kind, comparable_text(event.text)), event)
    return sorted(seen.values(), key=lambda e: e.date)


@dataclass(frozen=True)
class HeadingPlace:
    """Where a heading sits: its ``address`` (see ``LawHeading.address``) and the positions (from 1)
    of the first and last article it holds, sub-headings included (``None`` when it holds none)."""

    address: str
    first_article: int | None
    last_article: int | None


def heading_places(parsed: ParsedLaw) -> list[HeadingPlace]:
    """The address and article range of every heading of ``parsed``, in order."""
    addresses: list[str] = []
    for position, heading in enumerate(parsed.headings, start=1):
        word = _ADDRESS_WORD.get(heading.kind)
        if heading.kind == PREAMBLE:
            own = "preamble"
        elif heading.kind == SUPPLEMENTARY:
            own = "supplementary"
        elif word and heading.number is not None:
            own = f"{word}:{heading.number}"
        else:
            own = f"other:{position}"
        address = f"{addresses[heading.parent]}/{own}" if heading.parent is not None else own
        while address in addresses:  # a repeated heading (two 第三章 under one parent) stays addressable
            address += "+"
        addresses.append(address)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for position, article in enumerate(parsed.articles, start=1):
        index = article.heading
        while index is not None:
            first.setdefault(index, position)
            last[index] = position
            index = parsed.headings[index].parent
    return [HeadingPlace(address, first.get(i), last.get(i)) for i, address in enumerate(addresses)]


def content_digest(parsed: ParsedLaw) -> str:
    """SHA-256 (hex) of the text as it is compared (``comparable_text``): title, headings with
    their bodies, and articles with their lines. The same law re-spaced, or in another file layout,
    has the same digest; a changed word gives another."""
    document = {
        "title": comparable_text(parsed.title),
        "headings": [[h.kind, h.number, comparable_text(h.label + h.title), [comparable_text(b) for b in h.body],
                      h.parent] for h in parsed.headings],
        "articles": [[a.number, a.suffix, [comparable_text(line) for line in a.lines], a.heading]
                     for a in parsed.articles],
    }
    return hashlib.sha256(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
