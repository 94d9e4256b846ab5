"""An .xlsx workbook opened by openpyxl through the metered archive, and its sheets walked row by
row within the limits.

openpyxl reads in read-only mode (each sheet streamed, never loaded whole) with ``data_only``: a
formula cell gives the value Excel saved for it and is never evaluated. A formula cell without a
saved value reads as empty, so a sheet that holds a formula at all is first walked by
:mod:`.formulas` to find those cells (:attr:`SheetRow.unsaved_formulas`); every read counts against
the limits. Macros are never kept (``keep_vba`` is off), external links never read. openpyxl
parses XML through defusedxml when it is installed (``openpyxl.xml.DEFUSEDXML``);
:func:`xml_is_defused` says whether that holds, and opening refuses to run without it.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree
import openpyxl.xml.functions
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.escape import unescape

from question_bank.errors import N_, InvalidInput, Place

from question_bank.formats.cell_display import LOCALE_FORMATS, locale_format
from question_bank.formats.guarded.archive import DAMAGED_ZIP, MeteredArchive, open_archive
from question_bank.formats.guarded.kinds import CONTENT_TYPES, check_package
from question_bank.formats.guarded.limits import Meter, refuse
from question_bank.formats.guarded.formulas import holds_formulas, unsaved_formula_cells
from question_bank.formats.guarded.metered_part import SHARED_STRINGS_PART
from question_bank.formats.guarded.layout import MergeFiller, RowLayout, sheet_layout
from question_bank.formats.guarded.listed_rows import listed_rows
from question_bank.formats.guarded.rich_runs import RUN_PROPERTIES, formatted_cells, formatted_strings
from question_bank.formats.guarded.sheets import ErrorValue, UploadSheet, blank, capped
from question_bank.formats.guarded.text import PLAIN_ROW

logger = logging.getLogger(__name__)

#: Locale built-in date formats openpyxl reads as "General" (ids 14 and 22 it converts itself).
LOCALE_DATES = frozenset(LOCALE_FORMATS) - {14, 22}
#: Bytes of the shared-string table read at a time while counting its texts.
_SCAN_CHUNK = 1024 * 1024
#: Largest ``mimetype`` entry read (an OpenDocument file names its kind there in a few dozen bytes).
_MIMETYPE_BYTES = 200


def xml_is_defused() -> bool:
    """True when openpyxl parses every XML part through defusedxml (entity declarations and
    external references refused), which it does whenever defusedxml is installed and
    ``OPENPYXL_DEFUSEDXML`` is not set to something other than ``True``."""
    return (openpyxl.xml.DEFUSEDXML is True
            and openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse
            and openpyxl.xml.functions.fromstring is defusedxml.ElementTree.fromstring)


def _damaged(filename: str, where: Place | None = None) -> InvalidInput:
    if where is not None:
        return refuse(filename, N_("This sheet cannot be read; the workbook may be damaged."), where)
    return refuse(filename, N_("This workbook cannot be read; it may be damaged. Open it in Excel, save it "
                               "again as .xlsx and retry."))


def open_workbook(filename: str, data: bytes, meter: Meter) -> list[UploadSheet]:
    """The sheets of the workbook ``data``. Raises :class:`InvalidInput` naming the file."""
    if not xml_is_defused():
        raise RuntimeError("openpyxl is not parsing XML through defusedxml; refusing to read uploads")
    archive = open_archive(filename, data, meter)
    names = set(archive.namelist())
    try:
        content_types = archive.read(CONTENT_TYPES) if CONTENT_TYPES in names else None
        mimetype = archive.open("mimetype").read(_MIMETYPE_BYTES) if "mimetype" in names else None
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise refuse(filename, DAMAGED_ZIP) from None
    check_package(filename, names, content_types, mimetype)
    try:
        rich_part = _count_shared_strings(archive)
        strings = formatted_strings(archive, rich_part, meter) if rich_part else frozenset()
        book = _load(archive, data)
        # openpyxl parses each part after reading it: the time that took is checked here too.
        meter.check_time()
    except InvalidInput:
        raise
    except Exception:  # noqa: BLE001 - any failure to parse an untrusted file is a damaged file
        logger.info("workbook %r could not be opened", filename, exc_info=True)
        raise _damaged(filename) from None
    return [UploadSheet(sheet.title, sheet.sheet_state, _sheet_reader(filename, meter, archive, sheet, strings))
            for sheet in book.worksheets]


def _load(archive: MeteredArchive, data: bytes) -> Any:
    """openpyxl's ``load_workbook(read_only=True, data_only=True)``, reading through ``archive``
    (what ``load_workbook`` does, with the archive it opens replaced by the metered one)."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, keep_vba=False, data_only=True, keep_links=False)
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read()
    return reader.wb


def _count_shared_strings(archive: zipfile.ZipFile) -> str:
    """Stream the shared-string table once before openpyxl parses it: the metered part refuses a
    table of more texts than the limit at once, where openpyxl would spend seconds and a hundred
    bytes on each before the count ran out. The part's name when it holds rich text (run
    properties, :mod:`.rich_runs`), else ``""``."""
    rich = ""
    for name in archive.namelist():
        if name.casefold() == SHARED_STRINGS_PART:
            with archive.open(name) as part:
                tail = b""
                while chunk := part.read(_SCAN_CHUNK):
                    if not rich and RUN_PROPERTIES.search(tail + chunk):
                        rich = name
                    tail = chunk[-32:]
    return rich


def _sheet_reader(filename: str, meter: Meter, archive: MeteredArchive, sheet: Any, strings: frozenset[int]):
    def read(number_formats: bool) -> Iterator[Any]:
        place = Place(sheet=sheet.title)
        try:
            yield from capped(meter, place, _records(meter, archive, sheet, number_formats, strings))
        except InvalidInput:
            raise
        except Exception:  # noqa: BLE001 - any failure to parse an untrusted sheet is a damaged sheet
            logger.info("sheet %r of workbook %r could not be read", sheet.title, filename, exc_info=True)
            raise _damaged(filename, place) from None

    return read


def as_shown(value: Any) -> Any:
    """A cell's text as Excel shows it: the OOXML escapes ``_xHHHH_`` decoded ("_x000D_" → CR,
    "_x0009_" → tab, "_x000A_" → LF; "_x005F_" is an underscore, so "_x005F_x000D_" reads
    "_x000D_" literally), as XlsxWriter, pandas and Apache POI write those characters in shared and
    inline strings (ECMA-376 Part 1, §22.9.2.19 ST_Xstring). openpyxl reads them literally; its own
    ``openpyxl.utils.escape.unescape`` decodes them. Anything but a plain ``str`` (a number, a date,
    an :class:`ErrorValue`) is returned as it is."""
    return unescape(value) if type(value) is str else value


def _value(cell: Any, epoch: Any) -> Any:
    """The cell's saved value; an error value (``#N/A``) as an :class:`ErrorValue`, so that it is
    never taken for text someone typed; a number under a Chinese locale date format (which openpyxl
    does not know for a date) as the date it shows."""
    value = as_shown(cell.value)
    if getattr(cell, "data_type", None) == "e" and value is not None:
        return ErrorValue(value)
    style = getattr(cell, "style_array", None)
    if (style is not None and style.numFmtId in LOCALE_DATES and isinstance(value, int | float)
            and not isinstance(value, bool)):
        return from_excel(value, epoch)
    return value


def _number_format(cell: Any) -> str:
    """The format code Excel applies to the cell: a locale built-in (which files name by id only) as
    Excel on Chinese Windows shows it (:func:`~question_bank.formats.cell_display.locale_format`)."""
    code = getattr(cell, "number_format", None) or "General"
    style = getattr(cell, "style_array", None)
    return locale_format(style.numFmtId if style is not None else None, code)


def _keep_content_beyond(sheet: Any) -> None:
    """Make the read-only ``sheet`` put the first filled cell right of the columns read into the
    last column read when that one is empty, so that the caps refuse the row ("content beyond
    column N") instead of the cell being dropped without a word. openpyxl parses every cell of a
    row anyway and only leaves out those right of ``max_col``; the row stays ``max_col`` wide."""
    original = sheet._get_row

    def get_row(row: list[dict[str, Any]], min_col: int = 1, max_col: int | None = None,
                values_only: bool = False) -> tuple[Any, ...]:
        cells = original(row, min_col, max_col, values_only)
        if max_col and row and row[-1]["column"] > max_col and cells and _empty(cells[-1]):
            beyond = next((cell for cell in row if cell["column"] > max_col and cell["value"] not in (None, "")), None)
            if beyond is not None:
                cells = (*cells[:-1], original([{**beyond, "column": max_col}], max_col, max_col, values_only)[0])
        return cells

    sheet._get_row = get_row


def _empty(cell: Any) -> bool:
    value = getattr(cell, "value", cell)
    return value is None or value == ""


def _records(meter: Meter, archive: MeteredArchive, sheet: Any, number_formats: bool,
             strings: frozenset[int] = frozenset()) -> Iterator[Any]:
    """(row number, values, unsaved formulas, number formats, :class:`RowLayout`) for every row the
    sheet lists (:mod:`.listed_rows`: a row numbered 300 million is refused as soon as it is listed,
    and the rows the file does not list cost nothing), values merged down a column filled in
    (:mod:`.layout`), empty listed rows included: the caps count them. ``strings`` are the shared
    strings formatted in parts; the cells showing them, or an inline rich string, are the row
    layout's ``formatted`` positions (:mod:`.rich_runs`)."""
    # One column more than the cap is read, so that content there (or further right,
    # _keep_content_beyond) can be refused.
    width = meter.limits.max_columns + 1
    # openpyxl's read-only sheet keeps the path of its part here.
    part = sheet._worksheet_path
    unsaved = unsaved_formula_cells(archive, part, meter, width) if holds_formulas(archive, part) else {}
    layout = sheet_layout(archive, part, meter, width)
    rich = formatted_cells(archive, part, meter, width, strings)
    merges = MergeFiller(layout.merges, width)
    _keep_content_beyond(sheet)
    if number_formats:
        epoch = sheet.parent.epoch
        rows = ((number, tuple(_value(c, epoch) for c in row), tuple(_number_format(c) for c in row))
                for number, row in listed_rows(sheet, meter, width, values_only=False))
    else:
        rows = ((number, tuple(map(as_shown, values)), ())
                for number, values in listed_rows(sheet, meter, width, values_only=True))
    for number, values, formats in rows:
        # A formula counts as unsaved only where openpyxl, too, found no value (an inline string is one).
        formulas = frozenset(p for p in unsaved.get(number, ()) if p < len(values) and values[p] is None)
        formatted = rich.get(number, frozenset())
        if not layout:
            yield number, values, formulas, formats, RowLayout(formatted=formatted) if formatted else PLAIN_ROW
            continue
        values, formats, merged, filled = merges.row(number, values, formats)
        hidden_cells = {p: why for p, why in layout.hidden_columns.items() if p < len(values) and not blank(values[p])}
        yield number, values, formulas, formats, RowLayout(layout.hidden_rows.get(number, ""), hidden_cells, merged,
                                                           filled, formatted)
