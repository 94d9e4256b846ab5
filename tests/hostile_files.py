"""Hostile and malformed files for the upload tests (SEC-U1 … U7), built in memory.

Workbooks are put together part by part (:func:`xlsx`) so that a test can change one part, and
ZIP archives are written by hand (:func:`raw_zip`) so that a test can say what no ZIP library
would write: sizes the directory understates, a part twice, a link, a path climbing out. A zip
bomb's deflate stream is made by repeating one fully flushed block (:func:`repeated_deflate`):
each block starts afresh, so gigabytes of inflated bytes cost a few kilobytes and no time to make.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{extra}</Types>'
)
SHARED_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{_REL_NS}">'
    '<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{extra}</Relationships>'
)
SHARED_STRINGS_REL = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/sharedStrings" Target="sharedStrings.xml"/>')
SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}">'
              '<dimension ref="A1"/><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows: str) -> str:
    """A worksheet part whose <sheetData> holds ``rows`` (XML text)."""
    return SHEET_HEAD + rows + SHEET_TAIL


def skeleton(sheet_xml: str, shared_strings: str | None = None) -> dict[str, bytes]:
    """The parts of a one-sheet workbook, ready to change before :func:`xlsx` zips them."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(extra=SHARED_STRINGS_TYPE if shared_strings else ""),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(extra=SHARED_STRINGS_REL if shared_strings else ""),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_strings:
        parts["xl/sharedStrings.xml"] = shared_strings
    return {name: text.encode() for name, text in parts.items()}


@dataclass
class Entry:
    """One ZIP entry as :func:`raw_zip` writes it. ``deflated`` is the compressed data (``data`` is
    deflated when it is not given); ``size`` and ``crc`` default to the truth; ``mode`` is the
    Unix file mode (``0o120777`` makes a link)."""

    name: str
    data: bytes = b""
    deflated: bytes | None = None
    size: int | None = None
    crc: int | None = None
    mode: int = 0o100644


def repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int]:
    """(raw deflate stream, inflated size) of ``head + block * times + tail``, made without ever
    holding the inflated bytes: after a full flush a deflate stream starts afresh, so the
    compressed form of ``block`` is the same every time and can be repeated as bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert one == again, "a fully flushed block must compress the same every time"
    end = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    return start + one * times + end, len(head) + len(block) * times + len(tail)


def raw_zip(entries: list[Entry]) -> bytes:
    """A ZIP archive written byte by byte (APPNOTE 4.3), saying exactly what each :class:`Entry` says."""
    body = bytearray()
    directory = bytearray()
    for entry in entries:
        deflated = entry.deflated if entry.deflated is not None else _deflate(entry.data)
        size = entry.size if entry.size is not None else len(entry.data)
        crc = entry.crc if entry.crc is not None else zlib.crc32(entry.data)
        name = entry.name.encode("utf-8")
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, 0, 0x21, crc, len(deflated),
                            size, len(name), 0) + name + deflated
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0x0800, 8, 0, 0x21, crc,
                                 len(deflated), size, len(name), 0, 0, 0, 0, entry.mode << 16, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return bytes(body + directory + end)


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def xlsx(parts: dict[str, bytes]) -> bytes:
    """A workbook of exactly ``parts`` (name → bytes), in that order."""
    return raw_zip([Entry(name, data) for name, data in parts.items()])


# --- the catalogue: every kind of hostile or broken file, and what its refusal must say ------------

def _with_part(parts: dict[str, bytes], name: str, data: bytes) -> bytes:
    return xlsx({**parts, name: data})


#: A header row both importers take for theirs (the question template's required columns and the
#: roster's), so that each reads on past it into whatever the file holds below.
HEADER = ("题型", "题干", "答案", "分类", "姓名", "身份证号")


def header_row() -> str:
    return '<row r="1">' + "".join(text_cell(f"{chr(65 + i)}1", c) for i, c in enumerate(HEADER)) + "</row>"


def _plain() -> dict[str, bytes]:
    return skeleton(sheet(header_row()))


def _bomb(declared: int | None) -> bytes:
    """A workbook whose sheet inflates to 2 GiB (spaces between two elements, which a parser
    would happily take in). ``declared`` is the size its directory gives (None: the truth)."""
    deflated, size = repeated_deflate(SHEET_HEAD.encode(), b" " * (1 << 20), 2048, SHEET_TAIL.encode())
    parts = _plain()
    del parts["xl/worksheets/sheet1.xml"]
    entries = [Entry(name, data) for name, data in parts.items()]
    entries.append(Entry("xl/worksheets/sheet1.xml", deflated=deflated, size=size if declared is None else declared, crc=0))
    return raw_zip(entries)


def _many_parts(count: int, each: int) -> bytes:
    """``count`` extra parts of ``each`` inflated bytes (of almost nothing compressed)."""
    deflated, size = repeated_deflate(b"", b"<x/>" * 256, each // 1024, b"")
    entries = [Entry(name, data) for name, data in _plain().items()]
    entries += [Entry(f"xl/media/part{n}.xml", deflated=deflated, size=size) for n in range(count)]
    return raw_zip(entries)


def _shared_strings(items: str, count: int) -> bytes:
    table = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">' + items * count + "</sst>"
    cells = sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return xlsx(skeleton(cells, table))


def _entity_attack(doctype: str, reference: str) -> bytes:
    table = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<sst xmlns="{MAIN_NS}"><si><t>{reference}</t></si></sst>')
    return xlsx(skeleton(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), table))


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";" if n > 1 else "&lol;") * 10}">' for n in range(1, 10))
    + "]>"
)


def external_dtd(url: str) -> bytes:
    """A workbook whose shared strings name an external DTD at ``url`` (an XXE probe)."""
    return _entity_attack(f'<!DOCTYPE sst SYSTEM "{url}">', "名单")


def utf16_entity_workbook() -> bytes:
    """The entity attack in a part encoded as UTF-16, which a byte scan for "<!DOCTYPE" cannot see:
    defusedxml, under openpyxl, must refuse it."""
    table = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
             f'<sst xmlns="{MAIN_NS}"><si><t>&x;</t></si></sst>').encode("utf-16")
    parts = skeleton(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), "<sst/>")
    parts["xl/sharedStrings.xml"] = table
    return xlsx(parts)


def _repeated_rows(row: str, times: int) -> bytes:
    """A sheet of ``times`` rows like ``row`` (``{r}`` is its number), deflated without ever holding it."""
    head = (SHEET_HEAD + header_row()).encode()
    if "{r}" in row:
        xml = head + "".join(row.format(r=r) for r in range(2, times + 2)).encode() + SHEET_TAIL.encode()
        parts = skeleton("")
        parts["xl/worksheets/sheet1.xml"] = xml
        return xlsx(parts)
    deflated, size = repeated_deflate(head, row.encode() * 1000, times // 1000, SHEET_TAIL.encode())
    entries = [Entry(name, data) for name, data in skeleton("").items() if name != "xl/worksheets/sheet1.xml"]
    return raw_zip(entries + [Entry("xl/worksheets/sheet1.xml", deflated=deflated, size=size, crc=0)])


def _wide_row() -> bytes:
    from openpyxl.utils import get_column_letter

    cells = "".join(f'<c r="{get_column_letter(n)}2" t="inlineStr"><is><t>列{n}</t></is></c>' for n in range(1, 16385))
    return xlsx(skeleton(sheet(header_row() + f'<row r="2">{cells}</row>')))


def _package(content_types: str, extra: dict[str, bytes]) -> bytes:
    parts = _plain()
    parts["[Content_Types].xml"] = content_types.encode()
    return xlsx({**parts, **extra})


def _unsafe_entry(name: str, mode: int = 0o100644) -> bytes:
    return raw_zip([Entry(n, d) for n, d in _plain().items()] + [Entry(name, b"x", mode=mode)])


_CONTENT_TYPES = CONTENT_TYPES.format(extra="")
#: The parts besides the sheets and the shared strings that openpyxl reads and parses whole, by the
#: ZIP name, with the content type and the workbook relationship each needs (None: found by its name).
OTHER_PARTS = {
    "xl/styles.xml": ('<Override PartName="/xl/styles.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
                      '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/styles" Target="styles.xml"/>'),
    "xl/theme/theme1.xml": ('<Override PartName="/xl/theme/theme1.xml" '
                            'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>',
                            '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'relationships/theme" Target="theme/theme1.xml"/>'),
    "xl/workbook.xml": None,
}
STYLES_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN_NS}">'
WORKBOOK_HEAD = WORKBOOK.replace("</workbook>", "")
_DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def with_other_part(name: str, head: str, block: str, times: int, tail: str) -> bytes:
    """A one-sheet workbook whose part ``name`` (one of :data:`OTHER_PARTS`) is ``head``, ``block``
    ``times`` over and ``tail``: deflated without ever holding it, with its true size and CRC."""
    deflated, size = repeated_deflate(head.encode(), block.encode(), times, tail.encode())
    crc = zlib.crc32(head.encode())
    for _ in range(times):
        crc = zlib.crc32(block.encode(), crc)
    crc = zlib.crc32(tail.encode(), crc)
    parts = _plain()
    if OTHER_PARTS[name]:
        content_type, relationship = OTHER_PARTS[name]
        parts["[Content_Types].xml"] = CONTENT_TYPES.format(extra=content_type).encode()
        parts["xl/_rels/workbook.xml.rels"] = WORKBOOK_RELS.format(extra=relationship).encode()
    entries = [Entry(part, data) for part, data in parts.items() if part != name]
    return raw_zip(entries + [Entry(name, deflated=deflated, size=size, crc=crc)])


def _cell_formats(count: int) -> bytes:
    """Styles listing ``count`` (a multiple of 1,000) empty cell formats: 5 bytes each."""
    return with_other_part("xl/styles.xml", STYLES_HEAD + f'<cellXfs count="{count}">', "<xf/>" * 1000,
                           count // 1000, "</cellXfs></styleSheet>")


def _defined_names(count: int) -> bytes:
    """A workbook part defining ``count`` (a multiple of 1,000) names."""
    return with_other_part("xl/workbook.xml", WORKBOOK_HEAD + "<definedNames>",
                           '<definedName name="区域">名单!$A$1</definedName>' * 1000, count // 1000,
                           "</definedNames></workbook>")


def _large_theme() -> bytes:
    """A theme of 12 MB: 24 elements, each with half a megabyte in one attribute (no text run
    longer than an Excel cell could hold, and few elements: only its size is out of bounds)."""
    return with_other_part("xl/theme/theme1.xml", f'<a:theme xmlns:a="{_DRAWING_NS}" name="主题"><a:themeElements>',
                           '<a:ext uri="' + "x" * (512 * 1024) + '"/>', 24, "</a:themeElements></a:theme>")

#: id → (SEC case, builder of the file's bytes, text its refusal must contain). Every file is named
#: ``.xlsx`` when uploaded: the kind must be decided from content.
CATALOGUE: dict[str, tuple[str, object, str]] = {
    "sheet inflating to 2 GiB": ("SEC-U1", lambda: _bomb(None), "unpacks to more than 64 MB"),
    "sizes understated in the ZIP directory": ("SEC-U1", lambda: _bomb(1000), "cannot be read"),
    "200 parts past the total": ("SEC-U1", lambda: _many_parts(200, 1024 * 1024), "unpacks to more than 128 MB"),
    "a million shared strings": ("SEC-U1", lambda: _shared_strings("<si><t/></si>", 1_000_000), "different texts"),
    "billion laughs": ("SEC-U2", lambda: _entity_attack(BILLION_LAUGHS, "&lol9;"), "document type declaration"),
    "external entity": ("SEC-U2", lambda: _entity_attack('<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
                        "document type declaration"),
    "entity attack in UTF-16": ("SEC-U2", utf16_entity_workbook, "cannot be read"),
    "row numbered 300 million": ("SEC-U4", lambda: xlsx(skeleton(sheet(
        header_row() + '<row r="300000000">' + text_cell("A300000000", "x") + "</row>"))), "Row 300000000 is past row 200000"),
    "row 1,048,576": ("SEC-U4", lambda: xlsx(skeleton(sheet(
        header_row() + '<row r="1048576">' + text_cell("A1048576", "x") + "</row>"))), "Row 1048576 is past row 200000"),
    "16,384 columns": ("SEC-U4", _wide_row, "beyond column"),
    "three million empty cells": ("SEC-U4", lambda: _repeated_rows('<row r="{r}">' + '<c s="1"/>' * 30_000 + "</row>", 100),
                                  "cells, empty ones included"),
    "one row listed a million times": ("SEC-U4", lambda: _repeated_rows('<row r="1"/>', 1_000_000), "lists more than"),
    "a 10 MB cell": ("SEC-U4", lambda: xlsx(skeleton(sheet(header_row() + '<row r="2">' + text_cell("A2", "长" * 3_500_000)
                                                            + "</row>"))), "in one piece"),
    "two million cell formats in the styles": ("SEC-U4", lambda: _cell_formats(2_000_000),
                                               "XML elements outside its sheets"),
    "300,000 defined names": ("SEC-U4", lambda: _defined_names(300_000), "XML elements outside its sheets"),
    "a theme of 12 MB": ("SEC-U4", _large_theme, "xl/theme/theme1.xml of this workbook unpacks to more than 8 MB"),
    "PNG image": ("SEC-U5", lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    "HTML page": ("SEC-U5", lambda: "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode(), "web page"),
    "ELF program": ("SEC-U5", lambda: b"\x7fELF\x02\x01\x01" + bytes(200), "program file"),
    "old .xls (OLE2)": ("SEC-U5", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "Excel 97–2003"),
    "Excel 4.0 workbook (bare BIFF)": ("SEC-U5", lambda: b"\x09\x04\x06\x00\x00\x00\x10\x00" + bytes(64),
                                       "Excel 97–2003"),
    ".xlsm with vbaProject.bin": ("SEC-U5", lambda: _with_part(_plain(), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro"),
                                  "macros"),
    ".xlsb binary workbook": ("SEC-U5", lambda: _package(_CONTENT_TYPES.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.binary.macroEnabled.main"), {}), ".xlsb"),
    "ZIP without [Content_Types].xml": ("SEC-U5", lambda: xlsx({k: v for k, v in _plain().items()
                                                                if k != "[Content_Types].xml"}), "ZIP archive"),
    "OpenDocument spreadsheet": ("SEC-U5", lambda: xlsx({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                         "content.xml": b"<office:document-content/>"}), ".ods"),
    "CSV with NUL bytes": ("SEC-U5", lambda: "姓名,身份证号\r\n张三,\x00\x00\r\n".encode(), "NUL bytes"),
    "Word document": ("SEC-U5", lambda: _package(_CONTENT_TYPES.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"), {}), "not an Excel workbook"),
    "truncated ZIP": ("SEC-U6", lambda: xlsx(_plain())[:-300], "damaged"),
    "workbook part missing": ("SEC-U6", lambda: xlsx({k: v for k, v in _plain().items() if k != "xl/workbook.xml"}),
                              "cannot be read"),
    "sheet with broken XML": ("SEC-U6", lambda: xlsx(skeleton(
        SHEET_HEAD + header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>张三')), "This sheet cannot be read"),
    "shared string index out of range": ("SEC-U6", lambda: xlsx(skeleton(
        sheet(header_row() + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>'),
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}"><si><t>姓名</t></si></sst>')),
        "This sheet cannot be read"),
    "a part present twice": ("SEC-U6", lambda: raw_zip([Entry(n, d) for n, d in _plain().items()] + [
        Entry("xl/worksheets/sheet1.xml", sheet(header_row() + '<row r="2">' + text_cell("A2", "注入") + "</row>").encode())]),
        "twice"),
    "a part present twice in other case": ("SEC-U6", lambda: raw_zip([Entry(n, d) for n, d in _plain().items()] + [
        Entry("XL/Worksheets/Sheet1.xml", b"<worksheet/>")]), "twice"),
    "absolute entry": ("SEC-U6", lambda: _unsafe_entry("/etc/cron.d/x"), "unsafe name or a link"),
    "parent-relative entry": ("SEC-U6", lambda: _unsafe_entry("xl/../../x.xml"), "unsafe name or a link"),
    "symlink entry": ("SEC-U6", lambda: _unsafe_entry("xl/media/link", mode=0o120777), "unsafe name or a link"),
    "encrypted entry": ("SEC-U6", lambda: _encrypted(), "encrypted"),
}


def _encrypted() -> bytes:
    data = bytearray(xlsx(_plain()))
    # Set the "encrypted" flag (bit 0) of the first entry in the central directory.
    at = data.index(b"PK\x01\x02")
    data[at + 8] |= 0x01
    return bytes(data)


_BUILT: dict[str, bytes] = {}


def hostile(name: str) -> bytes:
    """The bytes of catalogue entry ``name`` (built once per test session)."""
    if name not in _BUILT:
        _BUILT[name] = CATALOGUE[name][1]()
    return _BUILT[name]


def cases(sec_id: str) -> list[str]:
    """The catalogue entries of one SEC case, for ``pytest.mark.parametrize``."""
    return [name for name, (case, _, _) in CATALOGUE.items() if case == sec_id]


def rewrite_part(data: bytes, part_name: str, change) -> bytes:
    """The workbook ``data`` with its part ``part_name`` replaced by ``change(part bytes)``: what
    Excel writes and openpyxl does not (a cached formula value, a built-in format by id only)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            target.writestr(info, change(part) if info.filename == part_name else part)
    return out.getvalue()
