"""What an opened upload hands out: sheets of rows of raw cell values, walked within the limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from question_bank.errors import N_, Place
from question_bank.formats.guarded.layout import RowLayout
from question_bank.formats.guarded.limits import Meter, refuse


class ErrorValue(str):
    """An error value Excel saved for a cell (``#N/A``, ``#REF!``, ``#VALUE!`` …): text to show, never
    a value to read. Only workbooks read with number formats mark them."""


@dataclass(frozen=True)
class SheetRow:
    """One row with content.

    ``number`` is the row number the spreadsheet program shows (1 = first; for a CSV the record
    number, which is the line number unless a cell spans lines). ``values`` are the cells from
    column A to the last one with content, as the file holds them: for a workbook the value Excel
    saved (``str``, ``int``, ``float``, ``bool``, ``datetime``, an error text such as ``"#N/A"``,
    or ``None`` for an empty cell; read with number formats, an error value is an
    :class:`ErrorValue`; a formula is never run, only its saved value is read); for a CSV
    always ``str``. ``unsaved_formulas`` holds the 0-based positions of cells that hold a formula
    without a saved value (their value reads ``None``). ``number_formats`` are the cells' number
    formats (``"General"``, ``"0.00"``, ``"yyyy-mm-dd"``, ``"@"`` for text, which every CSV cell is)
    when :meth:`UploadSheet.rows` was asked for them, else ``()``.
    """

    number: int
    values: tuple[Any, ...]
    unsaved_formulas: frozenset[int] = frozenset()
    number_formats: tuple[str, ...] = ()
    #: What the author cannot see of the row and which of its cells are merged
    #: (:class:`~.layout.RowLayout`; a CSV's rows and a plain sheet's have an empty one). A value
    #: a merge shows down a column is already in :attr:`values` (:class:`~.layout.MergeFiller`).
    layout: RowLayout = RowLayout()


#: What a sheet reader yields before the caps: (row number, values, unsaved formulas, number
#: formats, the row's layout).
Record = tuple[int, tuple[Any, ...], frozenset[int], tuple[str, ...], RowLayout]


@dataclass
class UploadSheet:
    """One sheet of a workbook, or the single table of a CSV (``title`` is ``""`` then).
    ``state`` is ``"visible"``, ``"hidden"`` or ``"veryHidden"`` (Excel's sheet states)."""

    title: str
    state: str
    _read: Callable[[bool], Iterator[SheetRow]]

    def rows(self, number_formats: bool = False) -> Iterator[SheetRow]:
        """The rows with content, in order (a sheet may be read again). Raises
        :class:`~question_bank.errors.InvalidInput` as soon as a limit is passed or the sheet
        turns out to be damaged, naming the file, the sheet and, where there is one, the row."""
        return self._read(number_formats)


@dataclass
class Upload:
    """An uploaded file, opened: ``kind`` is ``"xlsx"`` or ``"csv"``; for a CSV ``encoding`` is
    ``"utf-8"``, ``"utf-16"`` or ``"gb18030"`` and ``delimiter`` one of ``,`` ``;`` and tab (both
    ``""`` for a workbook). ``filename`` is the name every problem is placed on."""

    filename: str
    kind: str
    encoding: str
    delimiter: str
    sheets: list[UploadSheet]


def blank(value: Any) -> bool:
    """True for an empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def capped(meter: Meter, place: Place, records: Iterator[Record]) -> Iterator[SheetRow]:
    """The rows with content, trailing empty cells dropped, with the caps on rows walked, columns,
    filled cells and time applied; ``place`` is the sheet's (no sheet for a CSV). A formula without
    a saved value counts as content. The time limit counts the reading only, not the time the
    consumer holds each row (:meth:`Meter.paused`)."""
    limits = meter.limits
    filled = 0
    for number, values, formulas, formats, layout in records:
        meter.check_time(place)
        # A workbook's rows past the limit are refused where they are listed (.listed_rows), naming the row.
        if number > limits.max_rows:
            raise refuse(meter.filename, N_("The file has more than %(n)d rows; split it into several files."),
                         place, n=limits.max_rows)
        width = len(values)
        if values.count(None) == width and not formulas:
            continue  # an empty row, at C speed: a CSV may hold 200,000 of them, a sheet list as many
        while width and blank(values[width - 1]) and width - 1 not in formulas:
            width -= 1
        if not width:
            continue
        if width > limits.max_columns:
            raise refuse(meter.filename, N_("Row %(row)d has content beyond column %(n)d, the last column read; delete "
                                            "it or move it left."), Place(sheet=place.sheet, row=number),
                         row=number, n=limits.max_columns)
        filled += sum(1 for value in values[:width] if not blank(value))
        if filled > limits.max_cells:
            raise refuse(meter.filename, N_("The sheet has more than %(n)d filled cells; split it into several files."),
                         place, n=limits.max_cells)
        with meter.paused():  # what the consumer does with the row is not reading it
            yield SheetRow(number, values[:width], formulas, formats[:width], layout)
