"""Reading an uploaded table of questions: an .xlsx workbook or a CSV file, opened through the one
guarded way every importer uses (:mod:`question_bank.formats.guarded`, which decides the kind from
the bytes and holds the file to :data:`LIMITS`), its cells read as text here.

A cell is read as Excel shows it (case C-27): its saved value under its number format
(:mod:`question_bank.formats.cell_display`), so a percent cell reads "5%" and a date typed as
3月1日 reads "3月1日". A cell whose text cannot be known exactly (an error value such as ``#N/A``,
a number format that is not applied exactly) is named in :attr:`Row.unreadable` with why, and its
text is ``""``: the template refuses it, never stores a value the author did not see. A formula
cell gives the value Excel last saved for it and is never evaluated; a formula without a saved
value is named in :attr:`Row.formulas` and the template reports it instead of "empty". Fully empty
rows are skipped everywhere.

Every refusal raises :class:`~question_bank.errors.InvalidInput` with one problem whose
:class:`~question_bank.errors.Place` names the file (and the sheet and row where there is one).
"""

from __future__ import annotations

import dataclasses

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from question_bank.errors import N_, Place
from question_bank.formats.cell_display import NotShown, as_excel_keeps, shown_text, shows_fewer_digits
from question_bank.formats.guarded import Limits, UploadSheet, open_upload, refuse
from question_bank.formats.guarded.layout import RowLayout
from question_bank.formats.guarded.sheets import ErrorValue

#: Largest file accepted, in bytes (the web layer refuses larger requests before reading them).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Question rows one file may hold (the header row not counted); more belongs in several files.
MAX_DATA_ROWS = 20_000
#: Columns read; a row with content further right is refused.
MAX_COLUMNS = 40
#: Longest cell, in characters; longer cells are a row-level error (see ``template``).
MAX_CELL_CHARS = 10_000
#: Sheet rows (empty ones included) read before giving up on a sheet formatted far below its data.
MAX_SHEET_ROWS = 200_000
#: What one question file may cost (README, "Uploads"): room for 20,000 questions of 20 filled cells
#: each, in a sheet formatted well beyond its data, read twice when it holds formulas (6 to 15 s on
#: the 2-core test machine, ``bench/upload_memory.py``); time is the backstop, not the bound.
LIMITS = Limits(max_file_bytes=MAX_FILE_BYTES, max_rows=MAX_SHEET_ROWS, max_columns=MAX_COLUMNS,
                max_cells=MAX_DATA_ROWS * 20, max_cell_elements=2_000_000, max_seconds=30)
#: The same limits for a background import job, which holds no request: more time to read, so
#: that a file of the largest size is not refused on a busy machine (every other limit the same).
BACKGROUND_LIMITS = dataclasses.replace(LIMITS, max_seconds=600)


@dataclass(frozen=True)
class Row:
    """One non-empty row: ``number`` as the spreadsheet program shows it (1 = the first row; for a
    CSV the record number, which is the line number unless a cell spans lines), and its cells as
    text as Excel shows it, ``""`` for an empty cell. ``formulas`` holds the 0-based positions of cells that hold a
    formula without a saved value (their text is ``""``; the formula is neither run nor read)."""

    number: int
    cells: tuple[str, ...]
    formulas: frozenset[int] = frozenset()
    #: 0-based position → (message msgid, params) of each cell whose shown text is not known.
    unreadable: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    #: Whether the row or some of its filled cells are hidden, and which cells are merged
    #: (:class:`~question_bank.formats.guarded.layout.RowLayout`); the importer decides.
    layout: RowLayout = RowLayout()


@dataclass
class Sheet:
    """One sheet of a workbook, or the single table of a CSV (``name`` is ``""`` then)."""

    name: str
    _read: Callable[[], Iterator[Row]]
    #: Excel's sheet state: "visible", "hidden" or "veryHidden" (a CSV's one table is visible).
    state: str = "visible"

    def rows(self) -> Iterator[Row]:
        """The sheet's non-empty rows in order. Raises :class:`InvalidInput` when it is too large."""
        return self._read()


@dataclass
class Table:
    """A file read for import: ``file_format`` is "xlsx" or "csv"; ``encoding`` is the CSV's
    ("utf-8", "utf-16" or "gb18030"), ``""`` for a workbook."""

    file_format: str
    encoding: str
    sheets: list[Sheet]


def read_table(filename: str, data: bytes, limits: Limits = LIMITS) -> Table:
    """Read an uploaded file, deciding its kind from its bytes, within ``limits`` (:data:`LIMITS`
    in a request; :data:`BACKGROUND_LIMITS` in a background job). Raises :class:`InvalidInput`."""
    upload = open_upload(filename, data, limits)
    return Table(upload.kind, upload.encoding,
                 [Sheet(sheet.title, _text_rows(filename, sheet), sheet.state) for sheet in upload.sheets])


def _text_rows(filename: str, sheet: UploadSheet) -> Callable[[], Iterator[Row]]:
    def read() -> Iterator[Row]:
        kept = 0
        for row in sheet.rows(number_formats=True):
            kept += 1
            if kept > MAX_DATA_ROWS + 1:
                raise refuse(filename, N_("The file has more than %(n)d question rows; split it into several files."),
                             Place(sheet=sheet.title), n=MAX_DATA_ROWS)
            cells, unreadable = [], {}
            for position, value in enumerate(row.values):
                number_format = row.number_formats[position] if position < len(row.number_formats) else "General"
                try:
                    cells.append(cell_text(value, number_format))
                except NotShown as exc:
                    cells.append("")
                    unreadable[position] = (exc.args[0], exc.args[1])
            yield Row(row.number, tuple(cells), row.unsaved_formulas, unreadable, row.layout)

    return read


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as the text Excel shows for it (:func:`cell_display.shown_text`). Raises
    :class:`NotShown` for an error value, a format that cannot be applied exactly, or a long whole
    number that General shows with digits lost (:func:`cell_display.shows_fewer_digits`: an ID or
    document number typed as a number, which Excel has rounded; neither the rounded number nor
    the "1.23457E+17" shown is what the author wrote)."""
    if isinstance(value, ErrorValue):
        raise NotShown(N_("this cell shows the error value %(value)s, not a value; correct the formula or "
                          "type the value itself"), {"value": str(value)})
    if shows_fewer_digits(value, number_format):
        if (number_format or "General").strip().casefold() in ("general", "@"):
            # General shows a long whole number in scientific notation: the digits are hidden.
            raise NotShown(N_("this cell holds the long number %(value)s as a number, which Excel's General format "
                              "shows as %(shown)s, hiding its digits; format the cell as 文本 (Text) and type the "
                              "number again"), {"value": shown_text(value, "0"), "shown": shown_text(value, number_format)})
        # A format showing every digit: Excel kept 15 significant digits when the number was typed.
        raise NotShown(N_("this cell holds a number of more than 15 digits, which Excel shows as %(shown)s: Excel "
                          "keeps only 15 digits of a number and turned the rest into zeros, so it is not what was "
                          "typed; format the cell as 文本 (Text) and type the number again"),
                       {"shown": shown_text(as_excel_keeps(value), number_format)})
    return shown_text(value, number_format)
