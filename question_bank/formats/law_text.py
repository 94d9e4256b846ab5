"""Reading a statute text in the official layout: LawRefBook Markdown, or plain text pasted or
uploaded (.txt/.md, UTF-8 or GB18030). Pure: bytes or text in, a :class:`ParsedLaw` out.

The structure is read by its words, never by Markdown heading depth (which differs from file to
file): 第X编 / 第X分编 / 第X章 / 第X节, 序言, 附则, 附件; an article is a line opening with 第X条 or
第X条之一 (Chinese or Arabic numerals) and a space; the lines after it up to the next article or
heading are its 款 and 项. A plain text may carry a table of contents (目录), which is skipped: its
headings come again before the text.

A text that cannot be read raises :class:`~question_bank.errors.InvalidInput` with every problem
found, each naming the file and line, and nothing is returned: a loader then loads nothing.
Article numbers must run on without gaps or repeats (第十七条, 第十七条之一, 第十八条 …); a text that
is one part of a larger law (the 民法典's 编, each file carrying the part's name as a second title)
may start at any article, and :func:`~question_bank.formats.law_parts.merge_parts` checks the whole.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats import law_header
from question_bank.formats.law_header import HistoryEvent
from question_bank.formats.numerals import NUMERAL, parse_numeral

#: Heading kinds, by the word that names them: the codes ``LawHeading.kind`` stores
#: (``question_bank.models.laws.HeadingKind``; formats import no models, a test keeps both in step).
PART, SUBPART, CHAPTER, SECTION = "part", "subpart", "chapter", "section"
PREAMBLE, SUPPLEMENTARY, ANNEX, OTHER = "preamble", "supplementary", "annex", "other"
HEADING_KINDS = (PART, SUBPART, CHAPTER, SECTION, PREAMBLE, SUPPLEMENTARY, ANNEX, OTHER)
#: Nesting rank of the numbered units: a heading's parent is the nearest earlier heading of a
#: lower rank. The unnumbered kinds stand at the top level.
HEADING_RANK = {PART: 1, SUBPART: 2, CHAPTER: 3, SECTION: 4}
#: Longest text accepted, in characters (the 民法典's eight files hold about 110,000).
MAX_CHARS = 2_000_000
#: Any space, the ideographic and typographic ones included (准\u2002合\u2002同 in 民法典 合同编).
_SPACE = r"\s"
ARTICLE_LINE = re.compile(rf"^第(?P<num>{NUMERAL})条(?:之(?P<suffix>{NUMERAL}))?(?P<sep>{_SPACE}+|$)")
#: An article label with no space after it: read as an article only when its number is the next one.
_ARTICLE_NO_SPACE = re.compile(rf"^第(?P<num>{NUMERAL})条(?:之(?P<suffix>{NUMERAL}))?")
_NUMBERED_HEADING = re.compile(rf"^第(?P<num>{NUMERAL})(?P<unit>分编|编|章|节)\s*(?P<title>.*?)\s*$")
_UNIT_KIND = {"编": PART, "分编": SUBPART, "章": CHAPTER, "节": SECTION}
_ANNEX = re.compile(rf"^(?:附件|附录)(?P<num>{NUMERAL})?$")
_TOC = re.compile(r"^目录$")
_INFO_END = "<!-- INFO END -->"
_COMMENT = re.compile(r"<!--.*?-->")
#: A heading line of a plain text is short and is not a sentence.
_MAX_PLAIN_HEADING = 60
_SENTENCE_MARKS = re.compile(r"[。；，：;,:]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass
class ParsedHeading:
    """A heading: its kind (one of :data:`HEADING_KINDS`), number (None for the unnumbered kinds), label (第二编, 附则), title
    (物权; spacing inside Chinese words removed: 总 则 → 总则), the index of its parent heading in
    :attr:`ParsedLaw.headings`, its unnumbered paragraphs (``body``: the preamble, an annex), and
    the line it is on."""

    kind: str
    number: int | None
    label: str
    title: str
    line: int
    parent: int | None = None
    body: list[str] = field(default_factory=list)

    @property
    def caption(self) -> str:
        return f"{self.label} {self.title}".strip() if self.title != self.label else self.label


@dataclass
class ParsedArticle:
    """An article: number, suffix (0, or 1 for 之一 …), label as written (第一百三十三条之一), its
    lines (款 and 项, label removed), the index of the innermost heading it stands under, and the
    line its label is on."""

    number: int
    suffix: int
    label: str
    lines: list[str]
    heading: int | None
    line: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.number, self.suffix)


@dataclass
class ParsedLaw:
    """A statute text read: title, the part it is of a larger law (``part_title``: 物权编 in a 民法典
    file; empty otherwise), history events, headings and articles in order; ``name`` is the file
    name (or "pasted text"), ``names`` every file name a merged text came from."""

    name: str
    title: str
    part_title: str
    history: list[HistoryEvent]
    headings: list[ParsedHeading]
    articles: list[ParsedArticle]
    names: list[str] = field(default_factory=list)

    @property
    def preamble(self) -> list[str]:
        """The paragraphs of the 序言 (宪法), or an empty list."""
        return next((h.body for h in self.headings if h.kind == PREAMBLE), [])


def decode(name: str, data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030
    (what Chinese Windows writes). Raises :class:`InvalidInput` naming the file when it is none."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput([Problem(N_("the file is not text in UTF-8 or GB18030; save it as plain text and try again"),
                                place=Place(file=name))])


def tidy_title(text: str) -> str:
    """A heading or title without Markdown marks, 《》 and the spacing inside Chinese words."""
    text = _CJK_GAP.sub("", text.strip().lstrip("#").strip())
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1].strip()
    return re.sub(rf"{_SPACE}+", " ", text)


class _Reader:
    """One pass over the lines, collecting the parts and every problem with its line."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        # Zero-width characters (a stray U+200B in 行政复议法 2023) carry nothing a reader sees.
        text = text.translate(_INVISIBLE)
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.problems: list[Problem] = []
        self.title = ""
        #: Whether the missing title was already told, naming the line that stands in its place.
        self.title_told = False
        self.part_title = ""
        self.history: list[HistoryEvent] = []
        self.headings: list[ParsedHeading] = []
        self.articles: list[ParsedArticle] = []
        self.markdown = any(line.strip() == _INFO_END for line in self.lines) or \
            next((line.strip() for line in self.lines if line.strip()), "").startswith("# ")

    def problem(self, line: int, message: str, **params: object) -> None:
        self.problems.append(Problem(message, dict(params), Place(file=self.name, line=line)))

    def read(self) -> ParsedLaw:
        start = self._skip_front_matter()
        body_start = self._header(start)
        self._body(body_start)
        if not self.title and not self.title_told:
            self.problem(1, N_("the text has no title: the first line must be the law's title"))
        elif not self.articles and not self.problems:
            self.problem(len(self.lines), N_("no article found: articles must open a line with 第…条 and a space"))
        if self.problems:
            raise InvalidInput(self.problems)
        return ParsedLaw(self.name, self.title, self.part_title, self.history, self.headings, self.articles,
                         names=[self.name])

    # --- header ----------------------------------------------------------------------------
    def _skip_front_matter(self) -> int:
        """Index of the first line after a YAML front matter block (``---`` … ``---``)."""
        if self.lines and self.lines[0].strip() == "---":
            for index in range(1, len(self.lines)):
                if self.lines[index].strip() == "---":
                    return index + 1
        return 0

    def _header(self, start: int) -> int:
        """Read the title, part title and history; return the index of the first body line."""
        has_end_mark = any(line.strip() == _INFO_END for line in self.lines)
        for index in range(start, len(self.lines)):
            raw = self.lines[index]
            if raw.strip() == _INFO_END:
                return index + 1
            line = _COMMENT.sub("", raw).strip()
            if not line:
                continue
            number = index + 1
            if not self.title:
                if self._opens_body(line):
                    # An article or heading first: the title is missing, not the text's first article.
                    self.problem(number, N_("the text has no title: its first line, %(text)s, already belongs to "
                                            "the law's body; put the law's title above it"), text=line[:40])
                    self.title_told = True
                    return index
                self.title = tidy_title(line)
                continue
            if self.markdown and line.startswith("# ") and not self.part_title and not self.history:
                self.part_title = tidy_title(line)
                continue
            if not has_end_mark and self._is_structural(line):
                return index
            events = law_header.events_in(line, number)
            if not events:
                self.problem(number, N_("a line of the header is not a dated adoption or amendment (such as "
                                        "“2021年1月22日 …修订”): %(text)s"), text=line[:80])
            self.history.extend(events)
        return len(self.lines)

    def _opens_body(self, line: str) -> bool:
        """An article or a heading (第一章 …), which no title is; a Markdown "# …" line is a title."""
        text = tidy_title(line.lstrip("# ")) if not line.lstrip().startswith("# ") else ""
        return bool(text) and (bool(ARTICLE_LINE.match(text) or _ARTICLE_NO_SPACE.match(text))
                               or self._heading(text) is not None)

    def _is_structural(self, line: str) -> bool:
        text = line.lstrip()
        unspaced = _ARTICLE_NO_SPACE.match(text)
        first_article = bool(unspaced) and parse_numeral(unspaced.group("num")) == 1 and not unspaced.group("suffix")
        return (text.startswith("#") or bool(ARTICLE_LINE.match(text)) or first_article
                or self._heading(text) is not None or bool(_TOC.match(tidy_title(text))))

    # --- body ------------------------------------------------------------------------------
    def _heading(self, text: str) -> ParsedHeading | None:
        """The heading a line is, by its words; ``None`` when it is not one. In a plain text a
        heading is also short and has no sentence punctuation (a 款 may start with 第三章规定的…)."""
        markdown_heading = text.startswith("#")
        words = tidy_title(text)
        if not markdown_heading and (len(words) > _MAX_PLAIN_HEADING or _SENTENCE_MARKS.search(words)):
            return None
        # The label is matched before the spacing inside words is removed: it ends at the first space.
        spaced = re.sub(rf"{_SPACE}+", " ", text.lstrip("#").strip())
        numbered = _NUMBERED_HEADING.match(spaced)
        if numbered:
            number = parse_numeral(numbered.group("num"))
            if number is not None:
                unit = numbered.group("unit")
                title = tidy_title(numbered.group("title") or "")
                return ParsedHeading(_UNIT_KIND[unit], number, f"第{numbered.group('num')}{unit}", title, 0)
        if words == "序言":
            return ParsedHeading(PREAMBLE, None, "序言", "", 0)
        if words == "附则":
            return ParsedHeading(SUPPLEMENTARY, None, "附则", "", 0)
        annex = _ANNEX.match(words)
        if annex:
            number = parse_numeral(annex.group("num")) if annex.group("num") else None
            return ParsedHeading(ANNEX, number, words, "", 0)
        if markdown_heading and words:
            return ParsedHeading(OTHER, None, words, "", 0)
        return None

    def _body(self, start: int) -> None:
        article: ParsedArticle | None = None
        heading: int | None = None
        toc_first: str | None = None
        in_toc_at: int | None = None
        for index in range(start, len(self.lines)):
            number = index + 1
            line = _COMMENT.sub("", self.lines[index]).strip()
            if not line:
                continue
            if not self.markdown and _TOC.match(tidy_title(line)):
                in_toc_at = number
                continue
            parsed = self._heading(line) if (line.startswith("#") or not self.markdown) else None
            if in_toc_at is not None:
                # The table of contents lists headings; the text starts where its first one recurs.
                caption = tidy_title(line)
                if toc_first is None:
                    toc_first = caption
                    continue
                if caption != toc_first:
                    continue
                in_toc_at = None
            if line.startswith("#") and parsed is None:
                continue  # an empty heading ("##" in 民法典/附则.md) names nothing
            if parsed is not None:
                parsed.line = number
                parsed.parent = self._parent_for(parsed)
                self.headings.append(parsed)
                heading, article = len(self.headings) - 1, None
                continue
            opened = self._article(line, number, heading)
            if opened is not None:
                article = opened
                continue
            if article is not None:
                article.lines.append(line)
            elif heading is not None and self.headings[heading].kind not in HEADING_RANK:
                self.headings[heading].body.append(line)
            elif heading is not None:
                self.problem(number, N_("text under %(heading)s before its first article; an article must open "
                                        "with 第…条 and a space: %(text)s"),
                             heading=self.headings[heading].caption, text=line[:60])
            else:
                self.problem(number, N_("text before the first heading or article that is neither the title "
                                        "nor the preamble: %(text)s"), text=line[:60])
        if in_toc_at is not None:
            self.problem(in_toc_at, N_("the table of contents (目录) is not followed by the text: its first "
                                       "heading, %(heading)s, does not come again"), heading=toc_first or "")

    def _parent_for(self, heading: ParsedHeading) -> int | None:
        rank = HEADING_RANK.get(heading.kind)
        if rank is None:
            return None
        for index in range(len(self.headings) - 1, -1, -1):
            other = HEADING_RANK.get(self.headings[index].kind)
            if other is None:
                return None  # 附则 or an annex closes the numbered structure before it
            if other < rank:
                return index
        return None

    def _article(self, line: str, number: int, heading: int | None) -> ParsedArticle | None:
        """The article a line opens, after checking it follows the previous one; ``None`` when the
        line is not an article label (a 款)."""
        match = ARTICLE_LINE.match(line)
        spaced = match is not None
        match = match or _ARTICLE_NO_SPACE.match(line)
        if match is None:
            return None
        value = parse_numeral(match.group("num"))
        suffix = parse_numeral(match.group("suffix")) if match.group("suffix") else 0
        if value is None or suffix is None:
            if spaced:
                self.problem(number, N_("the article number of %(label)s cannot be read"), label=match.group(0).strip())
            return None
        key = (value, suffix)
        previous = self.articles[-1].key if self.articles else None
        expected = _follows(previous, key)
        if not spaced and not expected:
            return None  # a paragraph that starts with a reference to another article
        label = match.group(0).strip()
        if not expected:
            self._order_problem(number, label, previous, key)
        article = ParsedArticle(value, suffix, label, [], heading, number)
        rest = line[match.end():].strip()
        if rest:
            article.lines.append(rest)
        self.articles.append(article)
        return article

    def _order_problem(self, number: int, label: str, previous: tuple[int, int] | None,
                       key: tuple[int, int]) -> None:
        if previous is None:
            if not self.part_title:
                self.problem(number, N_("the first article is %(label)s: a law text starts with 第一条"), label=label)
            return
        before = self.articles[-1].label
        if key <= previous:
            self.problem(number, N_("%(label)s comes after %(before)s: article numbers must rise"),
                         label=label, before=before)
        else:
            self.problem(number, N_("%(label)s follows %(before)s: the articles between them are missing"),
                         label=label, before=before)


def _follows(previous: tuple[int, int] | None, key: tuple[int, int]) -> bool:
    """Whether ``key`` (number, suffix) is an article that may come right after ``previous``:
    the next number, or the next 之X of the same number."""
    if previous is None:
        return key == (1, 0)
    number, suffix = previous
    return key == (number + 1, 0) or key == (number, suffix + 1)


def parse_law_text(name: str, text: str) -> ParsedLaw:
    """Read one statute text (``name`` is its file name, or "pasted text", for the problems).

    Returns a :class:`ParsedLaw`; raises :class:`InvalidInput` listing every problem, each with
    ``Place(file=name, line=n)``: a header line that is not a dated event, text before the first
    article that is neither heading nor preamble, article numbers that repeat, fall back or skip,
    an unreadable article number, a table of contents not followed by the text, no title, no article.
    """
    if len(text) > MAX_CHARS:
        raise InvalidInput([Problem(N_("the text is longer than %(n)d characters"), {"n": MAX_CHARS},
                                    Place(file=name))])
    return _Reader(name, text).read()


def parse_law_file(name: str, data: bytes) -> ParsedLaw:
    """:func:`parse_law_text` of an uploaded file's bytes (see :func:`decode`)."""
    return parse_law_text(name, decode(name, data))


def is_hidden_page(text: str) -> bool:
    """Whether a Markdown file's front matter hides it from readers (``bookHidden: true``): in
    LawRefBook that marks pages that are not law texts, such as its format template."""
    lines = text.lstrip("\ufeff").split("\n", 20)
    if not lines or lines[0].strip() != "---":
        return False
    for line in lines[1:]:
        if line.strip() == "---":
            return False
        if re.fullmatch(r"\s*bookHidden\s*:\s*true\s*", line, re.IGNORECASE):
            return True
    return False


def looks_like_law(text: str) -> bool:
    """Whether a file found in a folder is meant as a law text: it has the Markdown header's end
    mark or a line opening an article (a README or PROVENANCE file has neither)."""
    return any(line.strip() == _INFO_END or ARTICLE_LINE.match(line.strip(" \t\u3000")) for line in text.split("\n"))
