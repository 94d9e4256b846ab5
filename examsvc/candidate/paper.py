"""The paper part of the exam page, rendered once per paper and language and reused (issue 7).

A 100-question page spent most of its time rendering stems and options, which never change during
an attempt (:mod:`question_bank.services.exam_page`). ``candidate/_paper.html`` renders them once,
leaving a marker wherever a slot's state goes (its version, "checked", a blank's or a text's
saved answer, the answer card's "answered"); every load then only puts each slot's state into
the markers (:func:`lookup`, then :func:`show`).

The rendering is kept in this process's memory (per app, least recently used first out, at most
:data:`CACHE_BYTES` or the app's ``EXAM_PAPER_CACHE_BYTES``), keyed by :attr:`ExamPage.paper_key` and the language: the paper, question
versions, marks, sections and option order, which all stay as they are for as long as an attempt
uses them. It is only a shortcut: a worker that has no copy renders the same text from the
database, so every worker shows the same page, and nothing that a candidate or the service
relies on lives here.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import escape
from question_bank.services.delivery import ItemView
from question_bank.services.exam_page import ExamPage, SectionHeading, SlotState

#: Characters of rendered papers one app keeps in memory; a 100-question paper of single-choice
#: questions is about 120,000 (so about 400 papers).
CACHE_BYTES = 48 * 2**20
_KEY = "examsvc.paper_cache"
#: Markers carry this process's random token, so that no stem or option can pass for one.
_TOKEN = secrets.token_hex(8)
_MARKER = re.compile("\x00" + _TOKEN + r":(\w+):(\d+):([^\x00]*)\x00")


def _marker(kind: str, slot: int, arg: object = "") -> str:
    # Nothing in a marker is escaped by the template (no &, <, >, quotes), so it comes out as it went in.
    return f"\x00{_TOKEN}:{kind}:{slot}:{arg}\x00"


#: Where candidate/attempt.html puts the answer card's links and the questions (:func:`page_with`).
CARD_PLACE = _marker("card", 0)
QUESTIONS_PLACE = _marker("questions", 0)


@dataclass(frozen=True)
class _Rendered:
    """A paper rendered with its slots unanswered: ``parts`` joined is the text; ``holes`` maps a
    slot to the parts that hold its state, as (index in ``parts``, kind, argument)."""

    parts: tuple[str, ...]
    holes: dict[int, tuple[tuple[int, str, str], ...]]
    split: int
    size: int


@dataclass(frozen=True)
class PaperHtml:
    """The paper part of one exam page: the answer card's links and the questions (HTML)."""

    card: str
    questions: str


class _Cache:
    """Rendered papers, least recently used first out, within ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict[tuple, _Rendered] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> _Rendered | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, rendered: _Rendered) -> None:
        with self.lock:
            if key in self.entries or rendered.size > self.limit:
                return
            self.entries[key] = rendered
            self.size += rendered.size
            while self.size > self.limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size


def _cache() -> _Cache:
    extensions = current_app.extensions
    if _KEY not in extensions:
        extensions[_KEY] = _Cache(current_app.config.get("EXAM_PAPER_CACHE_BYTES", CACHE_BYTES))
    return extensions[_KEY]


def _render(sections: list[SectionHeading], items: list[ItemView], text_limits: dict[str, int]) -> _Rendered:
    pieces = _MARKER.split(render_template("candidate/_paper.html", items=items, sections=sections,
                                           text_limits=text_limits, m=_marker))
    # pieces: text, kind, slot, argument, text, kind, slot, argument, ..., text
    parts: list[str] = []
    holes: dict[int, list[tuple[int, str, str]]] = {}
    split = -1
    for at in range(0, len(pieces), 4):
        parts.append(pieces[at])
        if at + 1 == len(pieces):
            break
        kind, slot, arg = pieces[at + 1], int(pieces[at + 2]), pieces[at + 3]
        if kind == "split":
            split = len(parts)
            continue
        holes.setdefault(slot, []).append((len(parts), kind, arg))
        parts.append(_fill(kind, arg, _UNANSWERED))
    return _Rendered(tuple(parts), {slot: tuple(found) for slot, found in holes.items()}, split,
                     sum(map(len, parts)))


_UNANSWERED = SlotState(None, 0, False)


def _fill(kind: str, arg: str, state: SlotState) -> str:
    """The text at a marker of ``kind`` for a slot in ``state``; the same escaping as the template."""
    response = state.response
    if kind == "version":
        return str(state.version)
    if kind == "answered":
        return ' class="answered"' if state.answered else ""
    if kind == "checked":  # a choice: the display letters chosen
        return "checked" if response and arg in response else ""
    if kind == "tf":
        return "checked" if response == arg else ""
    if kind == "blank":
        n = int(arg)
        return str(escape(response[n])) if response and n < len(response) else ""
    if kind == "text":
        return str(escape(response or ""))
    raise ValueError(f"unknown paper marker {kind!r}")


def lookup(page: ExamPage, text_limits: dict[str, int]) -> _Rendered | None:
    """This app's rendering of ``page``'s paper in the current language, or None when it has none
    (then read the paper with :func:`question_bank.services.exam_page.paper_questions` and pass it
    to :func:`show`). ``text_limits`` are the answer fields' ``maxlength`` ({"blank": characters,
    "text": characters})."""
    return _cache().get(_key(page, text_limits))


def show(page: ExamPage, text_limits: dict[str, int], rendered: _Rendered | None,
         questions: tuple[list[SectionHeading], list[ItemView]] | None = None) -> PaperHtml:
    """The answer card's links and the questions of ``page``, each slot showing its state, from
    ``rendered`` (:func:`lookup`) or, when that is None, from ``questions`` (sections and items,
    :func:`~question_bank.services.exam_page.paper_questions`), which it renders and keeps.
    Reads nothing from the database."""
    if rendered is None:
        if questions is None:
            raise ValueError("a paper with no rendering needs its questions")
        rendered = _render(*questions, text_limits)
        _cache().put(_key(page, text_limits), rendered)
    parts = list(rendered.parts)
    for slot, state in page.states.items():
        if state.version:
            for at, kind, arg in rendered.holes.get(slot, ()):
                parts[at] = _fill(kind, arg, state)
    return PaperHtml("".join(parts[:rendered.split]), "".join(parts[rendered.split:]))


def page_with(page: str, paper: PaperHtml) -> str:
    """``page`` (candidate/attempt.html rendered with ``CARD_PLACE`` and ``QUESTIONS_PLACE``) with
    the paper put in those places. Both are the output of autoescaped templates, and the answers
    put into the paper are escaped as the template escapes them (:func:`_fill`), so nothing is
    marked safe that a person typed."""
    return page.replace(CARD_PLACE, paper.card, 1).replace(QUESTIONS_PLACE, paper.questions, 1)


def _key(page: ExamPage, text_limits: dict[str, int]) -> tuple:
    return (str(get_locale()), tuple(sorted(text_limits.items())), page.paper_key)
