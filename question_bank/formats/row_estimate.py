"""How many questions an uploaded question file holds, roughly and cheaply, before it is read:
enough to decide whether its import runs in the request or as a background job (issue 5), and the
total its progress bar counts towards.

The unit is the one the import itself counts, whatever the format: a template's rows (one question
a row) and an interchange file's questions. So a Moodle XML file of 3,000 questions goes to the
background whether it is pretty-printed over 60,000 lines or written on one line, and a GIFT file
is counted by its question blocks, not by the lines each question spans.

- A workbook: the ``<row`` elements of its worksheet parts, streamed (header and title rows count
  too). The count stops once it passes ``limit``, or once the sheets have given :data:`SCAN_BYTES`
  decompressed (the rows counted so far are the estimate: a sheet inflated with little but padding,
  a zip bomb, goes to the importer in the request, whose guarded reader refuses it at once; a real
  sheet holds thousands of rows well before that). A file that is not a readable ZIP counts 0: the
  importer, not this estimate, says what is wrong with it.
- A CSV: its lines (a cell spanning lines counts each; the estimate errs towards the background).
- JSON Lines: its non-blank lines, one question each.
- Moodle XML: its ``<question`` elements that are not categories (``moodle_xml.read``'s rule).
- GIFT: its blocks of lines that hold a question, not only comments or a ``$CATEGORY``
  (``gift.read``'s rule).

A UTF-16 text file (by its byte order mark) is counted on its text, so that a character whose
code holds a line-feed byte (上 is 0A 4E) is not taken for a line end.
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
#: A Moodle XML question element's start tag and its type.
_MOODLE_QUESTION = re.compile(rb"<question(?=[\s>/])[^>]*?\stype\s*=\s*[\"']([^\"']*)")
_BLANK_LINE = re.compile(rb"\n[ \t\r\f\v]*\n")


def estimate_rows(data: bytes, limit: int, file_format: str = "template") -> int:
    """The questions of ``data`` in ``file_format`` ("template", "moodle_xml", "gift" or "jsonl",
    as ``services.import_formats`` names them), as the module says: a workbook's count stops a
    little past ``limit`` (any count above ``limit`` means "more than ``limit``"). Never raises."""
    if file_format == "template" and data.startswith(ZIP):
        try:
            return _workbook_rows(data, limit)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            return 0
    text = _as_utf8(data)
    if file_format == "moodle_xml":
        return sum(1 for found in _MOODLE_QUESTION.finditer(text) if found.group(1).strip() != b"category")
    if file_format == "gift":
        return sum(1 for block in _BLANK_LINE.split(text.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
                   if _holds_gift_question(block))
    if file_format == "jsonl":
        return sum(1 for line in text.splitlines() if line.strip())
    return text.count(b"\n") + 1


def _as_utf8(data: bytes) -> bytes:
    """A UTF-16 file (by its byte order mark) as UTF-8; any other as it is, without a UTF-8 byte
    order mark (UTF-8 and GB18030 never hold a line-feed or an ASCII ``<`` byte inside a character)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data.removeprefix(b"\xef\xbb\xbf")


def _holds_gift_question(block: bytes) -> bool:
    body = [line for line in block.split(b"\n") if line.strip() and not line.lstrip().startswith(b"//")]
    return bool(body) and not body[0].lstrip().startswith(b"$CATEGORY:")


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
