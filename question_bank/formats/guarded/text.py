"""CSV text: decoded once, before anything reads it (ASVS 5.0 1.1.1), its delimiter sniffed, its
records walked within the limits (SEC-U7).

Encodings, in the order they are tried:

- UTF-16 when the file starts with its byte-order mark: what Excel writes for "Unicode text"
  (tab-separated, usually named .txt);
- UTF-8, with or without a byte-order mark ("CSV UTF-8");
- GB18030, the superset of GBK that Excel on Chinese Windows writes for "CSV", and which also
  holds the rare characters (䶮, 𠀀) GBK lacks.

A file that GB18030 reads without error but into nonsense (Big5, Shift-JIS, Windows-1252), and a
file whose lines are in two encodings, are refused, never garbled (:mod:`.encodings`).

A file that is UTF-8 except for a few bytes is UTF-8 damaged, not GB18030 (which would decode it
into nonsense without complaint), and is refused naming the first bad byte and its line: mojibake
is never handed on. The delimiter is sniffed by :class:`csv.Sniffer` among comma, semicolon (Excel
in many European locales) and tab; line ends may be CRLF, LF or CR, also inside quoted cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from question_bank.errors import N_, Place
from question_bank.formats.guarded.encodings import mixed_lines, not_gb
from question_bank.formats.guarded.layout import RowLayout
from question_bank.formats.guarded.limits import Meter, refuse
from question_bank.formats.guarded.sheets import Record

DELIMITERS = ",;\t"
#: A CSV has no hidden rows or columns and no merged cells.
PLAIN_ROW = RowLayout()
#: Text sniffed for the delimiter: the first lines, up to this many characters.
_SNIFF_CHARS = 64 * 1024
#: A file counts as damaged UTF-8 (not GB18030) when it has at least this many well-formed non-ASCII
#: UTF-8 characters for every malformed byte sequence. GBK text read as UTF-8 is mostly malformed.
_UTF8_EVIDENCE = 8
_BOMS_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_BOM_UTF8 = b"\xef\xbb\xbf"


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(filename: str, data: bytes) -> tuple[str, str]:
    """(encoding, text) of the CSV ``data``. Raises :class:`InvalidInput` naming the file and, for
    bytes no encoding accepts, the first such byte and its line."""
    if data.startswith(_BOMS_UTF16):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise refuse(filename, N_("This UTF-16 text file is damaged at byte %(pos)d (line %(line)d). Save it again "
                                      "and upload that."), pos=exc.start, line=_line_of(data, exc.start)) from None
        if "\x00" in text:
            raise _nul(filename, data)
        return "utf-16", text
    if b"\x00" in data:
        raise _nul(filename, data)
    has_bom = data.startswith(_BOM_UTF8)
    body = data[3:] if has_bom else data
    try:
        # Strict UTF-8 first: GB18030 would accept most UTF-8 byte sequences and garble them.
        return "utf-8", body.decode("utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start + (3 if has_bom else 0)
        if has_bom:
            raise refuse(filename, N_("This file is marked as UTF-8 but is not valid UTF-8 (byte %(pos)d, line "
                                      "%(line)d). Save it again as \"CSV UTF-8\" and upload that."),
                         pos=position, line=_line_of(data, position)) from None
        if _mostly_utf8(body):
            raise refuse(filename, N_("This file is UTF-8 text with bytes that are not UTF-8 (byte %(pos)d, line "
                                      "%(line)d); it may have been cut or edited with the wrong encoding. Save it "
                                      "again as \"CSV UTF-8\" and upload that."),
                         pos=position, line=_line_of(data, position)) from None
        mixed = mixed_lines(body)
        if mixed is not None:
            raise refuse(filename, N_("This file mixes two encodings: line %(utf8)d is UTF-8 text but line %(line)d is "
                                      "not (it may be GBK/GB18030, pasted in from another file); read either way, part "
                                      "of it would be garbled. Save the whole file again as \"CSV UTF-8\" and upload "
                                      "that."), Place(line=mixed[1]), utf8=mixed[0], line=mixed[1]) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise refuse(filename, N_("This file is neither UTF-8 nor GB18030/GBK text (undecodable byte %(pos)d, line "
                                  "%(line)d). Save it as \"CSV UTF-8\" and upload that."),
                     pos=exc.start, line=_line_of(data, exc.start)) from None
    verdict = not_gb(data, text)
    if verdict is not None:
        raise refuse(filename, N_("This file does not seem to be UTF-8 or GB18030/GBK text (it may be %(encoding)s): "
                                  "read as GB18030 it is garbled, line %(line)d reading “%(sample)s”. Save it again "
                                  "as \"CSV UTF-8\" and upload that.") if verdict.encoding else
                     N_("This file does not seem to be UTF-8 or GB18030/GBK text: read as GB18030 it is garbled, line "
                        "%(line)d reading “%(sample)s”. Save it again as \"CSV UTF-8\" and upload that."),
                     Place(line=verdict.line), encoding=verdict.encoding, line=verdict.line,
                     sample=verdict.sample)
    return "gb18030", text


def _nul(filename: str, data: bytes):
    """The refusal of a text file holding NUL bytes, saying what the file is where that can be
    told: a ZIP package (an .xlsx workbook sent as a text format), or UTF-16 text saved without
    its byte order mark (every other byte NUL); an issue-5 trial got "not a CSV" for both."""
    if data.startswith(b"PK\x03\x04"):
        return refuse(filename, N_("This file is a ZIP package such as an Excel workbook, not a text file. Choose "
                                   "the workbook format for it (or let the format be recognised)."))
    if _reads_as_utf16(data):
        return refuse(filename, N_("This file looks like UTF-16 text saved without its byte order mark. Save it "
                                   "again as \"CSV UTF-8\" (or as Unicode text with its mark) and upload that."))
    return refuse(filename, N_("This file contains NUL bytes, so it is not a CSV text file. Upload an "
                               ".xlsx workbook or save the table as CSV."))


def _reads_as_utf16(data: bytes) -> bool:
    """True when ``data`` (holding NUL bytes) decodes as UTF-16 of either byte order into lines of
    printable text without NUL: how UTF-16 without a byte order mark looks."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\n" in text and all(ch.isprintable() or ch.isspace() for ch in text):
            return True
    return False


def _mostly_utf8(body: bytes) -> bool:
    """True when ``body`` reads as UTF-8 but for a few malformed sequences."""
    text = body.decode("utf-8", errors="replace")
    malformed = text.count("\ufffd")
    well_formed = len(text) - len(text.encode("ascii", errors="ignore")) - malformed
    return well_formed >= _UTF8_EVIDENCE * malformed


def sniff_delimiter(text: str) -> str:
    """The delimiter of ``text``: :class:`csv.Sniffer`'s choice among comma, semicolon and tab, checked
    against the first line (a header row holds the delimiter); when the sniffer cannot tell, the one
    the first line holds most; a comma when it holds none (a one-column file)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n") + 1]
    first_line = sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in first_line:
        return sniffed
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def csv_records(meter: Meter, text: str, delimiter: str, number_formats: bool) -> Iterator[Record]:
    """(record number, cells, no formulas, ``"@"`` (text) formats if asked) for every record.

    Quotes are read strictly (RFC 4180): a quoted cell ends at a quote followed by the delimiter,
    a line end or the end of the file, and a quote inside it is doubled. A quote that is never
    closed would otherwise take the rest of the file into one cell (or up to the next quote), so
    the file is refused naming the row and the line where that quote was opened
    (:func:`quote_trouble`; issue 5, F4)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, tuple(cells), frozenset(), ("@",) * len(cells) if number_formats else (), PLAIN_ROW
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise refuse(meter.filename, N_("A cell near line %(line)d is longer than %(n)d characters, more than any "
                                            "cell a spreadsheet holds; the file was refused."),
                         line=reader.line_num, n=csv.field_size_limit()) from None
        trouble = quote_trouble(text, delimiter)
        if trouble is not None and trouble.closed_at is None:
            raise refuse(meter.filename, N_(
                "The quote (\") opened in row %(row)d (line %(line)d of the file) is never closed, so the rest of the "
                "file would be read as one cell; the file was refused. Close the quote, or write a quote inside a "
                "cell as two (\"\")."), Place(row=trouble.row, line=trouble.line), row=trouble.row,
                line=trouble.line) from None
        if trouble is not None:
            raise refuse(meter.filename, N_(
                "The quote (\") opened in row %(row)d (line %(line)d of the file) is not closed where its cell "
                "ends: a quote on line %(stray)d neither closes it nor is doubled; the file was refused. Close the quote at the end of its cell, or write a quote "
                "inside a cell as two (\"\")."), Place(row=trouble.row, line=trouble.line), row=trouble.row,
                line=trouble.line, stray=trouble.closed_at) from None
        raise refuse(meter.filename, N_("The CSV cannot be read near line %(line)d: %(reason)s"),
                     line=reader.line_num, reason=str(exc)) from None


@dataclass(frozen=True)
class QuoteTrouble:
    """Where a quoted CSV cell goes wrong: it was opened in record ``row`` (the row a spreadsheet
    shows, from 1) on physical ``line`` (from 1); ``closed_at`` is the line of a quote inside it
    that is neither doubled nor followed by the delimiter or a line end, ``None`` when the quote is
    never closed before the end of the file."""

    row: int
    line: int
    closed_at: int | None


_LINE_END = re.compile(r"\r\n|\r|\n")


def quote_trouble(text: str, delimiter: str) -> QuoteTrouble | None:
    """The first quoted cell of ``text`` that is not closed as RFC 4180 closes one (see
    :class:`QuoteTrouble`); ``None`` when every quoted cell is well closed. A quote not at the start
    of a cell is the author's text, as spreadsheets read it. Walks the text once; called only on a
    file the ``csv`` module refused, to say where."""
    row = line = 1
    position, length, cell_start = 0, len(text), True
    while position < length:
        char = text[position]
        if cell_start and char == '"':
            opened_row, opened_line = row, line
            position += 1
            while True:
                quote = text.find('"', position)
                if quote == -1:
                    return QuoteTrouble(opened_row, opened_line, None)
                line += len(_LINE_END.findall(text, position, quote))
                if text.startswith('""', quote):
                    position = quote + 2
                    continue
                if quote + 1 < length and text[quote + 1] not in (delimiter, "\r", "\n"):
                    return QuoteTrouble(opened_row, opened_line, line)
                position, cell_start = quote + 1, False
                break
        elif char == delimiter:
            position, cell_start = position + 1, True
        elif char in "\r\n":
            position += 2 if text.startswith("\r\n", position) else 1
            row, line, cell_start = row + 1, line + 1, True
        else:
            position, cell_start = position + 1, False
    return None
