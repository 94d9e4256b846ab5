"""What of a sheet its author cannot see, and which cells are merged: found in one light pass over
the sheet's XML, so that an importer never reads content the author hid as if it were shown, and
never reads a merged area as empty where Excel shows its value.

openpyxl's read-only sheets (the only ones a large upload may be read with) give neither the rows'
and columns' attributes nor the merged ranges, so this module reads them itself, with expat and no
element tree, and only for a sheet whose XML mentions any of them at all (a byte scan, as for
formulas in :mod:`.formulas`). ECMA-376 Part 1 is the source of every attribute:

- a row is hidden by ``<row hidden="1">``; Excel writes that for a row the user hid, a row the
  sheet's AutoFilter filters out (18.3.1.2, ``<autoFilter>``: then it is "filtered") and a row in a
  collapsed outline group (``outlineLevel``: "collapsed"); a row of height 0 (``ht="0"``) cannot
  be seen either ("zero_height");
- a column is hidden by ``<col hidden="1">`` (in a collapsed group when ``outlineLevel`` is set) or
  by a width of 0 (18.3.1.13);
- merged ranges are ``<mergeCell ref="A3:A7">`` (18.3.1.55); Excel keeps the value in the top-left
  cell and shows it over the whole range.

- rows are hidden by default under ``<sheetFormatPr zeroHeight="1">`` (18.3.1.81, "hidden by
  default"; Excel writes it for the "hide every unused row" trick): the default height is then 0,
  so a row is shown only when its ``<row>`` says so, by a height of its own (``ht`` above 0) or
  ``hidden="0"``; any other row, content and all, is hidden as a row the user hid is.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openpyxl.utils.cell import range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS

from question_bank.formats.guarded.formulas import declaration_refused, part_matches
from question_bank.formats.guarded.limits import Meter

#: Why a row or a column cannot be seen.
HIDDEN, FILTERED, COLLAPSED, ZERO_SIZE = "hidden", "filtered", "collapsed", "zero_size"
#: Anything in a sheet part that hides a row or a column or merges cells.
_MENTIONS = re.compile(rb'hidden="(?:1|true)"|zeroHeight="(?:1|true)"|\sht="0*(?:\.0*)?"|\swidth="0*(?:\.0*)?"|<(?:[A-Za-z_][\w.-]*:)?mergeCell[\s/>]')
_SCAN_CHUNK = 1024 * 1024
#: Rows walked between two looks at the clock.
_CLOCK_EVERY = 5000
_ROW, _COL, _MERGE, _FILTER, _FORMAT = (f"{SHEET_MAIN_NS} {name}"
                                        for name in ("row", "col", "mergeCell", "autoFilter", "sheetFormatPr"))


@dataclass(frozen=True)
class Merge:
    """One merged range, 1-based and inclusive, with its reference as Excel writes it ("A3:A7")."""

    ref: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def rows(self) -> int:
        return self.max_row - self.min_row + 1

    @property
    def columns(self) -> int:
        return self.max_col - self.min_col + 1


@dataclass
class SheetLayout:
    """What the pass found: ``hidden_rows`` row number → why (:data:`HIDDEN`, :data:`FILTERED`,
    :data:`COLLAPSED`, :data:`ZERO_SIZE`); ``hidden_columns`` 0-based position → why (the same
    words but "filtered"); ``merges`` every merged range of more than one cell."""

    hidden_rows: dict[int, str] = field(default_factory=dict)
    hidden_columns: dict[int, str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.hidden_rows or self.hidden_columns or self.merges)


def mentions_layout(archive: zipfile.ZipFile, part: str) -> bool:
    """True when the sheet part may hide a row or a column or merge cells."""
    return part_matches(archive, part, _MENTIONS)


def _zero(text: str | None) -> bool:
    try:
        return text is not None and float(text) == 0
    except ValueError:
        return False


def _height(text: str | None) -> bool:
    """True for a row height above 0 (points)."""
    try:
        return text is not None and float(text) > 0
    except ValueError:
        return False


def _true(text: str | None) -> bool:
    return text in ("1", "true")


class _Walker:
    """expat callbacks noting hidden rows and columns, merged ranges and whether there is a filter."""

    def __init__(self, meter: Meter, max_column: int) -> None:
        self.meter = meter
        self.max_column = max_column
        self.layout = SheetLayout()
        self.row = 0
        self.filtered = False
        self.outlined: set[int] = set()
        self.zero_height = False  # rows hidden by default (sheetFormatPr, before the rows)
        self.hidden_by_default: set[int] = set()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _ROW:
            number = attributes.get("r")
            self.row = int(float(number)) if number else self.row + 1
            if self.row % _CLOCK_EVERY == 0:
                self.meter.check_time()
            if _true(attributes.get("hidden")):
                self.layout.hidden_rows[self.row] = HIDDEN
                if attributes.get("outlineLevel", "0") not in ("", "0"):
                    self.outlined.add(self.row)
            elif _zero(attributes.get("ht")):
                self.layout.hidden_rows[self.row] = ZERO_SIZE
            elif self.zero_height and attributes.get("hidden") not in ("0", "false") and not _height(attributes.get("ht")):
                self.hidden_by_default.add(self.row)
        elif name == _COL:
            why = (COLLAPSED if attributes.get("outlineLevel", "0") not in ("", "0") else HIDDEN) \
                if _true(attributes.get("hidden")) else ZERO_SIZE if _zero(attributes.get("width")) else ""
            if why:
                first = int(attributes.get("min", "1"))
                last = min(int(attributes.get("max", first)), self.max_column)
                for column in range(first, last + 1):
                    self.layout.hidden_columns[column - 1] = why
        elif name == _MERGE and attributes.get("ref"):
            min_col, min_row, max_col, max_row = range_boundaries(attributes["ref"])
            if (min_col, min_row) != (max_col, max_row):
                self.layout.merges.append(Merge(attributes["ref"], min_row, min_col, max_row, max_col))
        elif name == _FILTER:
            self.filtered = True
        elif name == _FORMAT:
            self.zero_height = _true(attributes.get("zeroHeight"))

    def finish(self) -> SheetLayout:
        for number, why in self.layout.hidden_rows.items():
            if why == HIDDEN and number in self.outlined:
                self.layout.hidden_rows[number] = COLLAPSED
            elif why == HIDDEN and self.filtered:
                # Excel hides the rows a filter leaves out; a row hidden by hand under a filter reads
                # the same in the file, and both are told to clear the filter or unhide.
                self.layout.hidden_rows[number] = FILTERED
        # Hidden because the sheet hides every row not shown on purpose: neither a filter nor a
        # group did it, and Excel's Unhide shows them again.
        self.layout.hidden_rows.update((number, HIDDEN) for number in self.hidden_by_default)
        return self.layout

    def declaration(self, *_: Any) -> None:
        raise declaration_refused(self.meter)


def sheet_layout(archive: zipfile.ZipFile, part: str, meter: Meter, max_column: int) -> SheetLayout:
    """The hidden rows and columns (up to ``max_column``) and merged ranges of sheet ``part``; an
    empty layout without reading the part's XML when :func:`mentions_layout` finds nothing. Raises
    :class:`~question_bank.errors.InvalidInput` for a DTD or when the time limit passes;
    ``expat.ExpatError`` for XML that is not well formed."""
    if not mentions_layout(archive, part):
        return SheetLayout()
    parser = expat.ParserCreate(namespace_separator=" ")
    walker = _Walker(meter, max_column)
    parser.StartDoctypeDeclHandler = walker.declaration
    parser.EntityDeclHandler = walker.declaration
    parser.StartElementHandler = walker.start
    with archive.open(part) as source:
        while chunk := source.read(_SCAN_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return walker.finish()


@dataclass(frozen=True)
class RowLayout:
    """What the layout says of one row: ``hidden`` why the row cannot be seen (``""``: it can);
    ``hidden_cells`` 0-based position → why, for each filled cell of the row in a hidden column;
    ``merges`` 0-based position → the merged range the cell is part of (its top-left one included);
    ``filled`` the positions whose value was taken from the top-left cell of a merge down a column;
    ``formatted`` the positions of cells whose text is formatted in parts (bold, underline, colour …
    inside the text, :mod:`.rich_runs`), which only their text is read of."""

    hidden: str = ""
    hidden_cells: dict[int, str] = field(default_factory=dict)
    merges: dict[int, Merge] = field(default_factory=dict)
    filled: frozenset[int] = frozenset()
    formatted: frozenset[int] = frozenset()


class MergeFiller:
    """Walks a sheet's rows in order with its merged ranges, and fills each cell a merge covers
    below its top-left cell, in the top-left cell's column, with that cell's value and number
    format: a merged 题型 or 分类 column spanning several rows shows its value on each of them, and
    each row is read so. Cells a merge covers to the right of its first column stay empty (Excel
    shows one text across the columns, not one in each: the importer decides, with
    :attr:`RowLayout.merges`). A row with nothing of its own is left empty: a merge alone does not
    make a question. Work per row is bounded by the columns read, whatever the number of merges."""

    def __init__(self, merges: list[Merge], max_column: int) -> None:
        self.pending = sorted(merges, key=lambda m: m.min_row, reverse=True)
        self.max_column = max_column
        self.active: dict[int, Merge] = {}  # first column → the merge there
        self.anchors: dict[str, tuple[Any, Any]] = {}

    def row(self, number: int, values: tuple[Any, ...], formats: tuple[Any, ...]
            ) -> tuple[tuple[Any, ...], tuple[Any, ...], dict[int, Merge], frozenset[int]]:
        """(values, formats, merges by position, filled positions) of row ``number``."""
        while self.pending and self.pending[-1].min_row <= number:
            merge = self.pending.pop()
            if merge.max_row >= number and merge.min_col <= self.max_column:
                self.active[merge.min_col] = merge
        for column in [c for c, m in self.active.items() if m.max_row < number]:
            del self.active[column]
        if not self.active:
            return values, formats, {}, frozenset()
        cells: dict[int, Merge] = {}
        for merge in self.active.values():
            for column in range(merge.min_col, min(merge.max_col, self.max_column) + 1):
                cells[column - 1] = merge
        own = any(value is not None for value in values)
        values, formats = list(values), list(formats)
        filled = set()
        for merge in self.active.values():
            position = merge.min_col - 1
            if number == merge.min_row:
                self.anchors[merge.ref] = (values[position] if position < len(values) else None,
                                           formats[position] if position < len(formats) else None)
            elif own and position < len(values) and values[position] is None:
                value, number_format = self.anchors.get(merge.ref, (None, None))
                if value is not None:
                    values[position] = value
                    if formats and number_format is not None:
                        formats[position] = number_format
                    filled.add(position)
        return tuple(values), tuple(formats), cells, frozenset(filled)
