"""Telling a CSV that is not in UTF-8 or GB18030/GBK from one that is, before its text is read
(issue 5: a Big5 file was read as GB18030 and stored as garbled text without a word).

GB18030 gives a character to almost any byte pair, so a file in another double-byte encoding
(Big5 from Taiwan or Hong Kong, Shift-JIS from Japan) or in Windows-1252 usually decodes as
GB18030 without an error, into nonsense. The nonsense can be told from Chinese text:

- text typed in GBK/GB18030 is almost all in GB2312 (the 6,763 common hanzi and its symbols) and
  never in the private-use area, which GBK's user-defined rows (AAA1–AFFE, F8A1–FEFE, A140–A7A0)
  decode to; Big5's most used rows (A4–AF) fall exactly there;
- the same bytes read in the encoding they were written in give that encoding's common characters
  (Big5's level 1 hanzi, Shift-JIS's kana and level 1 kanji, Windows-1252's accented letters
  between plain ones).

So a GB18030 reading is refused when it holds a private-use character, or when another encoding
reads the file without error and with fewer rare characters than the GB18030 reading, or when most
of its non-ASCII characters are rare (:func:`not_gb`). Every count is taken on the start of the file
(:data:`SAMPLE_BYTES`), at C speed but for the candidates, which are tried only on a suspect file.

A file whose lines are in two encodings (a UTF-8 header above rows pasted in GBK) is found line
by line (:func:`mixed_lines`): neither reading of it is what its author wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Bytes of the start of the file the characters are counted on (cut at a line end).
SAMPLE_BYTES = 256 * 1024
#: Rare characters a GB18030 reading may hold before another encoding is considered: a name or a
#: term outside GB2312 (喆, 堃, 䶮) is written in real Chinese files.
_RARE_ALLOWED = 1
#: Encodings tried in place of GB18030, with the name said to the person.
CANDIDATES = (("big5", "Big5"), ("shift_jis", "Shift-JIS"), ("cp1252", "Windows-1252"))
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
#: Non-ASCII characters a line must hold, decoding as UTF-8, to count as written in UTF-8.
_UTF8_LINE_EVIDENCE = 2


@dataclass(frozen=True)
class Verdict:
    """Why a GB18030 reading is not the file's text: ``encoding`` the likely encoding (``""``
    when none reads it better), ``line`` (from 1) the first line the reading garbles and
    ``sample`` what that line reads as in GB18030 (at most 40 characters)."""

    encoding: str
    line: int
    sample: str


def _sample(data: bytes) -> bytes:
    if len(data) <= SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, SAMPLE_BYTES)
    return data[:cut + 1] if cut > 0 else data[:SAMPLE_BYTES]


def _rare_gb(text: str) -> int:
    """Characters of ``text`` outside GB2312 (private-use ones included), counted at C speed: each
    becomes one "?" when encoded with replacement."""
    return text.encode("gb2312", errors="replace").count(b"?") - text.count("?")


def _rare_in(encoding: str, text: str) -> int:
    """Characters of ``text`` (decoded from ``encoding``) that text written in it rarely holds."""
    rare = 0
    if encoding == "cp1252":
        # Accented letters stand between plain ones ("Müller", "café"); a run of two non-ASCII
        # characters, or a non-ASCII symbol, is what double-byte text read so gives.
        for index, char in enumerate(text):
            if char < "\x80":
                continue
            neighbours = text[index - 1:index] + text[index + 1:index + 2]
            if not char.isalpha() or any(n >= "\x80" for n in neighbours):
                rare += 1
        return rare
    for char in _NON_ASCII.findall(text):
        code = char.encode(encoding)
        if len(code) != 2:
            rare += 1  # a half-width katakana of Shift-JIS: GBK bytes read so give rows of them
            continue
        number = int.from_bytes(code, "big")
        if encoding == "big5":
            common = 0xA140 <= number <= 0xA3BF or 0xA440 <= number <= 0xC67E  # symbols, level 1
        else:
            common = 0x8140 <= number <= 0x84BE or 0x889F <= number <= 0x9872  # symbols, kana, level 1
        rare += not common
    return rare


def not_gb(data: bytes, whole: str) -> Verdict | None:
    """Why ``data``, which decodes as GB18030 without error into ``whole``, is not GB18030 text
    (see the module docstring); ``None`` when it reads as Chinese. The private-use area is looked
    for in the whole text (at C speed), the rest on its start."""
    sample = _sample(data)
    text = sample.decode("gb18030", errors="replace")
    rare = _rare_gb(text)
    private = _PRIVATE_USE.search(whole)
    if not private and rare <= _RARE_ALLOWED:
        return None
    best, fewest = "", rare
    for encoding, name in CANDIDATES:
        try:
            other = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        count = _rare_in(encoding, other)
        if count < fewest:
            best, fewest = name, count
    non_ascii = len(_NON_ASCII.findall(text))
    if not (private or best or 2 * rare > non_ascii):
        return None
    lines = whole.split("\n")
    for number, line in enumerate(lines, start=1):
        if _PRIVATE_USE.search(line) or _rare_gb(line):
            return Verdict(best, number, line[:40])
    return Verdict(best, 1, lines[0][:40] if lines else "")


def mixed_lines(data: bytes) -> tuple[int, int] | None:
    """(a line in UTF-8, the first line not in UTF-8), both from 1, when ``data`` holds lines of
    both: a line counts as UTF-8 when it decodes so and holds at least two non-ASCII characters
    (GBK text practically never does), as not UTF-8 when it does not decode so. ``None`` when
    the file is one or the other."""
    utf8_line = other_line = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            if not utf8_line and len(_NON_ASCII.findall(decoded)) >= _UTF8_LINE_EVIDENCE:
                utf8_line = number
        if utf8_line and other_line:
            return utf8_line, other_line
    return None
