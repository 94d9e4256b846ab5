"""Finding the cells of a sheet that hold a formula but no saved value.

openpyxl reads the workbook with ``data_only``, so a formula cell gives the value Excel saved for it
and the formula is never run; a formula saved without a value (files written by programs rather
than by Excel) reads as empty, which an importer must not take for "left empty". This module finds
those cells in one light pass over the sheet's XML, through the metered archive, with expat
callbacks and no element tree (about a third of what a second parse by openpyxl costs), and only
for a sheet that holds a formula element at all. A document type or entity declaration refuses
the file here too, whatever the part's encoding.

Rows and columns are numbered as openpyxl numbers them: from a row's or cell's ``r`` attribute,
else one past the previous.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.xml.constants import SHEET_MAIN_NS

from question_bank.errors import N_, InvalidInput
from question_bank.formats.guarded.limits import Meter, refuse

#: A formula element <f …> with or without a namespace prefix; every formula cell (plain, shared,
#: array, data table) has one, so a sheet part without it has no formula.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_SCAN_CHUNK = 1024 * 1024
# expat names elements "<namespace> <local name>" with this separator.
_ROW, _CELL, _FORMULA, _VALUE = (f"{SHEET_MAIN_NS} {name}" for name in ("row", "c", "f", "v"))


def part_matches(archive: zipfile.ZipFile, part: str, pattern: re.Pattern[bytes]) -> bool:
    """True when ``pattern`` (of at most 32 bytes' reach) matches somewhere in the part, read in
    chunks, the tail of each kept so that a match split between two chunks is still seen."""
    with archive.open(part) as source:
        tail = b""
        while chunk := source.read(_SCAN_CHUNK):
            if pattern.search(tail + chunk):
                return True
            tail = chunk[-32:]
    return False


def holds_formulas(archive: zipfile.ZipFile, part: str) -> bool:
    """True when the sheet part contains a formula element."""
    return part_matches(archive, part, _FORMULA_ELEMENT)


def declaration_refused(meter: Meter) -> InvalidInput:
    """The refusal of a sheet part with an XML document type or entity declaration."""
    return refuse(meter.filename, N_("This workbook contains an XML document type declaration (in %(part)s), "
                                     "which Excel never writes and which XML attacks use; it was refused."),
                  part="xl/worksheets")


class _Finder:
    """expat callbacks that note each cell with an <f> and no non-empty <v>."""

    def __init__(self, parser: Any, meter: Meter, max_column: int) -> None:
        self.parser = parser
        self.meter = meter
        self.max_column = max_column
        self.found: dict[int, set[int]] = {}
        self.total = 0
        self.row = self.column = 0
        self.formula = self.value = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _CELL:
            reference = attributes.get("r")
            self.column = coordinate_to_tuple(reference)[1] if reference else self.column + 1
            self.formula = self.value = False
        elif name == _FORMULA:
            self.formula = True
        elif name == _VALUE:
            # Text is looked at only inside <v>: a sheet's other text is no business of this pass.
            self.parser.CharacterDataHandler = self.text
        elif name == _ROW:
            number = attributes.get("r")
            self.row, self.column = (int(float(number)) if number else self.row + 1), 0

    def text(self, data: str) -> None:
        self.value = self.value or bool(data)

    def end(self, name: str) -> None:
        if name == _VALUE:
            self.parser.CharacterDataHandler = None
        elif name == _CELL and self.formula and not self.value and self.column <= self.max_column:
            self.found.setdefault(self.row, set()).add(self.column - 1)
            self.total += 1
            if self.total > self.meter.limits.max_cells:
                raise refuse(self.meter.filename, N_("The sheet has more than %(n)d filled cells; split it into "
                                                     "several files."), n=self.meter.limits.max_cells)

    def declaration(self, *_: Any) -> None:
        raise declaration_refused(self.meter)


def unsaved_formula_cells(archive: zipfile.ZipFile, part: str, meter: Meter, max_column: int) -> dict[int, frozenset[int]]:
    """Row number → 0-based positions (columns up to ``max_column``) of the cells of sheet ``part``
    that hold a formula and no saved value. Raises :class:`~question_bank.errors.InvalidInput`
    when there are more of them than the limit on filled cells, or for a DTD; ``expat.ExpatError``
    for XML that is not well formed."""
    parser = expat.ParserCreate(namespace_separator=" ")
    finder = _Finder(parser, meter, max_column)
    parser.StartDoctypeDeclHandler = finder.declaration
    parser.EntityDeclHandler = finder.declaration
    parser.StartElementHandler = finder.start
    parser.EndElementHandler = finder.end
    parser.buffer_text = True
    with archive.open(part) as source:
        while chunk := source.read(_SCAN_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return {number: frozenset(positions) for number, positions in finder.found.items()}
