"""The rows a sheet's XML lists, and only those: what every workbook importer reads.

openpyxl's read-only sheet (``iter_rows``) hands out an empty row for every row number missing
between two listed rows, so a small file that lists one row numbered 1,048,576 (or 300 million)
makes the reader walk a million empty rows, seconds of a worker's time, before any limit is
reached. Here openpyxl's own sheet parser is read directly: a row costs work only when the file
lists it, a row past the limit is refused the moment it is listed, naming the file, the sheet and
the row, and the row number is the one the file gives (``<row r="…">``, ECMA-376 Part 1,
18.3.1.73; a row without ``r`` follows the one before, as Excel and openpyxl read it).

Cells are as the file lists them too: each listed row gives a tuple exactly ``width`` cells wide
(openpyxl's ``_get_row``), whatever column a listed cell names; content right of ``width`` is the
caller's to refuse (:func:`question_bank.formats.guarded.workbook._keep_content_beyond`).

A ``<dimension>`` is never read for the walk: it is what the file says of itself, and programs
write wrong ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openpyxl.worksheet._reader import WorkSheetParser

from question_bank.errors import N_, Place
from question_bank.formats.guarded.limits import Meter, refuse
from question_bank.formats.guarded.sheets import blank


def _holds_a_value(cells: list[dict[str, Any]]) -> bool:
    """Whether a row as openpyxl's parser gives it has a cell with a value (not only a style, and
    not only spaces: :func:`~question_bank.formats.guarded.sheets.blank`)."""
    return any(not blank(cell.get("value")) for cell in cells)


def listed_rows(sheet: Any, meter: Meter, width: int, values_only: bool) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) for every row the read-only openpyxl ``sheet`` lists, in the file's
    order; ``cells`` is ``width`` wide, values (``values_only``) or openpyxl read-only cells.

    A row numbered past ``meter.limits.max_rows`` that holds no value in any cell (an empty or only
    formatted row, such as the row 1,048,576 a formatted column gives; issue 10, item 5) is passed
    over: it does not count, and holds nothing to read.

    Raises :class:`~question_bank.errors.InvalidInput` placed on the file, sheet and row when a
    listed row numbered past ``meter.limits.max_rows`` holds a value, and when a row is listed out of order,
    twice or numbered below 1 (Excel writes rows in ascending order, each once; openpyxl would
    drop such a row without a word). XML errors are the caller's (a damaged sheet)."""
    limit = meter.limits.max_rows
    workbook = sheet.parent
    before = 0
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=workbook.data_only, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for number, cells in parser.parse():
            where = Place(sheet=sheet.title, row=number)
            if number > limit and not _holds_a_value(cells):
                # Formatting only (a height, a style, empty styled cells: what Excel keeps of a row
                # once formatted far below the data): nothing to read, nothing to walk to.
                before = max(before, number)
                continue
            if number > limit:
                raise refuse(meter.filename, N_("Row %(row)d is past row %(n)d, the last row read; delete the empty "
                                                "rows below the data (or whatever is in row %(row)d)."),
                             where, row=number, n=limit)
            if number <= before:
                raise refuse(meter.filename, N_("Row %(row)d is listed out of order or twice; the workbook may be "
                                                "damaged. Open it in Excel, save it again as .xlsx and retry."),
                             where, row=number)
            before = number
            yield number, sheet._get_row(cells, 1, width, values_only)
