"""Moodle's answer grades and its Cloze (multianswer) fill-in syntax, shared by the Moodle XML and
GIFT formats.

Moodle accepts only the grades of its own list (``question_bank::fraction_options_full()`` in
Moodle's ``question/engine/bank.php``): 100 %, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40,
33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 and their negatives; its importers
refuse any other (Moodle's ``error_invalid_grades.xml`` fixture has 33). Grades are compared to five
decimals, as Moodle writes them.
"""

from __future__ import annotations

import re
from decimal import Decimal

_POSITIVE = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
             "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
#: Every grade Moodle accepts, in percent.
GRADES = frozenset(Decimal(g) for g in _POSITIVE) | frozenset(-Decimal(g) for g in _POSITIVE)
_PLACES = Decimal("0.00001")


def grade_of(text: str) -> Decimal | None:
    """The grade ``text`` names (percent, e.g. ``"33.33333"`` or ``"33.333333"``) when Moodle accepts
    it, else ``None`` (also for text that is not a number)."""
    try:
        value = Decimal(text.strip()).quantize(_PLACES)
    except ArithmeticError:
        return None
    for grade in GRADES:
        if abs(grade - value) <= _PLACES:
            return grade
    return None


def share(count: int) -> str:
    """The grade of each of ``count`` right answers sharing 100 % (``3`` → ``"33.33333"``), as
    Moodle writes it; ``count`` from 1 to 8 always gives a grade Moodle accepts."""
    return format((Decimal(100) / count).quantize(_PLACES).normalize(), "f")


# --- Cloze ------------------------------------------------------------------------------------------

#: Sub-question types of a Cloze blank that type a short answer (case-sensitive ones included).
CLOZE_SHORT_ANSWER = frozenset({"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"})
CLOZE = re.compile(r"\{(\d*):([A-Za-z_]+):((?:\\.|[^\\}])*)\}")
_CLOZE_SPECIAL = "}#~/\"\\"


def cloze_escape(text: str) -> str:
    """An answer as a Cloze blank may hold it: ``} # ~ / " \\`` escaped with a backslash."""
    return "".join("\\" + ch if ch in _CLOZE_SPECIAL else ch for ch in text)


def cloze_blank(alternatives: list[str], weight: int = 1) -> str:
    """A short-answer Cloze blank accepting each of ``alternatives`` fully:
    ``{1:SHORTANSWER:=行政复议~=复议}``."""
    return "{%d:SHORTANSWER:%s}" % (weight, "~".join("=" + cloze_escape(a) for a in alternatives))


def split_unescaped(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` not preceded by a backslash (escapes kept)."""
    parts, current, chars = [], [], iter(text)
    for ch in chars:
        if ch == "\\":
            current.append(ch + next(chars, ""))
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    """A backslash keeps the next character as it is: ``\\=`` → ``=``."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def read_cloze_answers(body: str) -> list[tuple[Decimal | None, str, str]]:
    """The answers of one Cloze blank's body (``=a~%50%b#well``): ``(grade, text, feedback)``
    each, grade ``100`` for ``=``, ``0`` when none is written, ``None`` for a grade Moodle refuses."""
    answers = []
    for part in split_unescaped(body, "~"):
        pieces = split_unescaped(part, "#")
        text, feedback = pieces[0], "#".join(pieces[1:])
        grade: Decimal | None = Decimal(0)
        if text.startswith("="):
            grade, text = Decimal(100), text[1:]
        else:
            found = re.match(r"%(-?[\d.]+)%", text)
            if found:
                grade, text = grade_of(found.group(1)), text[found.end():]
        answers.append((grade, unescape(text).strip(), unescape(feedback).strip()))
    return answers
