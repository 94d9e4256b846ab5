"""Chinese and Arabic numerals as statute texts and citations write them.

Article, chapter and paragraph numbers are written in Chinese numerals in the official layout
(第一千二百六十条, 第一百零五条, 第十条) and in Arabic numerals in many citations (第36条), sometimes
with full-width digits (第３６条). Numbers in the laws go up to the thousands (民法典 ends at
第一千二百六十条); 万 is read as well, for completeness.
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
#: One numeral, Chinese or Arabic (half- or full-width digits), as a regular-expression fragment.
NUMERAL = r"[零〇○一二两三四五六七八九十百千万]+|[0-9０-９]+"
_CHINESE_NUMERAL = re.compile(r"[零〇○一二两三四五六七八九十百千万]+")
_ARABIC = str.maketrans("０１２３４５６７８９", "0123456789")
_NAMES = "零一二三四五六七八九"


def parse_numeral(text: str) -> int | None:
    """The value of one numeral: ``"一千二百六十"`` → 1260, ``"一百零五"`` → 105, ``"十"`` → 10,
    ``"36"`` and ``"３６"`` → 36; ``None`` for anything that is not one numeral (empty, mixed
    scripts, units out of order such as ``"百十"``)."""
    text = text.strip()
    if not text:
        return None
    arabic = text.translate(_ARABIC)
    if arabic.isascii() and arabic.isdigit():
        return int(arabic)
    if not _CHINESE_NUMERAL.fullmatch(text):
        return None
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        # Digit by digit, as years are written (二〇二四); not how article numbers are written.
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, section, digit, last_unit = 0, 0, None, None
    for ch in text:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0 and digit != 0:
                return None  # two digits in a row: "二三"
            digit = DIGITS[ch]
            continue
        unit = UNITS[ch]
        if unit == 10_000:
            section = (section + (digit or 0)) * unit
            total, section, digit, last_unit = total + section, 0, None, None
            continue
        if last_unit is not None and unit >= last_unit:
            return None  # units must fall: "百十", "十十"
        if digit is None:
            # "十" at the start means one ten (十二 = 12); any other unit needs its digit.
            if unit != 10 or section or total:
                return None
            digit = 1
        if digit == 0:
            return None
        section += digit * unit
        digit, last_unit = None, unit
    return total + section + (digit or 0)


def chinese_numeral(value: int) -> str:
    """``value`` (0 … 99 999) in Chinese numerals as statutes write them: 10 → 十, 12 → 十二,
    105 → 一百零五, 110 → 一百一十, 1260 → 一千二百六十. Raises ``ValueError`` outside that range."""
    if not 0 <= value < 100_000:
        raise ValueError(f"{value} is outside 0 … 99999")
    if value == 0:
        return "零"
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(_NAMES[digit] + name)
    text = "".join(parts)
    # 10–19 are written 十, 十一 …, not 一十: but 110 stays 一百一十.
    return text[1:] if text.startswith("一十") else text


def article_label(number: int, suffix: int = 0) -> str:
    """The official label of an article: (36, 0) → 第三十六条, (133, 1) → 第一百三十三条之一."""
    return f"第{chinese_numeral(number)}条" + (f"之{chinese_numeral(suffix)}" if suffix else "")


_ARTICLE_WORDS = re.compile(rf"第\s*({NUMERAL})\s*条(?:\s*之\s*({NUMERAL}))?")


def renumber_article(text: str, old: tuple[int, int], new: tuple[int, int]) -> str | None:
    """``text`` (a citation as written: 《监察法》第十二条第二款) with its one mention of the article
    ``old`` (number, suffix), in Chinese or Arabic numerals, replaced by ``new``'s label
    (第十三条), 款 and 项 kept; None when it names ``old`` not exactly once (nothing safe to
    rewrite, e.g. a range's inner article)."""
    found = [m for m in _ARTICLE_WORDS.finditer(text)
             if (parse_numeral(m.group(1)), parse_numeral(m.group(2)) if m.group(2) else 0) == old]
    if len(found) != 1:
        return None
    match = found[0]
    return text[:match.start()] + article_label(*new) + text[match.end():]
