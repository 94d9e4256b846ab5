"""The ZIP container of an .xlsx workbook, inspected before anything is inflated and metered while
it is read.

Before reading, every entry of the central directory is checked: how many there are, their
declared sizes, that no name is absolute, climbs to a parent folder or is a link, that no part is
present twice (zipfile would silently read the last copy), that nothing is encrypted and that
every part is stored or deflated (what Excel writes). While reading, :class:`MeteredArchive` counts
the bytes each part actually inflates to (zipfile also stops at the size the directory declares,
so an understated size ends in a damaged-file refusal, never in more bytes), watches the clock,
refuses any XML part carrying a document type declaration (Excel never writes one; billion laughs
and external entities need one; defusedxml, under openpyxl, is the second line) and counts the
shared strings as they stream past (each costs openpyxl about a hundred bytes however short).
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from typing import Any

from question_bank.errors import N_
from question_bank.formats.guarded.limits import MB, Meter, refuse

#: Compression methods Excel, LibreOffice and WPS write.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Bytes inflated per read: small enough to stop a bomb early, large enough to be fast.
CHUNK = 256 * 1024
#: A document type or entity declaration, the start of every XML entity attack.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
#: The start of a shared-string item <si> (with or without a namespace prefix).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
#: Bytes kept from the end of one chunk so that a pattern split between two chunks is still seen.
_OVERLAP = 32
SHARED_STRINGS_PART = "xl/sharedstrings.xml"
DAMAGED_ZIP = N_("This file is damaged: it looks like a ZIP file (as .xlsx workbooks are) but cannot be opened; it "
                 "may be cut short. Save it again and retry.")


def _unsafe_name(name: str) -> bool:
    """An entry name no workbook has: absolute, with a drive or backslash, or climbing up."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return True
    return any(part in ("..", ".") for part in name.split("/"))


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def open_archive(filename: str, data: bytes, meter: Meter) -> MeteredArchive:
    """The workbook's ZIP, every entry checked (see the module docstring). Raises
    :class:`~question_bank.errors.InvalidInput` naming the file."""
    limits = meter.limits
    try:
        archive = MeteredArchive(io.BytesIO(data), meter)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise refuse(filename, DAMAGED_ZIP) from None
    if len(infos) > limits.max_entries:
        raise refuse(filename, N_("This file holds %(n)d parts, more than the %(limit)d an Excel workbook could need; "
                                  "it was refused."), n=len(infos), limit=limits.max_entries)
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if _unsafe_name(name) or _is_link(info):
            raise refuse(filename, N_("This file holds an entry with an unsafe name or a link (%(name)s), which no "
                                      "Excel workbook has; it was refused."), name=name[:100])
        # Part names are case-insensitive (ECMA-376 Part 2, 9.1.1.1): two spellings are one part.
        folded = name.casefold()
        if folded in seen:
            raise refuse(filename, N_("This file holds the part %(name)s twice, which Excel never writes and which "
                                      "makes it unclear which copy counts; it was refused."), name=name[:100])
        seen.add(folded)
        if info.flag_bits & 0x1:
            raise refuse(filename, N_("This workbook is encrypted. Remove the password in Excel, save it and upload it again."))
        if info.compress_type not in _METHODS:
            raise refuse(filename, N_("This file is compressed in a way Excel does not use; open it in Excel, save it "
                                      "as an Excel workbook (.xlsx) and upload that."))
        if info.file_size > limits.max_part_bytes:
            raise refuse(filename, N_("The part %(part)s of this workbook unpacks to more than %(mb)d MB, the "
                                      "limit; it is not a workbook this service reads."),
                         part=name[:100], mb=limits.max_part_bytes // MB)
    if sum(info.file_size for info in infos) > limits.max_inflated_bytes:
        raise meter.too_large()
    return archive


class MeteredArchive(zipfile.ZipFile):
    """A read-only ZIP whose every part is read through :class:`MeteredPart`; openpyxl reads the
    workbook through it (``ZipFile.read`` goes through :meth:`open` too)."""

    def __init__(self, file: Any, meter: Meter) -> None:
        super().__init__(file, "r")
        self.meter = meter

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, *, force_zip64: bool = False) -> Any:
        part = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return part
        part_name = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        return MeteredPart(part, part_name, self.meter)


class MeteredPart(io.RawIOBase):
    """One part being inflated: counts the bytes, checks the clock, and refuses a document type
    declaration or too many shared strings, chunk by chunk, before the parser sees them."""

    def __init__(self, part: Any, name: str, meter: Meter) -> None:
        super().__init__()
        self._part = part
        self._name = name
        self._meter = meter
        self._read_so_far = 0
        self._tail = b""
        self._shared_strings = 0
        self._counts_strings = name.casefold() == SHARED_STRINGS_PART

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self._read_chunk(CHUNK):
                chunks.append(chunk)
            return b"".join(chunks)
        return self._read_chunk(min(size, CHUNK)) if size else b""

    def readinto(self, buffer: Any) -> int:
        chunk = self._read_chunk(min(len(buffer), CHUNK))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def _read_chunk(self, size: int) -> bytes:
        chunk = self._part.read(size)
        if not chunk:
            return chunk
        self._read_so_far += len(chunk)
        self._meter.count_inflated(self._name, self._read_so_far, len(chunk))
        window = self._tail + chunk
        if _DTD.search(window):
            raise refuse(self._meter.filename, N_("This workbook contains an XML document type declaration (in "
                                                  "%(part)s), which Excel never writes and which XML attacks use; "
                                                  "it was refused."), part=self._name[:100])
        if self._counts_strings:
            # Matches wholly inside the overlap were counted with the previous chunk.
            self._shared_strings += sum(1 for m in _SHARED_STRING.finditer(window) if m.end() > len(self._tail))
            if self._shared_strings > self._meter.limits.max_cells:
                raise refuse(self._meter.filename, N_("This workbook holds more than %(n)d different texts; split it "
                                                      "into several files."), n=self._meter.limits.max_cells)
        self._tail = window[-_OVERLAP:]
        return chunk

    def close(self) -> None:
        self._part.close()
        super().close()
