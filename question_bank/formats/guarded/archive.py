"""The ZIP container of an .xlsx workbook, inspected before anything is inflated and metered while
it is read.

Before reading, every entry of the central directory is checked: how many there are, their
declared sizes, that no name is absolute, climbs to a parent folder or is a link, that no part is
present twice (zipfile would silently read the last copy), that nothing is encrypted and that
every part is stored or deflated (what Excel writes). While reading, every part comes out of
:class:`MeteredArchive` through a :class:`~question_bank.formats.guarded.metered_part.MeteredPart`,
which counts and scans what is actually inflated. zipfile itself stops at the size the directory
declares, so an understated size ends in a damaged-file refusal, never in more bytes.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from typing import Any

from question_bank.errors import N_
from question_bank.formats.guarded.limits import Meter, refuse
from question_bank.formats.guarded.metered_part import MeteredPart

#: Compression methods Excel, LibreOffice and WPS write.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
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
            raise meter.part_too_large(name)
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
