"""How many rows an uploaded question file holds, roughly and cheaply, before it is read: enough to
decide whether its import runs in the request or as a background job (issue 5).

Every row counts, header and title rows too. A workbook's rows are counted as the ``<row`` elements of its worksheet parts, streamed; any other
file's as its lines. The count stops once it passes ``limit``, or once a workbook's sheets have given
:data:`SCAN_BYTES` decompressed (the rows counted so far are the estimate: a sheet inflated with
little but padding, a zip bomb, goes to the importer in the request, whose guarded reader refuses
it at once; a real sheet holds thousands of rows well before that). A file that is
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
#: A row element, with or without a namespace prefix, and its row number when it has one.
_ROW = re.compile(rb"<(?:\w+:)?row(?=[\s>/])(?:[^>]*?\sr=\"(\d+)\")?")
#: Longer than any row element's opening tag this module needs to see whole.
_OVERLAP = 256


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
            tail, last = b"", 0
            with archive.open(name) as part:
                while chunk := part.read(_CHUNK):
                    scanned += len(chunk)
                    text = tail + chunk
                    # A row element cut by the chunk's end is read whole with the next chunk.
                    cut = text.rfind(b"<")
                    whole, tail = (text[:cut], text[cut:]) if cut >= 0 and len(text) - cut < _OVERLAP else (text, b"")
                    for found in _ROW.finditer(whole):
                        number = int(found.group(1)) if found.group(1) else last + 1
                        if number > last:  # a row listed again (a hostile file's trick) counts once
                            rows, last = rows + 1, number
                    if rows > limit or scanned > SCAN_BYTES:
                        return rows
    return rows
