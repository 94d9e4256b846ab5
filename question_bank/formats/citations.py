"""Reading citations of law articles (法律依据) into structured references. Pure: no catalogue,
no database; :mod:`question_bank.services.citing` resolves what this finds against the catalogue.

What a legal basis is written like, in the bank and in exam papers::

    《中华人民共和国行政处罚法》第三十六条        行政处罚法第36条第二款          民法典 第1165条
    《刑法》第一百三十三条之一                   宪法第5条、第33条               第十一条至第十三条
    《中华人民共和国宪法》第六十二条、第一百二十四条   《行政复议法》（2017年修正）第九条
    1979年的《刑法》第158条                      我国《物权法》第10条第2款      《民法典》第1165条；《刑法》第20条

Laws are named by full or short title, with or without 《》 (or 〈〉, <>), versions by a year
(2017年修正); articles in Chinese, Arabic or full-width digits, with 之一 suffixes, 款 and 项,
lists (、 , 和 及) and ranges (至 到 -). A law named applies to the articles after it until another
law is named. What cannot be read is returned as :class:`Unparsed`, with its place, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from question_bank.formats.numerals import parse_numeral

#: Full-width ASCII to half-width, the ideographic space to a space: same length, so places in the
#: folded text are places in the text as written.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_N = r"(?:[0-9]+|[零〇一二两三四五六七八九十百千]+)"
_CJK = r"\u3400-\u9fff"
_ARTICLE = re.compile(
    rf"第?\s*(?P<nums>{_N}(?:\s*(?:、|,|至|到|-|~|—)\s*(?:第\s*)?{_N})*)\s*条(?:\s*之\s*(?P<suffix>{_N}))?"
    rf"(?:\s*第\s*(?P<paragraph>{_N})\s*款)?(?:\s*第?\s*\(?\s*(?P<item>{_N})\s*\)?\s*项)?")
_THROUGH = re.compile(rf"\s*(?:至|到|-|~|—)\s*第?\s*(?P<num>{_N})\s*条(?:\s*之\s*(?P<suffix>{_N}))?")
_PARAGRAPH_ALONE = re.compile(rf"第\s*(?P<paragraph>{_N})\s*款(?:\s*第?\s*\(?\s*(?P<item>{_N})\s*\)?\s*项)?")
_ITEM_ALONE = re.compile(rf"第?\s*\(\s*(?P<item>{_N})\s*\)\s*项|第\s*(?P<item2>{_N})\s*项")
_LIST_SEPARATOR = re.compile(r"(?:[\s、,;:。.]|以及|或者|和|及|与|或|并)+")
_TRAILING_WORDS = re.compile(r"(?:的|之)?(?:相关|有关)?(?:规定|内容)|等|条文")
_YEAR_BEFORE = re.compile(rf"(?P<year>[0-9]{{4}})\s*年\s*(?:修正|修订|修改|通过|施行)?\s*(?:版|文本)?\s*的?\s*(?=《|<|〈|[{_CJK}])")
_YEAR_AFTER = re.compile(r"\s*\(\s*(?P<year>[0-9]{4})\s*年?\s*(?:修正|修订|修改|通过|施行)?\s*(?:版|文本)?\s*\)")
_YEAR_INSIDE = re.compile(r"\(\s*(?P<year>[0-9]{4})\s*年?\s*(?:修正|修订|修改|通过|施行)?\s*(?:版|文本)?\s*\)$")
_LAW_WORDS = "法典|法|条例|规定|办法|规则|细则|决定|准则|章程|解释|纲要|意见|通则|修正案"
_UNBRACKETED_LAW = re.compile(rf"(?P<name>[{_CJK}]{{1,40}}?(?:{_LAW_WORDS}))(?=\s*(?:第|[0-9]|\(\s*[0-9]{{4}}|$|[、,;:。\s]))")
_LEADING_FILLER = re.compile(r"^(?:根据|依据|依照|按照|参照|参见|详见|见|我国|现行|新修订的|修订后的|新|原)+")
_FILLER_BEFORE_TITLE = re.compile(r"(?:根据|依据|依照|按照|参照|参见|详见|见|我国|现行|新修订的|修订后的|新|原)+(?=\s*[《<〈])")
#: A name that starts like this speaks of some law or other, not of one: 有关司法解释, 相关法律.
_VAGUE = re.compile(r"^(?:有关|相关|其他|其它|上述|下列|各|各项)")
#: The seven branches the national law database files laws under (LawBench prefixes them to titles).
_BRANCHES = ("宪法相关法", "民法商法", "诉讼与非诉讼程序法", "行政法", "经济法", "社会法")
#: Words that look like a law's name but name none: what they refer to depends on the context.
NOT_A_LAW = frozenset({"本法", "该法", "此法", "上述法", "规定", "相关规定", "有关规定", "法律规定", "有关法律规定",
                       "相关法律规定", "本条例", "本办法", "本规定", "本决定", "本解释"})
_OPENERS = {"《": "》", "〈": "〉", "<": ">"}


@dataclass(frozen=True)
class Citation:
    """One cited article (or a law as a whole) and where it is written.

    ``law`` is the law's name as written (without 《》, spaces and a version note), ``""`` when no
    law is named; ``year`` a version the citation names (2017年修正); ``article`` is (number,
    suffix), ``None`` for the law as a whole; ``through`` the last article of a range
    (第十一条至第十三条); ``paragraph`` (款) and ``item`` (项) from 1. ``start``/``end`` are the
    place of ``text`` in the text read."""

    text: str
    start: int
    end: int
    law: str
    year: int | None = None
    article: tuple[int, int] | None = None
    through: tuple[int, int] | None = None
    paragraph: int | None = None
    item: int | None = None


@dataclass(frozen=True)
class Unparsed:
    """A piece of the text that is not a citation this parser can read, and where it is."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedBasis:
    citations: list[Citation]
    unparsed: list[Unparsed]


def law_key(name: str) -> str:
    """A law's name as the catalogue looks it up: width folded, spaces and brackets removed, a
    version note, leading words (根据, 我国 …), a law-branch prefix (民法商法 …) and
    中华人民共和国 dropped. ``"《 中华人民共和国刑法 》"`` → ``"刑法"``."""
    text = re.sub(r"\s+", "", name.translate(_FOLD)).strip("《》〈〉<>")
    text = _YEAR_INSIDE.sub("", text)
    text = _LEADING_FILLER.sub("", text)
    for branch in _BRANCHES:
        if text.startswith(branch) and len(text) > len(branch) + 1:
            text = text[len(branch):]
            break
    if text.startswith("中华人民共和国") and len(text) > len("中华人民共和国"):
        text = text[len("中华人民共和国"):]
    return text


def _number(text: str | None) -> int | None:
    return parse_numeral(text) if text else None


def _closing(text: str, start: int) -> int:
    """Index just after the bracket closing the one at ``start`` (nested ones counted), or -1."""
    opener = text[start]
    closer = _OPENERS[opener]
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opener:
            depth += 1
        elif text[index] == closer:
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


@dataclass
class _Law:
    """The law the citations being read are of: its name, the place of the name (brackets and a
    version note included), the version named, and whether an article has been cited of it."""

    name: str
    start: int
    end: int
    year: int | None
    used: bool = False


class _Scanner:
    """Reads citations from ``text`` starting at ``start``; in ``mention`` mode (free text) it
    stops at the first thing that is not part of a citation instead of recording it."""

    def __init__(self, text: str, mention: bool = False) -> None:
        self.text = text
        self.folded = text.translate(_FOLD)
        self.mention = mention
        self.citations: list[Citation] = []
        self.unparsed: list[Unparsed] = []
        self.law: _Law | None = None
        self.year: int | None = None
        self.last: Citation | None = None

    def run(self, start: int = 0) -> int:
        position = start
        while position < len(self.folded):
            position = self._skip(position)
            if position >= len(self.folded):
                break
            moved = self._step(position)
            if moved is None:
                if self.mention:
                    break
                moved = self._unparsed(position)
            position = moved
        self._close_law()
        return position

    def _skip(self, position: int) -> int:
        while True:
            found = (_LIST_SEPARATOR.match(self.folded, position) or _TRAILING_WORDS.match(self.folded, position)
                     or _FILLER_BEFORE_TITLE.match(self.folded, position))
            if not found or found.end() == position:
                return position
            position = found.end()

    def _step(self, position: int) -> int | None:
        text = self.folded
        year = _YEAR_BEFORE.match(text, position)
        if year and (text[year.end():year.end() + 1] in _OPENERS or _UNBRACKETED_LAW.match(text, year.end())):
            self.year = int(year.group("year"))
            return year.end()
        if text[position] in _OPENERS:
            return self._bracketed(position)
        article = _ARTICLE.match(text, position)
        if article and (text[position] == "第" or (self.law is not None and self._right_after_law(position))):
            return self._article(article)
        alone = _PARAGRAPH_ALONE.match(text, position) or _ITEM_ALONE.match(text, position)
        if alone and self.last is not None and self.last.article is not None:
            return self._refine(alone)
        law = _UNBRACKETED_LAW.match(text, position)
        if law:
            return self._unbracketed(law.start(), law.end())
        return None

    def _right_after_law(self, position: int) -> bool:
        """A bare number (民法典1165条) counts as an article only right after the law's name."""
        return self.last is None or self.last.article is None

    def _bracketed(self, position: int) -> int | None:
        end = _closing(self.folded, position)
        if end < 0:
            return None
        inner = self.text[position + 1:end - 1]
        year = _YEAR_INSIDE.search(inner.translate(_FOLD))
        name = inner[:year.start()] if year else inner
        return self._open_law(re.sub(r"\s+", "", name), position, end, int(year.group("year")) if year else None)

    def _unbracketed(self, start: int, end: int) -> int | None:
        """A law named without brackets at ``start:end`` (leading words such as 根据 left out)."""
        name = self.text[start:end]
        filler = _LEADING_FILLER.match(name.translate(_FOLD))
        if filler:
            start, name = start + filler.end(), name[filler.end():]
        if not name or name in NOT_A_LAW or law_key(name) in NOT_A_LAW or _VAGUE.match(name):
            return None
        return self._open_law(name, start, end, None)

    def _open_law(self, name: str, start: int, end: int, year: int | None) -> int:
        """Make ``name`` the law of the citations that follow; returns where reading goes on (after
        a version note such as （2017年修正） if one follows)."""
        self._close_law()
        after = _YEAR_AFTER.match(self.folded, end)
        if after:
            year, end = int(after.group("year")), after.end()
        self.law = _Law(name, start, end, year if year is not None else self.year)
        self.year = None
        self.last = None
        return end

    def _close_law(self) -> None:
        """A law named with no article after it is cited as a whole."""
        law = self.law
        if law is not None and not law.used and not self.mention:
            self.citations.append(Citation(self.text[law.start:law.end], law.start, law.end, law.name, law.year))
            law.used = True

    def _article(self, found: re.Match[str]) -> int:
        numbers = re.split(r"\s*(、|,|至|到|-|~|—)\s*(?:第\s*)?", found.group("nums"))
        values = [_number(n) for n in numbers[::2]]
        joins = numbers[1::2]
        suffix = _number(found.group("suffix")) or 0
        paragraph, item = _number(found.group("paragraph")), _number(found.group("item"))
        end = found.end()
        through_match = _THROUGH.match(self.folded, end)
        start = found.start() if self.last is not None or self.law is None else self.law.start
        if None in values:
            self.unparsed.append(Unparsed(self.text[found.start():end], found.start(), end))
            return end
        pieces: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
        index = 0
        while index < len(values):
            first = (values[index], suffix if index == len(values) - 1 else 0)
            if index < len(joins) and joins[index] in "至到-~—":
                last = (values[index + 1], suffix if index + 1 == len(values) - 1 else 0)
                pieces.append(((values[index], 0), last))
                index += 2
                continue
            pieces.append((first, None))
            index += 1
        if through_match and len(pieces) == 1 and pieces[0][1] is None:
            pieces = [(pieces[0][0], (_number(through_match.group("num")) or 0, _number(through_match.group("suffix")) or 0))]
            end = through_match.end()
        law = self.law.name if self.law else ""
        year = self.law.year if self.law else self.year
        for number, (article, through) in enumerate(pieces):
            last_piece = number == len(pieces) - 1
            citation = Citation(self.text[start:end], start, end, law, year, article, through,
                                paragraph if last_piece else None, item if last_piece else None)
            self.citations.append(citation)
            self.last = citation
        if self.law is not None:
            self.law.used = True
        return end

    def _refine(self, found: re.Match[str]) -> int:
        """第3款 or 第（二）项 after a citation: the same article's other 款 or 项."""
        last = self.last
        assert last is not None
        groups = found.groupdict()
        paragraph = _number(groups.get("paragraph")) if groups.get("paragraph") else last.paragraph
        item = _number(groups.get("item") or groups.get("item2"))
        citation = Citation(self.text[found.start():found.end()], found.start(), found.end(), last.law, last.year,
                            last.article, None, paragraph, item)
        self.citations.append(citation)
        self.last = citation
        return found.end()

    def _unparsed(self, position: int) -> int:
        found = re.compile(r"[^、,;。\s《<〈]+").match(self.folded, position)
        end = found.end() if found else position + 1
        self.unparsed.append(Unparsed(self.text[position:end], position, end))
        return end


def parse_citations(text: str) -> ParsedBasis:
    """Every citation in a legal-basis text, and every piece that is not one, in text order."""
    scanner = _Scanner(text or "")
    scanner.run()
    return ParsedBasis(scanner.citations, scanner.unparsed)


def find_mentions(text: str, known_names: Collection[str] = ()) -> list[Citation]:
    """Articles cited in free text (a stem, an explanation): a title in 《》, or one of
    ``known_names`` (the catalogue's titles, short titles and aliases), followed by 第…条. Only
    citations of an article are returned; 《法国民法典》 alone, or 第三条 with no law, are not."""
    if not text:
        return []
    folded = text.translate(_FOLD)
    names = sorted({n for n in known_names if n}, key=len, reverse=True)
    pattern = "|".join(re.escape(n) for n in names)
    starts = re.compile(r"[《<〈]" + (rf"|(?:中华人民共和国)?(?:{pattern})(?=\s*(?:第|[0-9]))" if pattern else ""))
    found: list[Citation] = []
    position = 0
    for match in starts.finditer(folded):
        if match.start() < position:
            continue
        scanner = _Scanner(text, mention=True)
        year = re.search(r"([0-9]{4})\s*年\s*(?:修正|修订)?\s*的?\s*$", folded[max(0, match.start() - 12):match.start()])
        scanner.year = int(year.group(1)) if year else None
        if match.group(0) in _OPENERS:
            moved = scanner._bracketed(match.start())
        else:
            moved = scanner._unbracketed(match.start(), match.end())
        if moved is None:
            continue
        position = scanner.run(moved)
        found.extend(c for c in scanner.citations if c.article is not None)
    return found
