"""Which reader an uploaded question file gets: the template (.xlsx, CSV), Moodle XML, GIFT or JSON
Lines, chosen by the person or recognised from the file, all going through the one importer
(``services.importing``: checks, duplicates, all-or-nothing or valid rows, batch, review, audit).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.formats import gift, moodle_xml, question_jsonl
from question_bank.formats.guarded.kinds import ZIP
from question_bank.formats.guarded.text import DELIMITERS
from question_bank.formats.spreadsheet import Row
from question_bank.formats.template import read_header
from question_bank.formats.interchange import Reader
from question_bank.models import User
from question_bank.services import importing

AUTO = "auto"
#: Readers by format code (the import form's choices, after :data:`AUTO`).
READERS: dict[str, Reader] = {
    "template": importing.read_template,
    "moodle_xml": moodle_xml.read,
    "gift": gift.read,
    "jsonl": question_jsonl.read,
}
_BY_SUFFIX = {".xlsx": "template", ".csv": "template", ".xml": "moodle_xml", ".gift": "gift", ".jsonl": "jsonl",
              ".ndjson": "jsonl"}
#: A GIFT question or category line: "::title::", "$CATEGORY:", or text followed by an answer block.
#: How many of a text file's first non-empty lines may be a title before the template's header row.
_HEADER_SEARCH_LINES = 5
_GIFT_SIGNS = re.compile(r"^\s*(::|\$CATEGORY:)|[^\s{][^{\n]*\{\s*([=~]|T\s*}|F\s*}|TRUE|FALSE|})", re.MULTILINE)


def detect(filename: str, data: bytes) -> str:
    """The format of an upload (a key of :data:`READERS`): by the name's suffix, else by the
    content (a ZIP is a workbook; ``<?xml``/``<quiz`` Moodle XML; a first ``{`` JSON Lines; a text
    file one of whose first lines is a template header row — 题型, 题干 … split by tab, comma or
    semicolon — a template CSV, even when a question holds GIFT's ``{ }``; GIFT's signs in any other
    text file); anything else is read as a template CSV, whose reader says what is wrong."""
    name = filename.lower()
    for suffix, code in _BY_SUFFIX.items():
        if name.endswith(suffix):
            return code
    if data.startswith(ZIP):
        return "template"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<quiz")):
        return "moodle_xml"
    if head.startswith(b"{"):
        return "jsonl"
    text = _head_text(data[:4096])
    if _has_template_header(text):
        return "template"
    return "gift" if _GIFT_SIGNS.search(text) else "template"


def _head_text(head: bytes) -> str:
    """The start of a text upload as text: UTF-16 by its mark, UTF-8 when it decodes, else GB18030
    (how Chinese Excel saves "文本文件(制表符分隔)"); a cut last character is dropped, not refused."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    body = head.removeprefix(b"\xef\xbb\xbf")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 3:  # only the last character was cut by the 4 KiB window
            return body[:exc.start].decode("utf-8")
    return body.decode("gb18030", errors="ignore")


def _has_template_header(text: str) -> bool:
    """Whether one of the first :data:`_HEADER_SEARCH_LINES` non-empty lines of ``text``, split by
    any of the template's delimiters, is a header row :func:`read_header` recognises."""
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()][:_HEADER_SEARCH_LINES]
    for number, line in enumerate(lines, start=1):
        for delimiter in DELIMITERS:
            if delimiter in line:
                cells = tuple(cell.strip().strip('"') for cell in line.split(delimiter))
                if read_header(Row(number, cells)) is not None:
                    return True
    return False


def import_file(session: Session, clock: Clock, actor: User, filename: str, data: bytes,
                mode: str = importing.ALL_OR_NOTHING, file_format: str = AUTO,
                repeats: str = importing.ASK, progress: importing.Progress | None = None,
                background: bool = False) -> importing.ImportReport:
    """Import ``data`` in ``file_format`` (a key of :data:`READERS`, or :data:`AUTO` for
    :func:`detect`) through :func:`importing.import_questions`, which says what it returns and
    raises. Raises :class:`InvalidInput` for an unknown format."""
    code = detect(filename, data) if file_format == AUTO else file_format
    reader = READERS.get(code)
    if reader is None:
        raise InvalidInput([Problem(N_("unknown import format %(format)s"), {"format": code[:20]}, "format")])
    return importing.import_questions(session, clock, actor, filename, data, mode, reader=reader, repeats=repeats,
                                      progress=progress, background=background)
