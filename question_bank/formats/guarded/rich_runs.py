"""Cells whose text is formatted in parts (Excel's rich text: a bold 不 in "下列哪一项不属于", a
superscript 2 in "m2", a red word), found so that the import can say their formatting was not kept
(issue 5: it was dropped without a word; the bank keeps plain text).

openpyxl's read-only sheets give a cell's text only, and its ``rich_text`` mode would build an
object per run of every string; this module instead walks the XML itself with expat, keeping only
numbers: the indices of the shared strings whose runs are formatted differently from each other
(:func:`formatted_strings`), then, for a sheet that uses one of them or holds an inline rich string,
the cells that show them (:func:`formatted_cells`). A text formatted as a whole (every run bold)
is a cell format, not a formatting inside the text, and is not named.

Only formatting that can carry meaning counts (:data:`EMPHASIS`): bold, italic, underline,
strike-through, superscript and subscript, outline, shadow and a colour other than the default
text colour; a change of font or size alone does not.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.xml.constants import SHEET_MAIN_NS

from question_bank.formats.guarded.formulas import declaration_refused, part_matches
from question_bank.formats.guarded.limits import Meter

#: A run's properties element, with or without a namespace prefix: only rich text has it.
RUN_PROPERTIES = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?rPr[\s/>]")
_SCAN_CHUNK = 1024 * 1024
_CLOCK_EVERY = 5000
#: Run properties that can carry meaning (ECMA-376 Part 1, §18.4.7 CT_RPrElt).
EMPHASIS = frozenset({"b", "i", "u", "strike", "vertAlign", "color", "outline", "shadow"})
#: Values that mean "off" or "as plain text".
_OFF = frozenset({"0", "false", "none", "baseline"})
#: Colours that are the default text colour (theme text 1, black, automatic).
_PLAIN_COLOURS = ({"theme": "1"}, {"rgb": "FF000000"}, {"rgb": "000000"}, {"auto": "1"}, {"indexed": "8"})
_NAMES = {f"{SHEET_MAIN_NS} {name}": name for name in (*EMPHASIS, "si", "r", "rPr", "is", "c", "v", "row", "rPh")}


class _Runs:
    """Collects the formatting of the runs of one string (an ``<si>`` or a cell's ``<is>``)."""

    def __init__(self) -> None:
        self.looks: set[frozenset[tuple[str, tuple[tuple[str, str], ...]]]] = set()
        self.current: set[tuple[str, tuple[tuple[str, str], ...]]] | None = None
        self.phonetic = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.phonetic:
            return
        if name == "r":
            self.current = set()
        elif name in EMPHASIS and self.current is not None:
            if attributes.get("val") in _OFF or (name == "color" and attributes in _PLAIN_COLOURS):
                return
            self.current.add((name, tuple(sorted(attributes.items()))))

    def end(self, name: str) -> None:
        if name == "r" and self.current is not None and not self.phonetic:
            self.looks.add(frozenset(self.current))
            self.current = None

    @property
    def mixed(self) -> bool:
        """True when the runs are not all formatted alike."""
        return len(self.looks) > 1


class _StringsWalker:
    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.index = -1
        self.runs: _Runs | None = None
        self.found: set[int] = set()

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = _NAMES.get(tag)
        if name == "si":
            self.index += 1
            self.runs = _Runs()
            if self.index % _CLOCK_EVERY == 0:
                self.meter.check_time()
        elif name == "rPh" and self.runs is not None:
            self.runs.phonetic += 1
        elif name is not None and self.runs is not None:
            self.runs.start(name, attributes)

    def end(self, tag: str) -> None:
        name = _NAMES.get(tag)
        if name == "si" and self.runs is not None:
            if self.runs.mixed:
                self.found.add(self.index)
            self.runs = None
        elif name == "rPh" and self.runs is not None:
            self.runs.phonetic -= 1
        elif name is not None and self.runs is not None:
            self.runs.end(name)

    def declaration(self, *_: Any) -> None:
        raise declaration_refused(self.meter)


def _walk(archive: zipfile.ZipFile, part: str, walker: Any, text: Any = None) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = walker.declaration
    parser.EntityDeclHandler = walker.declaration
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    if text is not None:
        parser.buffer_text = True
        walker.parser, walker.text_handler = parser, text
    with archive.open(part) as source:
        while chunk := source.read(_SCAN_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def formatted_strings(archive: zipfile.ZipFile, part: str, meter: Meter) -> frozenset[int]:
    """The indices (from 0) of the shared strings of ``part`` whose runs are formatted differently
    (:class:`_Runs`). Raises :class:`~question_bank.errors.InvalidInput` for a DTD or when the time
    limit passes; ``expat.ExpatError`` for XML that is not well formed."""
    walker = _StringsWalker(meter)
    _walk(archive, part, walker)
    return frozenset(walker.found)


class _CellsWalker:
    def __init__(self, meter: Meter, max_column: int, strings: frozenset[int]) -> None:
        self.meter, self.max_column, self.strings = meter, max_column, strings
        self.row = self.column = 0
        self.shared = False
        self.value = ""
        self.runs: _Runs | None = None
        self.found: dict[int, set[int]] = {}
        self.parser: Any = None
        self.text_handler: Any = None

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = _NAMES.get(tag)
        if name == "row":
            number = attributes.get("r")
            self.row, self.column = (int(float(number)) if number else self.row + 1), 0
            if self.row % _CLOCK_EVERY == 0:
                self.meter.check_time()
        elif name == "c":
            reference = attributes.get("r")
            self.column = coordinate_to_tuple(reference)[1] if reference else self.column + 1
            self.shared, self.value, self.runs = attributes.get("t") == "s", "", None
        elif name == "v" and self.shared:
            self.parser.CharacterDataHandler = self.text_handler
        elif name == "is":
            self.runs = _Runs()
        elif name == "rPh" and self.runs is not None:
            self.runs.phonetic += 1
        elif name is not None and self.runs is not None:
            self.runs.start(name, attributes)

    def text(self, data: str) -> None:
        self.value += data

    def end(self, tag: str) -> None:
        name = _NAMES.get(tag)
        if name == "v":
            self.parser.CharacterDataHandler = None
        elif name == "rPh" and self.runs is not None:
            self.runs.phonetic -= 1
        elif name == "c":
            shared = self.shared and self.value.strip().isdigit() and int(self.value) in self.strings
            if (shared or (self.runs is not None and self.runs.mixed)) and self.column <= self.max_column:
                self.found.setdefault(self.row, set()).add(self.column - 1)
        elif name is not None and self.runs is not None:
            self.runs.end(name)

    def declaration(self, *_: Any) -> None:
        raise declaration_refused(self.meter)


def formatted_cells(archive: zipfile.ZipFile, part: str, meter: Meter, max_column: int,
                    strings: frozenset[int]) -> dict[int, frozenset[int]]:
    """Row number → 0-based positions (columns up to ``max_column``) of the cells of sheet ``part``
    that show a string formatted in parts: a shared string among ``strings``
    (:func:`formatted_strings`) or an inline rich string. ``{}`` without parsing the sheet when it
    uses no such shared string and holds no run properties. Raises as :func:`formatted_strings`."""
    if not strings and not part_matches(archive, part, RUN_PROPERTIES):
        return {}
    walker = _CellsWalker(meter, max_column, strings)
    _walk(archive, part, walker, walker.text)
    return {number: frozenset(positions) for number, positions in walker.found.items()}
