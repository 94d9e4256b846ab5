"""One part of a workbook being inflated, metered chunk by chunk before any parser sees the bytes.

For every chunk: the bytes are counted against the part's and the file's limits and the clock is
checked (:class:`~question_bank.formats.guarded.limits.Meter`); a document type or entity
declaration refuses the file (Excel never writes one, and every XML entity attack needs one:
billion laughs, external entities; defusedxml, under openpyxl, is the second line for encodings a
byte scan cannot read, such as UTF-16); a run of more text between two tags than any Excel cell
holds refuses it (a parser would hold that text whole). Elements that cost the parser work
whatever their size are counted as they stream past: shared strings (openpyxl keeps about a
hundred bytes for each, however short), and a sheet's rows and cells, empty ones included (a
sheet can list millions of empty cells beyond the columns read, or the same row over and over).
Every other part (the styles, the workbook part, the theme, properties, relationships …) openpyxl
parses whole once it has read it, so each is held to a small size while it is inflated, and the XML
elements of all of them together are counted (:meth:`Meter.count_other_elements`): a 16 KB file
whose styles list two million cell formats is refused in milliseconds, naming the part, before
openpyxl builds an object for any of them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from question_bank.errors import N_
from question_bank.formats.guarded.limits import MB, Limits, Meter, refuse

#: Bytes inflated per read: small enough to stop a bomb early, large enough to be fast.
CHUNK = 256 * 1024
#: A document type or entity declaration, the start of every XML entity attack.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
#: Bytes kept from the end of one chunk so that a pattern split between two chunks is still seen.
_OVERLAP = 32
#: Longest run of bytes between two "<" in an XML part. An Excel cell holds at most 32,767
#: characters (at most ~200 KB of escaped UTF-8), so a longer run is no cell Excel wrote.
MAX_TEXT_RUN = 1024 * 1024
SHARED_STRINGS_PART = "xl/sharedstrings.xml"
WORKSHEETS_FOLDER = "xl/worksheets/"
#: The start tag of any element (not an end tag, a declaration or a processing instruction).
_ANY_ELEMENT = re.compile(rb"<[A-Za-z_]")


def is_other_part(part: str) -> bool:
    """Whether ``part`` is neither a sheet nor the shared strings (the parts whose rows, cells and
    texts are counted one by one), and so one of the small parts openpyxl parses whole."""
    name = part.casefold()
    return name != SHARED_STRINGS_PART and not name.startswith(WORKSHEETS_FOLDER)


def _element(name: bytes) -> re.Pattern[bytes]:
    """The start tag of element ``name``, with or without a namespace prefix."""
    return re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + name + rb"[\s/>]")


@dataclass
class _Count:
    """How many of one element a part has shown so far, and the most it may hold."""

    pattern: re.Pattern[bytes]
    limit: int
    message: str
    seen: int = 0


def _counts(part: str, limits: Limits) -> list[_Count]:
    name = part.casefold()
    if name == SHARED_STRINGS_PART:
        return [_Count(_element(b"si"), limits.max_cells,
                       N_("This workbook holds more than %(n)d different texts; split it into several files."))]
    if name.startswith(WORKSHEETS_FOLDER):
        return [_Count(_element(b"row"), limits.max_rows,
                       N_("A sheet of this workbook lists more than %(n)d rows; delete the empty rows below the data.")),
                _Count(_element(b"c"), limits.max_cell_elements,
                       N_("A sheet of this workbook lists more than %(n)d cells, empty ones included; delete the "
                          "formatting far below or right of the data, or split the file."))]
    return []


class MeteredPart(io.RawIOBase):
    """A part of ``meter``'s file being inflated from ``part`` (zipfile's stream), read through the
    checks in the module docstring; each raises :class:`~question_bank.errors.InvalidInput`."""

    def __init__(self, part: Any, name: str, meter: Meter) -> None:
        super().__init__()
        self._part = part
        self._name = name
        self._meter = meter
        self._read_so_far = 0
        self._tail = b""
        self._run = 0  # bytes since the last "<"
        self._counts = _counts(name, meter.limits)
        self._other = is_other_part(name)

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

    def close(self) -> None:
        self._part.close()
        super().close()

    def _refuse(self, message: str, **params: Any):
        return refuse(self._meter.filename, message, **params)

    def _read_chunk(self, size: int) -> bytes:
        chunk = self._part.read(size)
        if not chunk:
            return chunk
        self._read_so_far += len(chunk)
        self._meter.count_inflated(self._name, self._read_so_far, len(chunk))
        window = self._tail + chunk
        if self._other:
            self._count_other(window)
        if _DTD.search(window):
            raise self._refuse(N_("This workbook contains an XML document type declaration (in %(part)s), which "
                                  "Excel never writes and which XML attacks use; it was refused."), part=self._name[:100])
        for count in self._counts:
            # Matches cannot overlap (each is one start tag), so those wholly inside the overlap
            # are the ones the chunk before counted.
            count.seen += len(count.pattern.findall(window)) - len(count.pattern.findall(self._tail))
            if count.seen > count.limit:
                raise self._refuse(count.message, n=count.limit)
        self._check_text_run(chunk)
        self._tail = window[-_OVERLAP:]
        return chunk

    def _count_other(self, window: bytes) -> None:
        limit = self._meter.limits.max_other_part_bytes
        if self._read_so_far > limit:
            raise self._meter.part_too_large(self._name, limit)
        # As for the counts above: start tags wholly inside the overlap were counted with the chunk before.
        self._meter.count_other_elements(self._name, len(_ANY_ELEMENT.findall(window))
                                         - len(_ANY_ELEMENT.findall(self._tail)))

    def _check_text_run(self, chunk: bytes) -> None:
        pieces = chunk.split(b"<")
        if len(pieces) == 1:
            self._run += len(chunk)
        else:
            longest = max(self._run + len(pieces[0]), max(map(len, pieces[1:-1]), default=0))
            self._run = max(longest, len(pieces[-1])) if longest > MAX_TEXT_RUN else len(pieces[-1])
        if self._run > MAX_TEXT_RUN:
            raise self._refuse(N_("The part %(part)s of this workbook holds more than %(mb)d MB of text in one piece; "
                                  "no Excel cell holds that much (Excel's limit is 32,767 characters). It was refused."),
                               part=self._name[:100], mb=MAX_TEXT_RUN // MB)
