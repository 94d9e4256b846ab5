"""What an uploaded file is, decided from its bytes: never from its name or the browser's MIME type
(SEC-U5). A ZIP is an .xlsx workbook only when its ``[Content_Types].xml`` says so and it carries no
macros; everything else people pick by mistake is named in the refusal, with what to do instead.
"""

from __future__ import annotations

from question_bank.errors import N_, Msg
from question_bank.formats.guarded.limits import refuse

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_TYPES = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_BINARY_WORKBOOK = b"application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_MACRO_MARKS = (b"macroEnabled", b"vbaProject")
_OPENDOCUMENT = b"application/vnd.oasis.opendocument.spreadsheet"

#: Other files people pick by mistake, recognised by their first bytes.
_OTHER_KINDS = (
    (b"\x89PNG\r\n\x1a\n", Msg(N_("PNG image"))),
    (b"\xff\xd8\xff", Msg(N_("JPEG image"))),
    (b"GIF8", Msg(N_("GIF image"))),
    (b"%PDF", Msg(N_("PDF document"))),
    (b"Rar!", Msg(N_("RAR archive"))),
    (b"7z\xbc\xaf\x27\x1c", Msg(N_("7-Zip archive"))),
    (b"\x1f\x8b", Msg(N_("gzip archive"))),
    (b"\x7fELF", Msg(N_("program file"))),
    (b"MZ\x90\x00", Msg(N_("program file"))),
    (b"\xca\xfe\xba\xbe", Msg(N_("program file"))),
    (b"{\\rtf", Msg(N_("RTF document"))),
)

NOT_A_WORKBOOK = N_("This is a ZIP archive, not an Excel workbook. Upload an .xlsx workbook or a CSV file.")


#: Names that promise a spreadsheet program's workbook (Excel's, WPS's .et).
WORKBOOK_ENDINGS = (".xlsx", ".xlsm", ".xltx", ".xls", ".et")


def refuse_unreadable_kinds(filename: str, data: bytes) -> None:
    """Refuse, naming what it is, a file that is neither a ZIP nor text: an old .xls, an image, a
    PDF, a program, a web page. Returns quietly for a ZIP and for anything that may be CSV text."""
    # BIFF2–BIFF4 workbooks (Excel 2.x–4.0) are a bare record stream: a BOF record, then NULs.
    if data.startswith(OLE2) or (data[:1] == b"\x09" and data[1:2] in (b"\x00", b"\x02", b"\x04")
                                 and b"\x00" in data[2:8]):
        raise refuse(filename, N_("This is an old Excel 97–2003 workbook (.xls) or a password-protected "
                                  "workbook. Remove any password and save it as an Excel workbook (.xlsx)."))
    for magic, kind in _OTHER_KINDS:
        if data.startswith(magic):
            raise refuse(filename, N_("This file is a %(kind)s, not a spreadsheet. Upload an .xlsx workbook "
                                      "or a CSV file."), kind=kind)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table")) or b"<html" in head:
        raise refuse(filename, N_("This file is a web page or XML document, not a spreadsheet (some systems "
                                  "export HTML named .xls). Open it in Excel and save it as .xlsx."))


def check_package(filename: str, names: set[str], content_types: bytes | None, mimetype: bytes | None) -> None:
    """Refuse a ZIP that is not a macro-free .xlsx workbook: ``content_types`` is its
    ``[Content_Types].xml`` (None when absent), ``mimetype`` its OpenDocument ``mimetype`` entry."""
    if content_types is None:
        if mimetype is not None and mimetype.strip().startswith(_OPENDOCUMENT):
            raise refuse(filename, N_("This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook "
                                      "(.xlsx) in WPS or LibreOffice and upload that."))
        raise refuse(filename, NOT_A_WORKBOOK)
    if _BINARY_WORKBOOK in content_types:
        raise refuse(filename, N_("This is an Excel binary workbook (.xlsb). Save it as an Excel workbook "
                                  "(.xlsx) and upload that."))
    if any(mark in content_types for mark in _MACRO_MARKS) or any(n.casefold().endswith("vbaproject.bin") for n in names):
        raise refuse(filename, N_("This workbook contains macros (.xlsm). Save it as an Excel workbook "
                                  "(.xlsx) without macros and upload that."))
    if not any(kind in content_types for kind in WORKBOOK_TYPES):
        raise refuse(filename, N_("This is an Office file but not an Excel workbook (perhaps a Word or "
                                  "PowerPoint file). Upload an .xlsx workbook or a CSV file."))
