"""An .xlsx workbook opened by openpyxl through the metered archive, and its sheets walked row by
row within the limits.

openpyxl reads in read-only mode (each sheet streamed, never loaded whole) with ``data_only``: a
formula cell gives the value Excel saved for it and is never evaluated. A formula cell without a
saved value (files written by programs rather than by Excel) would read as empty, so when some
sheet holds a formula at all the workbook is opened a second time without ``data_only`` to find
those cells (:attr:`SheetRow.unsaved_formulas`); both reads count against the limits. Macros are
never kept (``keep_vba`` is off), external links never read. openpyxl parses XML through
defusedxml when it is installed (``openpyxl.xml.DEFUSEDXML``); :func:`xml_is_defused` says
whether that holds, and opening refuses to run without it.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree
import openpyxl.xml.functions
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from question_bank.errors import N_, InvalidInput, Place
from question_bank.formats.guarded.archive import DAMAGED_ZIP, MeteredArchive, open_archive
from question_bank.formats.guarded.kinds import CONTENT_TYPES, check_package
from question_bank.formats.guarded.limits import Meter, refuse
from question_bank.formats.guarded.sheets import UploadSheet, capped

logger = logging.getLogger(__name__)

#: A formula element <f …> of SpreadsheetML, with or without a namespace prefix; every formula cell
#: (plain, shared, array, data table) has one, so a sheet part without it has no formula.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
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
        book = _load(archive, data, data_only=True)
        # The same cells as formulas, only to tell "formula without a saved value" from "empty".
        formula_book = _load(archive, data, data_only=False) if _has_formulas(archive) else None
    except InvalidInput:
        raise
    except Exception:  # noqa: BLE001 - any failure to parse an untrusted file is a damaged file
        logger.info("workbook %r could not be opened", filename, exc_info=True)
        raise _damaged(filename) from None
    # Sheets by position, not by title: a crafted workbook may give two sheets one title.
    return [UploadSheet(sheet.title, sheet.sheet_state,
                        _sheet_reader(filename, meter, sheet, formula_book.worksheets[index] if formula_book else None))
            for index, sheet in enumerate(book.worksheets)]


def _load(archive: MeteredArchive, data: bytes, data_only: bool) -> Any:
    """openpyxl's ``load_workbook(read_only=True)``, reading through ``archive`` (what
    ``load_workbook`` does, with the archive it opens replaced by the metered one)."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, keep_vba=False, data_only=data_only, keep_links=False)
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read()
    return reader.wb


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """True when some worksheet part contains a formula element (read in chunks, the tail of each
    kept so that an element split between two chunks is still seen)."""
    for name in sorted(archive.namelist()):
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        with archive.open(name) as part:
            tail = b""
            while chunk := part.read(_SCAN_CHUNK):
                if _FORMULA_ELEMENT.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def unsaved_formulas(values: tuple[Any, ...], written: tuple[Any, ...]) -> frozenset[int]:
    """0-based positions where a row's cell holds a formula (``written``: the row read without
    ``data_only``) but no saved value (``values``: the same row read with it)."""
    return frozenset(
        position for position, (value, formula) in enumerate(zip(values, written))
        if value is None and (isinstance(formula, (ArrayFormula, DataTableFormula))
                              or (isinstance(formula, str) and formula.startswith("=")))
    )


def _sheet_reader(filename: str, meter: Meter, sheet: Any, formula_sheet: Any):
    def read(number_formats: bool) -> Iterator[Any]:
        place = Place(sheet=sheet.title)
        try:
            yield from capped(meter, place, _records(meter, sheet, formula_sheet, number_formats))
        except InvalidInput:
            raise
        except Exception:  # noqa: BLE001 - any failure to parse an untrusted sheet is a damaged sheet
            logger.info("sheet %r of workbook %r could not be read", sheet.title, filename, exc_info=True)
            raise _damaged(filename, place) from None

    return read


def _records(meter: Meter, sheet: Any, formula_sheet: Any, number_formats: bool) -> Iterator[Any]:
    """(row number, values, unsaved formulas, number formats) for every row the sheet walks,
    empty ones included: the caps count them (a row numbered 300 million is refused at the cap,
    after the empty rows before it cost nothing but the walk)."""
    # One column more than the cap is read, so that content there can be refused.
    width = meter.limits.max_columns + 1
    # Some programs write a wrong <dimension>; without it every row present is read, and no more.
    sheet.reset_dimensions()
    if number_formats:
        cells = sheet.iter_rows(max_col=width)
        rows = ((tuple(c.value for c in row), tuple(c.number_format for c in row)) for row in cells)
    else:
        rows = ((values, ()) for values in sheet.iter_rows(max_col=width, values_only=True))
    if formula_sheet is None:
        for number, (values, formats) in enumerate(rows, start=1):
            yield number, values, frozenset(), formats
        return
    formula_sheet.reset_dimensions()
    written = formula_sheet.iter_rows(max_col=width, values_only=True)
    # Both parses yield the same rows in the same order: only the formula cells differ.
    for number, ((values, formats), formulas) in enumerate(zip(rows, written), start=1):
        yield number, values, unsaved_formulas(values, formulas), formats
