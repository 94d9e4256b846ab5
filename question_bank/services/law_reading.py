"""Reading the law catalogue: the list of laws, a version's table of contents and text, finding an
article by what a person types (第36条, 第三十六条, 36), and searching the text. Read-only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from question_bank.formats.numerals import NUMERAL, parse_numeral
from question_bank.models import Law, LawArticle, LawHeading, LawVersion

#: Articles a search lists at most, and lines of each it shows.
SEARCH_LIMIT, LINES_SHOWN = 100, 3
#: Longest search accepted, in characters.
MAX_QUERY = 50
_ARTICLE_REF = re.compile(
    rf"^(?:第)?\s*(?P<num>{NUMERAL})\s*(?:条)?\s*(?:(?:之|-|－|—)\s*(?P<suffix>{NUMERAL}))?\s*(?:条)?"
    # A citation copied whole (第36条第二款第一项) goes to its article.
    rf"(?:\s*第\s*(?:{NUMERAL})\s*款)?(?:\s*第\s*(?:{NUMERAL})\s*项)?$")


def laws(session: Session) -> list[Law]:
    """Every law, by title, with its versions loaded."""
    return list(session.scalars(select(Law).options(selectinload(Law.versions)).order_by(Law.title)))


def parse_article_ref(text: str) -> tuple[int, int] | None:
    """What a person typed to jump to an article, as (number, suffix): "第36条", "第三十六条", "36",
    "３６", "第一百三十三条之一", "133之一" and "133-1" all work, and so does a citation naming a
    款 or 项 ("第36条第二款第一项": the article); ``None`` for anything else."""
    found = _ARTICLE_REF.match((text or "").strip())
    if not found:
        return None
    number = parse_numeral(found.group("num"))
    suffix = parse_numeral(found.group("suffix")) if found.group("suffix") else 0
    if not number or suffix is None:
        return None
    return number, suffix


def parse_slug(slug: str) -> tuple[int, int] | None:
    """An article's URL part (``36``, ``133-1``) as (number, suffix); ``None`` when malformed."""
    found = re.fullmatch(r"(\d{1,5})(?:-(\d{1,3}))?", slug)
    return (int(found.group(1)), int(found.group(2) or 0)) if found else None


def find_article(session: Session, version_id: int, number: int, suffix: int = 0) -> LawArticle | None:
    """The article (number, suffix) of a version, with its heading; one indexed look-up."""
    return session.scalar(select(LawArticle).where(LawArticle.law_version_id == version_id,
                                                   LawArticle.number == number, LawArticle.suffix == suffix))


@dataclass(frozen=True)
class TocEntry:
    """A heading in the table of contents, with its depth (0 = top level)."""

    heading: LawHeading
    depth: int


def contents(version: LawVersion) -> list[TocEntry]:
    """The version's headings in order, each with its depth."""
    depth: dict[int, int] = {}
    entries = []
    for heading in version.headings:
        level = depth.get(heading.parent_id, -1) + 1 if heading.parent_id is not None else 0
        depth[heading.id] = level
        entries.append(TocEntry(heading, level))
    return entries


def reading_parts(version: LawVersion, limit: int) -> list[LawHeading]:
    """The units a long text is read in, one after another: each top-level heading, or, for one
    holding more than ``limit`` articles, its sub-headings (and theirs, as far as needed)."""
    children: dict[int | None, list[LawHeading]] = {}
    for heading in version.headings:
        children.setdefault(heading.parent_id, []).append(heading)

    def walk(heading: LawHeading) -> list[LawHeading]:
        size = heading.last_article - heading.first_article + 1 if heading.first_article and heading.last_article else 0
        if size <= limit or not children.get(heading.id):
            return [heading]
        return [part for child in children[heading.id] for part in walk(child)]

    return [part for top in children.get(None, []) for part in walk(top)]


def part_of_headings(version: LawVersion, parts: list[LawHeading]) -> dict[int, int]:
    """For each heading, the id of the reading part (:func:`reading_parts`) to open to read it:
    the part that is it or holds it, or for a heading bigger than a part, its first part."""
    by_id = {h.id: h for h in version.headings}
    part_ids = [p.id for p in parts]
    chains: dict[int, list[int]] = {}
    for heading in version.headings:
        chain, current = [], heading.id
        while current is not None:
            chain.append(current)
            current = by_id[current].parent_id
        chains[heading.id] = chain
    found = {}
    for heading in version.headings:
        holder = next((hid for hid in chains[heading.id] if hid in part_ids), None)
        if holder is None:
            holder = next((pid for pid in part_ids if heading.id in chains[pid]), None)
        if holder is not None:
            found[heading.id] = holder
    return found


@dataclass(frozen=True)
class Block:
    """One piece of a text in reading order: a heading (with its depth) or an article."""

    heading: LawHeading | None = None
    article: LawArticle | None = None
    depth: int = 0


def text_blocks(version: LawVersion, articles: list[LawArticle], part: LawHeading | None = None) -> list[Block]:
    """Headings and ``articles`` in reading order: each heading before its first article, and a
    heading that holds none (the preamble, an annex) where it stands among the others. With
    ``part``, only that heading and the headings under it."""
    entries = contents(version)
    shown = {e.heading.id for e in entries}
    if part is not None:
        shown = {part.id}
        for entry in entries:
            if entry.heading.parent_id in shown:
                shown.add(entry.heading.id)
    keyed: list[tuple[tuple[int, int, int], Block]] = []
    reached = 0
    for entry in entries:
        heading = entry.heading
        anchor = heading.first_article if heading.first_article is not None else reached + 1
        reached = max(reached, heading.last_article or 0)
        if heading.id in shown:
            keyed.append(((anchor, 0, heading.position), Block(heading=heading, depth=entry.depth)))
    keyed += [((a.position, 1, 0), Block(article=a)) for a in articles]
    return [block for _, block in sorted(keyed, key=lambda pair: pair[0])]


def heading_path(version: LawVersion, heading_id: int | None) -> list[LawHeading]:
    """The headings an article or heading stands under, from the top: [第一编 总则, 第一章 …]."""
    by_id = {h.id: h for h in version.headings}
    path = []
    while heading_id is not None and heading_id in by_id:
        path.append(by_id[heading_id])
        heading_id = by_id[heading_id].parent_id
    return list(reversed(path))


def articles_between(session: Session, version_id: int, first: int | None = None, last: int | None = None) -> list[LawArticle]:
    """The version's articles in order, from position ``first`` to ``last`` (both included)."""
    query = select(LawArticle).where(LawArticle.law_version_id == version_id).order_by(LawArticle.position)
    if first is not None:
        query = query.where(LawArticle.position >= first)
    if last is not None:
        query = query.where(LawArticle.position <= last)
    return list(session.scalars(query))


def neighbours(session: Session, article: LawArticle) -> tuple[LawArticle | None, LawArticle | None]:
    """The articles before and after ``article`` in its version."""
    def at(position: int) -> LawArticle | None:
        return session.scalar(select(LawArticle).where(LawArticle.law_version_id == article.law_version_id,
                                                       LawArticle.position == position))
    return at(article.position - 1), at(article.position + 1)


@dataclass(frozen=True)
class Hit:
    """An article a search found, with up to :data:`LINES_SHOWN` of its lines that contain the
    words, each line as pieces ``(text, is_match)`` for highlighting."""

    article: LawArticle
    lines: list[list[tuple[str, bool]]]


@dataclass(frozen=True)
class SearchResult:
    """``hits`` (at most :data:`SEARCH_LIMIT`, in article order) of ``total`` articles found."""

    terms: list[str]
    hits: list[Hit]
    total: int


def search_terms(query: str) -> list[str]:
    """The words of a search: split on spaces, each searched as a substring, all required."""
    return [t for t in (query or "")[:MAX_QUERY].split() if t][:5]


def search(session: Session, version_ids: list[int], query: str) -> SearchResult:
    """Articles of the given versions whose text contains every word of ``query`` (Chinese
    substring search: 行政处罚 finds 行政处罚的种类), in version and article order."""
    terms = search_terms(query)
    if not terms or not version_ids:
        return SearchResult(terms, [], 0)
    condition = [LawArticle.law_version_id.in_(version_ids)]
    condition += [LawArticle.text.contains(term, autoescape=True) for term in terms]
    total = session.scalar(select(func.count()).select_from(LawArticle).where(*condition)) or 0
    found = session.scalars(select(LawArticle).where(*condition).options(selectinload(LawArticle.version))
                            .order_by(LawArticle.law_version_id, LawArticle.position).limit(SEARCH_LIMIT))
    return SearchResult(terms, [Hit(a, _matching_lines(a, terms)) for a in found], total)


def _matching_lines(article: LawArticle, terms: list[str]) -> list[list[tuple[str, bool]]]:
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    shown = []
    for line in article.lines:
        if pattern.search(line):
            shown.append(highlight(line, pattern))
        if len(shown) == LINES_SHOWN:
            break
    return shown


def highlight(line: str, pattern: re.Pattern[str]) -> list[tuple[str, bool]]:
    """``line`` cut into pieces, each marked whether it matches ``pattern``."""
    pieces, position = [], 0
    for match in pattern.finditer(line):
        if match.start() > position:
            pieces.append((line[position:match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    if position < len(line):
        pieces.append((line[position:], False))
    return pieces


def version_of(session: Session, version_id: int) -> LawVersion | None:
    """A version with its law, history events and headings loaded."""
    return session.scalar(select(LawVersion).where(LawVersion.id == version_id).options(
        selectinload(LawVersion.law).selectinload(Law.versions), selectinload(LawVersion.events),
        selectinload(LawVersion.headings)))


def find_laws(session: Session, text: str, limit: int = 20) -> list[Law]:
    """Laws whose title, short title or another name contains ``text`` (for picking articles)."""
    text = (text or "").strip()[:MAX_QUERY]
    query = select(Law).options(selectinload(Law.versions)).order_by(Law.title).limit(limit)
    if text:
        query = query.where(Law.title.contains(text, autoescape=True) | Law.short_title.contains(text, autoescape=True))
    return list(session.scalars(query))


_UNIT_WORDS = {"编": "part", "分编": "subpart", "章": "chapter", "节": "section"}
_NUMBERED_UNIT = re.compile(rf"^第(?P<num>{NUMERAL})(?P<unit>分编|编|章|节)(?P<rest>.*)$")


def find_heading(version: LawVersion, words: str) -> LawHeading | None:
    """The heading a study-list scope or a person names, read from the top down: "第二编",
    "第三章", "第二章 受案范围", "分则 第八章 贪污贿赂罪", "侵权责任编 第一章", "总则编" (a 编 is
    found by its title with or without 编). Each part narrows the search to the headings under
    the one found before; a number and a title given together must agree. ``None`` when nothing
    (or more than one heading) fits."""
    headings = list(version.headings)
    children: dict[int | None, list[LawHeading]] = {}
    for heading in headings:
        children.setdefault(heading.parent_id, []).append(heading)

    def under(parent: LawHeading | None) -> list[LawHeading]:
        if parent is None:
            return headings
        found, stack = [], list(children.get(parent.id, []))
        while stack:
            heading = stack.pop(0)
            found.append(heading)
            stack[:0] = children.get(heading.id, [])
        return found

    current: LawHeading | None = None
    for part in [p for p in re.split(r"\s+", (words or "").strip()) if p]:
        numbered = _NUMBERED_UNIT.match(part)
        pool = under(current)
        if numbered:
            kind, number = _UNIT_WORDS[numbered.group("unit")], parse_numeral(numbered.group("num"))
            fits = [h for h in pool if h.kind == kind and h.number == number
                    and (not numbered.group("rest") or h.title == numbered.group("rest"))]
        else:
            bare = part[:-1] if part.endswith("编") and len(part) > 2 else part
            fits = [h for h in pool if h.title in (part, bare) or h.label == part]
        if current is None and len(fits) > 1:
            fits = [h for h in fits if h.parent_id is None] or fits
        if len(fits) != 1:
            # A title after a numbered label ("第二章 受案范围") only confirms the heading found.
            if current is not None and not numbered and current.title in (part, bare):
                continue
            return None
        current = fits[0]
    return current
