"""Writers for tabular exports: (headers, rows) in, CSV or xlsx bytes out.

Every export is first built as ``(headers, rows)`` and then handed to a writer (indico's
spreadsheet pattern, style.md), so the CSV and the xlsx of the same data can never disagree.

Cells are ``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``datetime.date``, naive
``datetime.datetime`` (local time: spreadsheets have no time zones) or ``None`` (an empty cell).

Both writers neutralise formula injection (OWASP "CSV Injection"; ASVS 5.0 requirement 1.2.10) in
a text cell whose first character a spreadsheet could read as the start of a formula
(:func:`needs_neutralising`), each in the way its format allows. Real numbers stay numbers and are
never touched, so ``-3`` as an ``int`` is a number while the text ``"-3"`` is neutralised.

- CSV: UTF-8 with exactly one byte-order mark (Excel on Chinese Windows needs it to read UTF-8,
  case C-14), CRLF line ends and RFC 4180 quoting (the ``csv`` module's minimal quoting). CSV has
  no cell types, so such a cell gets a leading apostrophe (OWASP's advice): ``"'-3"``.
- xlsx (XlsxWriter for :func:`to_xlsx_bytes`, openpyxl's write-only mode for
  :func:`write_xlsx_rows`; their files read back alike): text cells are always typed string cells,
  never formulas or error values, whatever they begin with; numbers and dates are numeric cells.
  Such a cell keeps its text as it is (an
  apostrophe there would be shown as part of the cadre's name) and gets the quote-prefix style
  (the ``quotePrefix`` attribute of the cell format ``xf``, ECMA-376 Part 1): Excel and WPS show
  the text unchanged and keep it text when someone edits the cell, where it would otherwise be
  read again as a formula.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Row = Sequence[Any]

#: First characters that make a spreadsheet read a cell as a formula (= + - @), or that it skips
#: before reading one (tab, CR, LF, NUL). The full-width forms are included because CJK input
#: methods produce them and some spreadsheet versions convert them to their ASCII forms.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0＝＋－＠")

#: Rows per chunk of the streamed CSV: large enough to keep the number of writes small.
CSV_ROWS_PER_CHUNK = 200

#: Widest column of an xlsx sheet, in characters (so one long cell does not make a sheet unusable).
MAX_COLUMN_WIDTH = 60

#: Most characters an xlsx cell holds (Excel's limit): :func:`to_xlsx_bytes` cuts a longer text there.
XLSX_MAX_CELL_TEXT = 32_767


def needs_neutralising(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula.

    Besides the first character itself, the first character after any leading spaces and control
    characters is checked too, since some spreadsheets skip those before looking for ``=``.
    """
    if not text:
        return False
    first = text[0]
    # (the first visible character is the first one unless that is a space or a control character)
    return first in FORMULA_TRIGGERS or ((first.isspace() or unicodedata.category(first) == "Cc")
                                         and _first_visible(text) in FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """``text`` made safe to open as CSV: prefixed with ``'`` when a spreadsheet could take it for a
    formula (:func:`needs_neutralising`), and when it already reads as so prefixed (``"'=1+1"``
    typed so becomes ``"''=1+1"``), so that two texts never come out the same (an outside trial
    found a name typed ``'=1+1`` written as the one typed ``=1+1``)."""
    return "'" + text if needs_neutralising(text) or _reads_neutralised(text) else text


def unneutralise(text: str) -> str:
    """The inverse of :func:`neutralise` for a text read back from such a CSV: ``"'=1+1"`` →
    ``"=1+1"``, ``"''=1+1"`` → ``"'=1+1"``; any other text (an apostrophe before ordinary text,
    say) is returned unchanged."""
    return text[1:] if _reads_neutralised(text) else text


def _reads_neutralised(text: str) -> bool:
    """Whether ``text`` is one or more apostrophes before a text a spreadsheet could take for a formula."""
    rest = text.lstrip("'")
    return len(rest) < len(text) and needs_neutralising(rest)


def _first_visible(text: str) -> str:
    for char in text:
        if not (char.isspace() or unicodedata.category(char) == "Cc"):
            return char
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _check_cell(value: Any) -> None:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError(f"aware datetime {value!r}: convert it to local time before exporting")


# --- CSV -------------------------------------------------------------------------------------------

def _csv_text(value: Any) -> str:
    """The CSV text of one cell."""
    _check_cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        # Plain notation: Decimal("1E+2") would otherwise be written as "1E+2".
        return format(value, "f")
    if _is_number(value):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def iter_csv_bytes(headers: Sequence[str], rows: Iterable[Row], rows_per_chunk: int = CSV_ROWS_PER_CHUNK,
                   preamble: Sequence[Row] = ()) -> Iterator[bytes]:
    """The CSV as a stream of byte chunks, for a streamed HTTP response.

    ``preamble`` rows (a header block saying what the table is: title, filter, who made it; or our export's mark) come
    first, neutralised like any cell. The first chunk carries the byte-order mark, the preamble
    and the header row; no later chunk carries a BOM, so the joined chunks equal
    :func:`to_csv_bytes`. Raises ``ValueError`` for an aware datetime.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    for line in preamble:
        writer.writerow([_csv_text(v) for v in line])
    writer.writerow([_csv_text(h) for h in headers])
    yield codecs.BOM_UTF8 + take()
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield take()
            pending = 0
    if pending:
        yield take()


def to_csv_bytes(headers: Sequence[str], rows: Iterable[Row]) -> bytes:
    """The whole CSV: UTF-8 with one BOM, CRLF, RFC 4180 quoting, formula triggers neutralised."""
    return b"".join(iter_csv_bytes(headers, rows))


# --- xlsx ------------------------------------------------------------------------------------------

#: The underscore starting something that reads as an OOXML escape _xHHHH_ (ECMA-376 Part 1, §22.9.2.19).
_OOXML_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")

#: Pixels per character of a column's width: a digit of Calibri 11, both writers' default font.
_PIXELS_PER_CHARACTER = 7
#: Distinct texts of one column a sheet keeps what it wrote them as (the first ones met). Kept per
#: column, so that a column of distinct texts (names, ID numbers) does not take the places of the
#: repeated texts of another (a 50,000-row sheet's units met after its first 4,000 rows were
#: worked out again on every row, issue 7).
_TEXTS_KEPT = 2048


def _xlsx_text(original: str) -> tuple[str, bool, bool]:
    """A text cell's text as an xlsx can carry it, whether it gets the quote-prefix style, and
    whether the CSV would neutralise it (:func:`needs_neutralising` of ``original``).

    XML 1.0 cannot carry most control characters; they are dropped from the xlsx only. The check
    is made before and after the drop: "\\0=1+1" is written as "=1+1"."""
    text = ILLEGAL_CHARACTERS_RE.sub("", original)
    in_csv = needs_neutralising(original)
    return text, in_csv or (text != original and needs_neutralising(text)), in_csv


def _xlsx_cell(sheet: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
    """One cell for openpyxl's write-only mode (:func:`write_xlsx_rows`)."""
    _check_cell(value)
    if value is None or _is_number(value) or isinstance(value, bool | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        text, flagged, _ = _xlsx_text(str(value))
        # A text that itself reads like an OOXML escape ("_x000D_") gets its underscore escaped as
        # "_x005F_", as Excel writes it, so that reading the file back (which decodes the escapes,
        # ``guarded.workbook.as_shown``) gives the text as written.
        cell = WriteOnlyCell(sheet, value=_OOXML_ESCAPE_LIKE.sub("_x005F_", text))
        # openpyxl guesses "=…" to be a formula and "#N/A" an error value; a text cell is text.
        cell.data_type = "s"
        if flagged:
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _display_width(value: Any) -> int:
    """The columns the cell's CSV text takes: CJK characters take two in a spreadsheet's default font."""
    return _text_width(_csv_text(value))


def _text_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_text(original: str) -> tuple[str, bool, int]:
    """``original`` as :func:`to_xlsx_bytes` writes it: the text, whether it gets the quote-prefix
    style, and the width of its CSV text."""
    text, flagged, in_csv = _xlsx_text(original)
    # An XML parser reads CR and CR LF as LF (XML 1.0 §2.11): openpyxl's files gave LF, and
    # XlsxWriter would keep a CR as "_x000D_".
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A cell holds at most 32,767 characters (Excel's limit; XlsxWriter cuts a longer string
    # there itself, and would drop a longer rich string).
    return text[:XLSX_MAX_CELL_TEXT], flagged, _text_width(original) + in_csv


class _XlsxSheet:
    """One worksheet written with XlsxWriter's ``constant_memory`` mode: each row is flushed to a
    temporary file once the next row starts, so memory does not grow with the rows. Cells are
    typed as :func:`to_xlsx_bytes` says; every write returns the width of the cell's CSV text
    (:func:`_display_width`), so the columns can be sized in the same pass."""

    def __init__(self, workbook: xlsxwriter.Workbook, title: str) -> None:
        self.sheet = workbook.add_worksheet(title)
        add = workbook.add_format
        # (bold, quote prefix) → format; openpyxl's number formats for its dates, so that a sheet
        # reads back as it did when openpyxl wrote it.
        self.text_formats = {(False, False): None, (False, True): add({"quote_prefix": True}),
                             (True, False): add({"bold": True}), (True, True): add({"bold": True, "quote_prefix": True})}
        self.date_format = add({"num_format": "yyyy-mm-dd"})
        self.datetime_format = add({"num_format": "yyyy-mm-dd h:mm:ss"})
        # Column → text → what it is written as (:func:`_sheet_text`): a sheet repeats its units,
        # posts and labels on every row. Kept by this sheet only, so no export's names or ID
        # numbers outlive it in the worker.
        self.texts: dict[int, dict[str, tuple[str, bool, int]]] = defaultdict(dict)

    def write(self, row: int, col: int, value: Any, bold: bool = False) -> int:
        sheet = self.sheet
        kind = type(value)
        if kind is str:
            return self._write_text(row, col, value, bold)
        if value is None:
            if bold:
                sheet.write_blank(row, col, None, self.text_formats[True, False])
            return 0
        if kind is Decimal or kind is int or kind is float:
            # Written as a double, as openpyxl wrote it ("%.16g"); NaN and infinity, which a sheet
            # has no number for, as an empty cell, as openpyxl's empty value read back.
            if kind is int or math.isfinite(value):
                sheet.write_number(row, col, float(value) if kind is Decimal else value, self.text_formats[bold, False])
            return len(format(value, "f") if kind is Decimal else str(value))
        if kind is dt.datetime:
            _check_cell(value)
            sheet.write_datetime(row, col, value, self.datetime_format)
            return len(value.isoformat(sep=" "))
        if kind is dt.date:
            sheet.write_datetime(row, col, value, self.date_format)
            return 10
        if kind is bool:
            sheet.write_boolean(row, col, value, self.text_formats[bold, False])
            return len(_csv_text(value))
        # Subclasses (a StrEnum, a date-time subclass…) take the slow road through isinstance.
        if isinstance(value, bool):
            return self.write(row, col, bool(value), bold)
        if _is_number(value):
            base = Decimal if isinstance(value, Decimal) else int if isinstance(value, int) else float
            return self.write(row, col, base(value), bold)
        if isinstance(value, dt.datetime):
            _check_cell(value)
            return self.write(row, col, dt.datetime.combine(value.date(), value.time()), bold)
        if isinstance(value, dt.date):
            return self.write(row, col, dt.date(value.year, value.month, value.day), bold)
        return self._write_text(row, col, value, bold)

    def _write_text(self, row: int, col: int, value: Any, bold: bool) -> int:
        original = value if type(value) is str else str(value)
        texts = self.texts[col]
        known = texts.get(original)
        if known is None:
            known = _sheet_text(original)
            if len(texts) < _TEXTS_KEPT:
                texts[original] = known
        text, flagged, width = known
        cell_format = self.text_formats[bold, flagged]
        if not text:
            # openpyxl wrote an empty text as an empty cell, which reads back as no value
            if cell_format is not None:
                self.sheet.write_blank(row, col, None, cell_format)
        elif text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter takes such a string for rich-string XML it made itself and writes it as it
            # is; as a rich string of three plain runs it is escaped and reads back whole.
            runs = [text[0], text[1], text[2:]] + ([cell_format] if cell_format is not None else [])
            self.sheet.write_rich_string(row, col, *runs)
        else:
            self.sheet.write_string(row, col, text, cell_format)
        return width

    def size_columns(self, widths: Sequence[int]) -> None:
        """Column ``i`` ``widths[i]`` characters wide, stored as openpyxl stored a width (XlsxWriter
        takes the width Excel's dialog shows, which is the stored one less the font's padding)."""
        for col, width in enumerate(widths):
            self.sheet.set_column_pixels(col, col, width * _PIXELS_PER_CHARACTER)


def to_xlsx_bytes(headers: Sequence[str], rows: Iterable[Row], sheet_title: str = "Sheet1") -> bytes:
    """The sheet as an .xlsx workbook: a bold header row frozen at the top, columns sized to fit
    (the longest CSV text of the column plus two, at most :data:`MAX_COLUMN_WIDTH`), text cells
    typed as strings (with the ``quotePrefix`` style where a spreadsheet could take them for a
    formula), numbers and dates numeric (dates as ``yyyy-mm-dd``, date-times as
    ``yyyy-mm-dd h:mm:ss``); an empty text or None is an empty cell.

    Written by XlsxWriter in its ``constant_memory`` mode, one pass over ``rows`` (a 50,000-row
    score sheet in a third of openpyxl's time, issue 7). ``sheet_title`` is cut to Excel's 31
    characters with ``[]:*?/\\`` removed. Raises ``ValueError`` for an aware datetime.
    """
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = _XlsxSheet(workbook, _safe_sheet_title(sheet_title))
    widths = [sheet.write(0, col, header, bold=True) for col, header in enumerate(headers)]
    sized = len(widths)
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            width = sheet.write(number, col, value)
            if col < sized and width > widths[col]:
                widths[col] = width
    sheet.size_columns([min(width + 2, MAX_COLUMN_WIDTH) for width in widths])
    sheet.sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()


def write_xlsx_rows(headers: Sequence[str], rows: Iterable[Row], out: IO[bytes], sheet_title: str = "Sheet1",
                    widths: Sequence[int] = (), preamble: Sequence[Row] = (),
                    comments: Iterable[dict[int, str]] | None = None) -> None:
    """Like :func:`to_xlsx_bytes`, but rows are written as they come (openpyxl's write-only mode)
    into ``out``, so memory does not grow with their number; column ``i`` is ``widths[i]``
    characters wide (default: the header's width), as the rows are not looked at beforehand.
    ``preamble`` rows go above the header row (its first cell bold: the title), and the panes
    freeze below the header row. ``comments``, when given, runs alongside ``rows``: for each row,
    column index (from 0) → a cell comment (Excel's note) to attach."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_safe_sheet_title(sheet_title))
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if index <= len(widths) else _display_width(header) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = f"A{len(preamble) + 2}"
    for number, line in enumerate(preamble):
        sheet.append([_xlsx_cell(sheet, v, bold=number == 0 and i == 0) for i, v in enumerate(line)])
    sheet.append([_xlsx_cell(sheet, h, bold=True) for h in headers])
    notes = iter(comments) if comments is not None else None
    for row in rows:
        cells = [_xlsx_cell(sheet, v) for v in row]
        for index, text in (next(notes) if notes is not None else {}).items():
            cells[index].comment = Comment(text, "examsvc", width=300, height=120)
        sheet.append(cells)
    workbook.save(out)


#: Excel's limit on a sheet name, in UTF-16 code units (so a character outside the Basic Multilingual
#: Plane, such as the place-name character 𠮷 or an emoji, counts twice, as XlsxWriter counts it).
SHEET_NAME_UNITS = 31


def _safe_sheet_title(title: str) -> str:
    """``title`` as Excel takes a sheet name: ``[]:*?/\\`` and control characters removed, cut to
    :data:`SHEET_NAME_UNITS` UTF-16 units without splitting a character, no apostrophe or space at
    either end (also after the cut: XlsxWriter refuses a name ending in an apostrophe), and not
    "History", which Excel keeps for itself; "Sheet1" when nothing is left."""
    cleaned = "".join(c for c in title if c not in "[]:*?/\\" and unicodedata.category(c) != "Cc").strip("' ")
    kept, units = [], 0
    for character in cleaned:
        units += 2 if ord(character) > 0xFFFF else 1
        if units > SHEET_NAME_UNITS:
            break
        kept.append(character)
    cut = "".join(kept).strip("' ")
    return cut if cut and cut.casefold() != "history" else "Sheet1"
