"""Moodle's HTML question text made into the plain text the bank stores, saying what could not be kept.

The bank keeps stems, options and explanations as plain text (what an editor typed, shown to a
candidate escaped). Moodle XML and GIFT carry HTML (``format="html"``, ``[html]``), so the text is
first sanitised with nh3 (scripts, styles and event handlers go, with their content) and then
converted: paragraphs, divisions, list items, table rows and ``<br>`` become line ends, list items
keep a "• " mark, entities become their characters, and every other tag's text is kept without the
tag. What a tag meant beyond its text (bold, a link's address, an image, a table's grid) is lost;
:func:`html_to_text` names each such loss so that the import report can say it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

#: Tags that end a line of text (block structure the plain text keeps as line ends).
_LINE_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                        "ul", "ol", "table", "dd", "dt", "hr"})
#: Tags whose only effect is on the look of their text: "formatting" in the report.
_STYLE_TAGS = frozenset({"b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup", "mark",
                         "small", "big", "font", "code", "tt", "kbd", "samp", "var", "span", "center", "q",
                         "cite", "abbr", "acronym", "dfn", "bdi", "bdo"})
#: Tags that carry no content of their own and lose nothing worth reporting when dropped.
_SILENT_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "tbody", "thead", "wbr", "html", "body",
                          "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "dl", "hr"})
_BLANK_LINES = re.compile(r"\n{3,}")
#: Where a block (paragraph, division, list item) begins or ends: one line end, however many
#: blocks meet there, while each ``<br>`` is a line end of its own.
_BOUNDARY = "\x00"
_BREAKS = re.compile(r"[ \t]*[\x00\n][\x00\n \t]*")
_SPACES = re.compile(r"[ \t\f\v]+")
#: White space HTML lays a text out with and shows as nothing around it (ASCII space, tab, line
#: ends, form feed): taken off around a text without a word, as a browser does.
LAYOUT_SPACE = " \t\r\n\f\v"


@dataclass
class Converted:
    """``text`` is the plain text; ``lost`` names what the HTML had that plain text cannot keep,
    each once, in the order met: ``"formatting"`` (bold, italics, spans and the like), ``"link"``
    (an address; the link's words stay), ``"image"``, ``"table"`` (rows become lines),
    ``"unsafe content"`` (a script, a style or an event handler nh3 removed) and
    ``"<name>"`` for any other tag."""

    text: str
    lost: list[str] = field(default_factory=list)
    #: Whether space of the author's stood before or after the text and was taken off: any space
    #: but HTML's own layout (:data:`LAYOUT_SPACE`, which a browser collapses too), so a no-break
    #: space (``&nbsp;``), an ideographic space U+3000 or an empty paragraph of them.
    trimmed: bool = False


class _Flattener(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lost: list[str] = []

    def _lose(self, what: str) -> None:
        if what not in self.lost:
            self.lost.append(what)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _LINE_TAGS:
            self.parts.append(_BOUNDARY)
        if tag == "li":
            self.parts.append("• ")
        if tag in _STYLE_TAGS:
            self._lose("formatting")
        elif tag == "a":
            if any(name == "href" and value for name, value in attrs):
                self._lose("link")
        elif tag == "img":
            self._lose("image")
        elif tag in {"table", "tr", "td", "th", "caption", "col", "colgroup"}:
            self._lose("table")
            if tag in {"td", "th"}:
                self.parts.append(" ")
        elif tag not in _SILENT_TAGS:
            self._lose(f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _LINE_TAGS and tag != "br":
            self.parts.append(_BOUNDARY)

    def handle_data(self, data: str) -> None:
        # In HTML, runs of white space (line ends included) are one space; lines come from tags.
        self.parts.append(_SPACES.sub(" ", data.replace("\r", " ").replace("\n", " ")))


def html_to_text(markup: str) -> Converted:
    """The plain text of an HTML fragment and what it could not keep (see :class:`Converted`).

    Never raises: broken HTML is read as browsers read it (nh3's parser, html5ever)."""
    if "<" not in markup and "&" not in markup:
        return Converted(markup.strip(), trimmed=_trimmed(markup))
    cleaned = nh3.clean(markup, tags=nh3.ALLOWED_TAGS, clean_content_tags={"script", "style"},
                        attributes={"a": {"href"}, "img": {"src", "alt"}})
    lost = ["unsafe content"] if _had_unsafe(markup) else []
    flattener = _Flattener()
    flattener.feed(cleaned)
    flattener.close()
    text = _BREAKS.sub(_line_ends, "".join(flattener.parts))
    trimmed = _trimmed(text)
    lines = [line.strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
    # The parser has turned entities into characters already (convert_charrefs).
    return Converted(text, lost + flattener.lost, trimmed)


def _trimmed(text: str) -> bool:
    """Whether ``text``, without HTML's layout space around it, still has space around it (what
    ``str.strip`` takes off) and words inside."""
    inner = text.strip(LAYOUT_SPACE)
    return bool(inner.strip()) and inner.strip() != inner


def _line_ends(run: re.Match[str]) -> str:
    return "\n" * max(run.group().count("\n"), 1)


def _had_unsafe(markup: str) -> bool:
    lowered = markup.lower()
    return "<script" in lowered or "<style" in lowered or re.search(r"\son[a-z]+\s*=", lowered) is not None

