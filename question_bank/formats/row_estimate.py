"""How many rows an uploaded question file holds, roughly and cheaply, before it is read: enough to
decide whether its import runs in the request or as a background job (issue 5).

Every row counts, header and title rows too. A workbook's rows are counted as the ``<row`` elements of its worksheet parts, streamed; any other
file's as its lines. The count stops once it passes ``limit``, and a workbook whose sheets
decompress to more than :data:`SCAN_BYTES` counts as large without reading further. A file that is
not a readable ZIP counts its lines: the importer, not this estimate, says what is wrong with it.
"""

from __future__ import annotations

import io
import re
import zipfile

from question_bank.formats.guarded.kinds import ZIP

#: Decompressed worksheet bytes scanned at most; a workbook with more is large whatever it holds.
SCAN_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
#: A row element, with or without a namespace prefix.
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_OVERLAP = 16


def estimate_rows(data: bytes, limit: int) -> int:
    """The rows (or lines) of ``data``, counted up to a little past ``limit`` (any count above
    ``limit`` means "more than ``limit``"). Never raises."""
    if data.startswith(ZIP):
        try:
            return _workbook_rows(data, limit)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            return 0
    return data.count(b"\n") + 1


def _workbook_rows(data: bytes, limit: int) -> int:
    rows, scanned = 0, 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml")):
                continue
            tail = b""
            with archive.open(name) as part:
                while chunk := part.read(_CHUNK):
                    scanned += len(chunk)
                    text = tail + chunk
                    rows += len(_ROW.findall(text)) - len(_ROW.findall(tail))
                    tail = text[-_OVERLAP:]
                    if rows > limit or scanned > SCAN_BYTES:
                        return max(rows, limit + 1)
    return rows
