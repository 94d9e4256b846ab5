"""Reading an uploaded table of questions: an .xlsx workbook or a CSV file, decided by content.

What a file *is* is decided from its bytes, never from its name: an old binary ``.xls`` (OLE2), a
macro workbook, a picture or a web page renamed ``.xlsx`` are refused with a message that says what
the file is and what to do. Workbooks are read with openpyxl in read-only mode with ``data_only``:
a formula cell gives the value Excel last saved for it, and is never evaluated here. A formula cell
without a saved value (files written by programs rather than by Excel) would read as empty, so
when a sheet holds formulas at all it is read a second time without ``data_only`` to find those
cells: :attr:`Row.formulas` names them and the template reports them instead of "empty".
openpyxl parses the XML through defusedxml, which is installed.

CSV is read as UTF-8 (with or without a byte-order mark) when the bytes are valid UTF-8, and
otherwise as GB18030, the superset of GBK that Excel on Chinese Windows writes ("CSV" save).
Line ends may be CRLF or LF. Fully empty rows are skipped everywhere.

Every refusal raises :class:`~question_bank.errors.InvalidInput` with one problem whose
:class:`~question_bank.errors.Place` names the file (and the sheet and row where there is one).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml.common import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from question_bank.errors import N_, InvalidInput, Msg, Place, Problem

#: Largest file accepted, in bytes (the web layer refuses larger requests before reading them).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total unpacked size of a workbook's parts, in bytes: a guard against ZIP bombs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Question rows one file may hold (the header row not counted); more belongs in several files.
MAX_DATA_ROWS = 20_000
#: Columns read; a row with content further right is refused.
MAX_COLUMNS = 40
#: Longest cell, in characters; longer cells are a row-level error (see ``template``).
MAX_CELL_CHARS = 10_000
#: Sheet rows (empty ones included) read before giving up on a sheet formatted far below its data.
MAX_SHEET_ROWS = 200_000

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A formula element <f …> of SpreadsheetML, with or without a namespace prefix; every formula cell
#: (plain, shared, array, data table) has one, so a sheet part without it has no formula.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
#: Bytes of a sheet part read at a time while looking for a formula element.
_SCAN_CHUNK = 1024 * 1024
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
#: Other files people pick by mistake, recognised by their first bytes.
_OTHER_KINDS = (
    (b"\x89PNG\r\n\x1a\n", Msg(N_("PNG image"))),
    (b"\xff\xd8\xff", Msg(N_("JPEG image"))),
    (b"GIF8", Msg(N_("GIF image"))),
    (b"%PDF", Msg(N_("PDF document"))),
    (b"Rar!", Msg(N_("RAR archive"))),
    (b"7z\xbc\xaf\x27\x1c", Msg(N_("7-Zip archive"))),
)
#: What openpyxl and zipfile raise on a damaged or hostile workbook.
_WORKBOOK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, InvalidFileException, ParseError,
                    DefusedXmlException, KeyError, ValueError, TypeError, IndexError, AttributeError,
                    OSError, EOFError)


@dataclass(frozen=True)
class Row:
    """One non-empty row: ``number`` as the spreadsheet program shows it (1 = the first row; for a
    CSV the record number, which is the line number unless a cell spans lines), and its cells as
    text, ``""`` for an empty cell. ``formulas`` holds the 0-based positions of cells that hold a
    formula without a saved value (their text is ``""``; the formula is neither run nor read)."""

    number: int
    cells: tuple[str, ...]
    formulas: frozenset[int] = frozenset()


@dataclass
class Sheet:
    """One sheet of a workbook, or the single table of a CSV (``name`` is ``""`` then)."""

    name: str
    _read: Callable[[], Iterator[Row]]

    def rows(self) -> Iterator[Row]:
        """The sheet's non-empty rows in order. Raises :class:`InvalidInput` when it is too large."""
        return self._read()


@dataclass
class Table:
    """A file read for import: ``file_format`` is "xlsx" or "csv"; ``encoding`` is the CSV's
    ("utf-8" or "gb18030"), ``""`` for a workbook."""

    file_format: str
    encoding: str
    sheets: list[Sheet]


def refuse(filename: str, message: str, where: Place | None = None, **params: Any) -> InvalidInput:
    """The error for a file that cannot be read at all, placed on the file (and on ``where``'s
    sheet and row when given)."""
    return InvalidInput([Problem(message, params, replace(where or Place(), file=filename))])


def read_table(filename: str, data: bytes) -> Table:
    """Read an uploaded file, deciding its kind from its bytes. Raises :class:`InvalidInput`."""
    if not data:
        raise refuse(filename, N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise refuse(filename, N_("The file is larger than %(mb)d MB; split it into several files."),
                     mb=MAX_FILE_BYTES // (1024 * 1024))
    if data.startswith(_OLE2):
        raise refuse(filename, N_("This is an old Excel 97–2003 workbook (.xls) or a password-protected "
                                  "workbook. Remove any password and save it as an Excel workbook (.xlsx)."))
    if data.startswith(_ZIP):
        return Table("xlsx", "", _workbook_sheets(filename, data))
    for magic, kind in _OTHER_KINDS:
        if data.startswith(magic):
            raise refuse(filename, N_("This file is a %(kind)s, not a spreadsheet. Upload an .xlsx workbook "
                                      "or a CSV file."), kind=kind)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table")) or b"<html" in head:
        raise refuse(filename, N_("This file is a web page or XML document, not a spreadsheet (some systems "
                                  "export HTML named .xls). Open it in Excel and save it as .xlsx."))
    encoding, text = _decode_csv(filename, data)
    return Table("csv", encoding, [Sheet("", lambda: _csv_rows(filename, text))])


# --- workbooks -------------------------------------------------------------------------------------

def _workbook_sheets(filename: str, data: bytes) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        names = {info.filename for info in infos}
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except _WORKBOOK_ERRORS:
        raise refuse(filename, N_("This file is damaged: it looks like a ZIP file but cannot be opened.")) from None
    if not content_types:
        raise refuse(filename, N_("This is a ZIP archive, not an Excel workbook. Upload an .xlsx workbook "
                                  "or a CSV file."))
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
        raise refuse(filename, N_("This workbook contains macros (.xlsm). Save it as an Excel workbook "
                                  "(.xlsx) without macros and upload that."))
    if not any(t.encode() in content_types for t in _WORKBOOK_TYPES):
        raise refuse(filename, N_("This is an Office file but not an Excel workbook (perhaps a Word or "
                                  "PowerPoint file). Upload an .xlsx workbook or a CSV file."))
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise refuse(filename, N_("This workbook unpacks to more than %(mb)d MB; split it into several files."),
                     mb=MAX_UNPACKED_BYTES // (1024 * 1024))
    try:
        # data_only: the value Excel cached for a formula cell, never the formula, never evaluated.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        titles = [ws.title for ws in book.worksheets]
        # The same cells as formulas, only to tell "formula without a saved value" from "empty".
        formula_book = (load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                        if has_formulas(archive) else None)
    except _WORKBOOK_ERRORS:
        raise refuse(filename, N_("This workbook cannot be read; it may be damaged. Open it in Excel, "
                                  "save it again as .xlsx and retry.")) from None
    return [Sheet(title, _sheet_reader(filename, book, formula_book, title)) for title in titles]


def has_formulas(archive: zipfile.ZipFile) -> bool:
    """True when some worksheet part of the workbook ``archive`` contains a formula element (read
    in chunks, the tail of each kept so that an element split between two chunks is still seen).
    Also used by the roster import, which reads its workbooks itself."""
    for name in sorted(info.filename for info in archive.infolist()):
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        with archive.open(name) as part:
            tail = b""
            while chunk := part.read(_SCAN_CHUNK):
                if _FORMULA_ELEMENT.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _sheet_reader(filename: str, book: Any, formula_book: Any, title: str) -> Callable[[], Iterator[Row]]:
    def read() -> Iterator[Row]:
        sheet = book[title]
        # Some programs write a wrong <dimension>; without it every row present is read.
        sheet.reset_dimensions()
        place = Place(sheet=title)
        try:
            values = sheet.iter_rows(min_col=1, max_col=MAX_COLUMNS + 1, values_only=True)
            if formula_book is None:
                records = ((number, tuple(_cell_text(v) for v in cells), frozenset())
                           for number, cells in enumerate(values, start=1))
            else:
                formula_sheet = formula_book[title]
                formula_sheet.reset_dimensions()
                # Both parses yield the same rows in the same order: only the formula cells differ.
                formulas = formula_sheet.iter_rows(min_col=1, max_col=MAX_COLUMNS + 1, values_only=True)
                records = ((number, tuple(_cell_text(v) for v in cells), unsaved_formulas(cells, written))
                           for number, (cells, written) in enumerate(zip(values, formulas), start=1))
            yield from _capped(filename, place, records)
        except _WORKBOOK_ERRORS:
            raise refuse(filename, N_("This sheet cannot be read; the workbook may be damaged."), place) from None

    return read


def unsaved_formulas(values: tuple[Any, ...], written: tuple[Any, ...]) -> frozenset[int]:
    """0-based positions where a row's cell holds a formula (``written``: the row read without
    ``data_only``) but no saved value (``values``: the same row read with it)."""
    return frozenset(
        position for position, (value, formula) in enumerate(zip(values, written))
        if value is None and (isinstance(formula, (ArrayFormula, DataTableFormula))
                              or (isinstance(formula, str) and formula.startswith("=")))
    )


def _cell_text(value: Any) -> str:
    """A cell value as text: whole numbers without ".0", dates in ISO form, booleans as TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --- CSV ---------------------------------------------------------------------------------------------

def _decode_csv(filename: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(filename, N_("This text file is in UTF-16 (\"Unicode text\"). Save it as \"CSV UTF-8\" "
                                  "or as CSV and upload that."))
    if b"\x00" in data:
        raise refuse(filename, N_("This file contains NUL bytes, so it is not a CSV text file. Upload an "
                                  ".xlsx workbook or save the table as CSV."))
    has_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        # Strict UTF-8 first: GB18030 would accept most UTF-8 byte sequences and garble them.
        return "utf-8", (data[3:] if has_bom else data).decode("utf-8")
    except UnicodeDecodeError as exc:
        if has_bom:
            raise refuse(filename, N_("This file is marked as UTF-8 but is not valid UTF-8 (byte %(pos)d). "
                                      "Save it again as \"CSV UTF-8\" and upload that."), pos=exc.start + 3) from None
    try:
        return "gb18030", data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise refuse(filename, N_("This file is neither UTF-8 nor GB18030/GBK text (undecodable byte at "
                                  "position %(pos)d). Save it as \"CSV UTF-8\" and upload that."),
                     pos=exc.start) from None


def _csv_rows(filename: str, text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from _capped(filename, Place(), ((n, tuple(cells), frozenset()) for n, cells in enumerate(reader, start=1)))
    except csv.Error as exc:
        raise refuse(filename, N_("The CSV cannot be read near line %(line)d: %(reason)s"),
                     line=reader.line_num, reason=str(exc)) from None


def _capped(filename: str, place: Place,
            records: Iterator[tuple[int, tuple[str, ...], frozenset[int]]]) -> Iterator[Row]:
    """Non-empty rows, trailing empty cells dropped, with the caps on rows and columns applied;
    ``place`` is the sheet's (empty for a CSV). A formula without a saved value counts as content."""
    kept = 0
    for number, cells, formulas in records:
        if number > MAX_SHEET_ROWS:
            raise refuse(filename, N_("The sheet runs beyond row %(n)d; delete the empty rows below the data."),
                         place, n=MAX_SHEET_ROWS)
        width = len(cells)
        while width and not cells[width - 1].strip() and width - 1 not in formulas:
            width -= 1
        if not width:
            continue
        if width > MAX_COLUMNS:
            raise refuse(filename, N_("Row %(row)d has content beyond column %(n)d; a question row has at most "
                                      "%(n)d columns."), replace(place, row=number), row=number, n=MAX_COLUMNS)
        kept += 1
        if kept > MAX_DATA_ROWS + 1:
            raise refuse(filename, N_("The file has more than %(n)d question rows; split it into several files."),
                         place, n=MAX_DATA_ROWS)
        yield Row(number, cells[:width], formulas)
