"""One guarded way to open an uploaded table file. Every importer (question bank, rosters, and the
account and study-list importers to come) opens what people upload with :func:`open_upload`, and
reads the sheets and rows it hands out.

This layer is about safety and file kind, not about what a cell means:

- the kind is decided from the bytes (magic numbers, the ZIP's ``[Content_Types].xml``), never
  from the file's name or the browser's MIME type: an old .xls, a macro workbook (.xlsm), a binary
  workbook (.xlsb), an OpenDocument sheet, a picture, a PDF, a program or a web page named .xlsx
  are refused with a message that says what the file is and what to do (SEC-U5);
- a workbook's ZIP is checked entry by entry before anything is inflated, and metered while it is
  read: bytes actually inflated, time, XML document type declarations, shared strings (SEC-U1,
  SEC-U2; :mod:`.archive`);
- sheet rows walked, columns, filled cells and time are capped while rows are read, so a row
  numbered 300 million or a cell in column XFD is refused at the cap (SEC-U4; :class:`Limits`);
- CSV text is decoded once, before anything reads it, as UTF-16, UTF-8 or GB18030, and its
  delimiter sniffed (SEC-U7; :mod:`.text`);
- anything damaged (a cut ZIP, missing parts, bad XML) is a refusal naming the file, never a
  crash (SEC-U6).

Every refusal is :class:`~question_bank.errors.InvalidInput` with one problem whose
:class:`~question_bank.errors.Place` names the file (and the sheet and row where there is one).

What a value means (text, a number, a date, an ID number Excel rounded) is the importer's:
``question_bank.formats.spreadsheet`` for the question template, ``services.roster`` for rosters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from question_bank.errors import N_, InvalidInput, Place
from question_bank.formats.guarded.kinds import WORKBOOK_ENDINGS, ZIP, refuse_unreadable_kinds
from question_bank.formats.guarded.limits import MB, Limits, Meter, refuse
from question_bank.formats.guarded.sheets import SheetRow, Upload, UploadSheet, capped
from question_bank.formats.guarded.text import csv_records, decode, sniff_delimiter
from question_bank.formats.guarded.workbook import open_workbook, xml_is_defused

__all__ = ["Limits", "SheetRow", "Upload", "UploadSheet", "clean_filename", "open_upload", "refuse", "xml_is_defused"]


#: The longest file name an upload may have, in characters (the name is stored whole, in columns of
#: 255; Windows itself allows 255, so a longer name is rare and is refused rather than cut).
MAX_FILENAME_CHARS = 200


def clean_filename(filename: str) -> str:
    """The uploaded file's own name: no directories (browsers may send ``C:\\fakepath\\…``), never
    empty. Raises :class:`~question_bank.errors.InvalidInput`, placed on the file and naming the
    limit, when the name is longer than :data:`MAX_FILENAME_CHARS`: a name is never cut."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if len(name) > MAX_FILENAME_CHARS:
        raise refuse(name, N_("The file name is %(length)d characters long; at most %(limit)d are allowed. Give the "
                              "file a shorter name and upload it again."), length=len(name), limit=MAX_FILENAME_CHARS)
    return name or "upload"


def open_upload(filename: str, data: bytes, limits: Limits = Limits(),
                timer: Callable[[], float] = time.monotonic) -> Upload:
    """Open the uploaded ``data`` (named ``filename`` in every problem), deciding its kind from its
    bytes. Sheets are read lazily: :meth:`UploadSheet.rows` applies the row, column, cell and time
    limits as it goes. ``timer`` gives seconds (tests pass their own).

    Raises :class:`~question_bank.errors.InvalidInput` for an empty, oversized, hostile, damaged or
    unsupported file. Raises ``RuntimeError`` when openpyxl would parse XML without defusedxml.
    """
    meter = Meter(filename, limits, timer)
    if not data:
        raise refuse(filename, N_("The file is empty."))
    if len(data) > limits.max_file_bytes:
        raise refuse(filename, N_("The file is larger than %(mb)d MB; split it into several files."),
                     mb=limits.max_file_bytes // MB)
    if data.startswith(ZIP):
        return Upload(filename, "xlsx", "", "", open_workbook(filename, data, meter))
    refuse_unreadable_kinds(filename, data)
    try:
        encoding, text = decode(filename, data)
    except InvalidInput:
        # Bytes no text encoding reads, under a workbook's name: the decoder's "neither UTF-8 nor
        # GB18030" would send the person looking for an encoding when the file is no workbook at all.
        if filename.casefold().endswith(WORKBOOK_ENDINGS) and b"\x00" not in data:
            raise refuse(filename, N_("This file is named as an Excel workbook but is not one (nor a text file). "
                                      "Open it in Excel, save it as an Excel workbook (.xlsx) and upload that.")) from None
        raise
    delimiter = sniff_delimiter(text)

    def read(number_formats: bool) -> Iterator[SheetRow]:
        return capped(meter, Place(), csv_records(meter, text, delimiter, number_formats))

    return Upload(filename, "csv", encoding, delimiter, [UploadSheet("", "visible", read)])
