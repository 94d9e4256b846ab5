"""A spreadsheet cell's value as the text Excel shows for it, from the value Excel saved and the
cell's number format (case C-27: "5%", not "0.05"; "3月1日", not "2026-03-01").

There is no well-kept Python library for this (openpyxl reads number formats but never applies
them; the one PyPI formatter found was a first release), so this module formats what Excel's own
formats and the common custom ones produce, and refuses the rest rather than guess:

- General, integers and decimals (``0``, ``0.00``, ``#,##0.00``, ``0.0,`` …), percent, scientific
  (``0.00E+00``), fractions (``# ?/?``, ``# ??/??``, ``?/8``), currency and literal text in quotes or
  after ``\\``, ``[$¥-804]`` currency tags, colours, and up to three sections (positive;negative;zero);
- dates and times: ``yyyy yy m mm mmm mmmm d dd ddd dddd aaa aaaa`` (the Chinese weekday, 四 and
  星期四) ``h hh m mm s ss AM/PM 上午/下午``, elapsed
  ``[h] [m] [s]`` and tenths of seconds; Excel's locale date formats (built-in ids 14 and 22 shown
  as a Chinese Excel shows them, ``yyyy/m/d``; the Chinese built-ins 27–36 and 50–58, which files
  do not spell out, are looked up by :func:`locale_format`).

A format this module cannot apply exactly (a condition such as ``[>100]``, engineering notation,
a number with text inside its digits) raises :class:`NotShown`: the importer refuses the cell,
naming it, instead of storing text the author never saw. Error values are refused by the caller.
Sources: ECMA-376 Part 1, 18.8.30 (numFmt) and 18.8.31 (format codes); Excel's own rendering of
its built-in formats.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from openpyxl.utils.datetime import from_excel

from question_bank.errors import N_

#: Excel's built-in date formats whose text depends on the reader's locale, as Excel on Chinese
#: Windows shows them (ECMA-376 Part 1, 18.8.30, zh-cn). Ids 14 and 22 are the ones openpyxl
#: names "mm-dd-yy" and "m/d/yy h:mm"; the others openpyxl reads as "General".
LOCALE_FORMATS: dict[int, str] = {
    14: "yyyy/m/d", 22: "yyyy/m/d h:mm",
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
#: The weekday as Excel's Chinese formats aaa (四) and aaaa (星期四) show it, Monday first.
_CHINESE_DAYS = "一二三四五六日"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class NotShown(ValueError):
    """The cell's number format cannot be applied exactly; ``args`` = (message msgid, params)."""


def locale_format(format_id: int | None, number_format: str) -> str:
    """The format code to apply: a locale built-in's code (:data:`LOCALE_FORMATS`) when the cell
    uses one, else ``number_format`` as openpyxl read it."""
    if format_id in LOCALE_FORMATS and (number_format in ("General", "mm-dd-yy", "m/d/yy h:mm")):
        return LOCALE_FORMATS[format_id]
    return number_format


def shown_text(value: Any, number_format: str = "General", epoch: dt.datetime | None = None) -> str:
    """The text Excel shows for ``value`` (``None``, ``str``, ``bool``, ``int``, ``float``,
    ``Decimal``, ``date``, ``datetime``, ``time`` or ``timedelta``) under ``number_format``.
    ``epoch`` is the workbook's date system (openpyxl's ``CALENDAR_WINDOWS_1900`` by default).
    Raises :class:`NotShown` for a format it cannot apply exactly."""
    if value is None:
        return ""
    code = number_format or "General"
    if code == "@":
        code = "General"
    sections = _split_sections(code)
    if isinstance(value, str):
        # A fourth section is the text's; left empty (";;;") it hides the text.
        if len(sections) > 3 and not sections[3] and value:
            raise _hidden(code)
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        if not sections[0] and len(sections) > 1:
            raise _hidden(code)
        return _date_text(value, sections[0], code)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    section, signed = _section_for(number, sections)
    if not section and len(sections) > 1:
        raise _hidden(code)
    if _is_date_section(section):
        moment = from_excel(float(number), epoch) if epoch is not None else from_excel(float(number))
        return _date_text(moment, section, code)
    text = _number_text(abs(number), section, code)
    # Only a one-section format adds the minus sign; a negative section writes its own.
    return "-" + text if signed and number < 0 and text.strip("0.,% ") else text


def _refuse(code: str) -> NotShown:
    return NotShown(N_("this cell's number format %(format)s cannot be read exactly; format the cell as 文本 (Text) "
                       "or 常规 (General) and type the value as it should read"), {"format": code})


def _hidden(code: str) -> NotShown:
    """A format whose section for the value is empty: Excel shows the cell empty (ECMA-376 Part 1,
    18.8.31: an empty section hides the values it is for; ";;;" hides every value)."""
    return NotShown(N_("this cell's number format %(format)s hides its value, so Excel shows the cell empty; format "
                       "the cell as 文本 (Text) or 常规 (General) so the value shows, or clear the cell"), {"format": code})


def _split_sections(code: str) -> list[str]:
    """The format's sections (split on ``;`` outside quotes and escapes)."""
    sections, current, quoted, escaped = [], [], False, False
    for char in code:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


def _section_for(number: Decimal, sections: list[str]) -> tuple[str, bool]:
    """(section, whether a minus sign is to be added): Excel's rule, positive;negative;zero;text.
    An empty section is returned empty (it hides the value: :func:`_hidden`)."""
    if number < 0 and len(sections) > 1:
        return sections[1], False
    if number == 0 and len(sections) > 2:
        return sections[2], False
    return sections[0], True


# --- tokens -----------------------------------------------------------------------------------------

_BRACKET = re.compile(r"\[([^\]]*)\]")
_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def _tokens(section: str, code: str) -> list[tuple[str, str]]:
    """("lit", text) and ("fmt", char or bracket) tokens of one section."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.find('"', i + 1)
            if end < 0:
                raise _refuse(code)
            tokens.append(("lit", section[i + 1:end]))
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            tokens.append(("lit", section[i + 1]))
            i += 2
        elif char == "_" and i + 1 < len(section):
            tokens.append(("lit", " "))  # padding the width of the next character
            i += 2
        elif char == "*" and i + 1 < len(section):
            i += 2  # a fill repeated to the cell's width: nothing at the text's own width
        elif char == "[":
            found = _BRACKET.match(section, i)
            if found is None:
                raise _refuse(code)
            inner = found.group(1)
            if inner.startswith("$"):
                tokens.append(("lit", inner[1:].split("-", 1)[0]))
            elif inner.casefold() in _COLOURS or re.fullmatch(r"(?i)color\s*\d+", inner):
                pass
            elif re.fullmatch(r"(?i)h+|m+|s+", inner):
                tokens.append(("fmt", "[" + inner.lower() + "]"))
            else:
                raise _refuse(code)  # conditions ([>100]) and calendars are not guessed at
            i = found.end()
        else:
            tokens.append(("fmt", char))
            i += 1
    return tokens


def _is_date_section(section: str) -> bool:
    stripped = re.sub(r'"[^"]*"|\\.|_.|\*.|\[\$[^\]]*\]|\[(?i:black|blue|cyan|green|magenta|red|white|yellow)\]', "",
                      section)
    return bool(re.search(r"(?i)[ymdhs]|aaa|\[[hms]+\]|上午/下午|AM/PM|A/P", stripped)) and "General" not in stripped


# --- numbers ----------------------------------------------------------------------------------------

def _general(number: Decimal) -> str:
    """The text Excel's General format shows for ``number``: at most :data:`GENERAL_CHARS`
    characters besides a minus sign, decimals rounded off to fit, and scientific notation with six
    significant digits (``1.23457E+17``) when even the integer part does not fit.

    Source: Excel's General rule ("up to 11 characters"), as SheetJS's SSF formatter implements it
    (``general_fmt_num``): whole numbers of 32 bits print in full; otherwise the decimal exponent
    V decides: -4..-1 → 10+V significant digits; -9..9 → 12 decimals if they fit, else 10
    significant digits if they fit, else ``d.dddddE±xx``; 10 → the integer part; beyond →
    decimals if they fit, else six significant digits. Trailing zeros and a bare point are dropped.
    """
    if number == 0:
        return "0"
    if number == number.to_integral_value() and -2**31 <= number < 2**31:
        return str(int(number))
    value = float(number)  # Excel holds a double; so does SSF
    exponent = _exponent(value)
    width = GENERAL_CHARS + (1 if value < 0 else 0)
    if -4 <= exponent <= -1:
        text = _to_precision(value, 10 + exponent)
    elif abs(exponent) <= 9:
        text = _strip_decimal(f"{value:.12f}")
        if len(text) > width:
            text = _to_precision(value, 10)
            if len(text) > width:
                text = f"{value:.5e}"
    elif exponent == 10:
        text = f"{value:.10f}"[:12]
    else:
        text = _strip_decimal(f"{value:.11f}")
        if len(text) > width or text in ("0", "-0"):
            text = _to_precision(value, 6)
    return _strip_decimal(_normal_exponent(text.upper()))


#: Characters Excel's General format shows of a number, the minus sign not counted.
GENERAL_CHARS = 11


def _exponent(value: float) -> int:
    """The decimal exponent of ``value`` (floor of log10 |value|), exact at powers of ten."""
    return Decimal(repr(abs(value))).adjusted()


def _to_precision(value: float, digits: int) -> str:
    """JavaScript's ``Number.prototype.toPrecision``: ``digits`` significant digits, in fixed
    notation unless the exponent (after rounding) is below -6 or at least ``digits``."""
    text = f"{value:.{digits - 1}e}"
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if power < -6 or power >= digits:
        return text
    return f"{value:.{max(digits - 1 - power, 0)}f}"


def _strip_decimal(text: str) -> str:
    """"1.2300" → "1.23", "5.000" → "5"; text without a point, or in scientific form, unchanged."""
    if "." not in text or "E" in text.upper():
        return text
    return text.rstrip("0").rstrip(".")


def _normal_exponent(text: str) -> str:
    """Scientific text as General shows it: mantissa without trailing zeros, exponent of at least
    two digits ("1.50000E+5" → "1.5E+05")."""
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{int(exponent):+03d}"


#: Significant digits Excel keeps of a number typed into a cell; it stores the rest as zeros.
EXCEL_DIGITS = 15


def shows_fewer_digits(value: Any, number_format: str) -> bool:
    """True when ``value`` is a whole number whose digits Excel has lost or hides: in a General
    (or Text) cell General shows it in scientific notation with digits lost (``123456789012``
    shows ``1.23457E+11``; ``1.5E+20`` loses nothing), or, in a format showing every digit, it
    has more than :data:`EXCEL_DIGITS` digits, so that Excel, which keeps 15, turned the rest into
    zeros when it was typed (an 18-digit ID number in format ``0`` reads ``110101199003071000``). A long number an author typed
    into such a cell (an ID number, a case number, a document number) is not what they wrote;
    reading it either way would store a number nobody wrote."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number != number.to_integral_value():
        return False
    if (number_format or "General").strip().casefold() in ("general", "@"):
        shown = _general(number)
        return "E" in shown and Decimal(shown) != number
    if abs(number) < Decimal(10) ** EXCEL_DIGITS:
        return False
    try:
        return "E" not in shown_text(value, number_format).upper()  # every digit shown, Excel's zeros too
    except NotShown:
        return False  # refused for its format anyway


def as_excel_keeps(value: int | float | Decimal) -> Decimal:
    """``value`` with only the :data:`EXCEL_DIGITS` significant digits Excel keeps of a number, the
    rest zeros: what Excel shows for ``110101199003078888`` typed into a cell formatted ``0`` is
    ``110101199003079000`` (a float holds ``110101199003078896``, more than Excel does)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == 0:
        return number
    drop = number.adjusted() + 1 - EXCEL_DIGITS
    if drop <= 0:
        return number
    return number.scaleb(-drop).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(drop)


def _number_text(number: Decimal, section: str, code: str) -> str:
    if section.strip() in ("General", "") or section.strip().casefold() == "general":
        return _general(number)
    tokens = _tokens(section, code)
    placeholders = [i for i, (kind, char) in enumerate(tokens) if kind == "fmt" and char in "0#?"]
    if not placeholders:
        if any(kind == "fmt" and char.casefold() == "g" for kind, char in tokens):
            # "General" written with literals around it, e.g. General"分"
            return _with_literals(tokens, code, _general(number), general=True)
        return "".join(text for _, text in tokens)  # a section of text only ("-")
    first, last = placeholders[0], placeholders[-1]
    # A fixed denominator ("?/4") ends in digits, which are no placeholders.
    if last + 1 < len(tokens) and tokens[last + 1] == ("fmt", "/"):
        last += 1
        while last + 1 < len(tokens) and tokens[last + 1][0] == "fmt" and tokens[last + 1][1].isdigit():
            last += 1
    # Thousands scaling: commas right after the last digit placeholder.
    scale = 0
    while last + 1 < len(tokens) and tokens[last + 1] == ("fmt", ","):
        scale += 1
        last += 1
    core = tokens[first:last + 1]
    chars = "".join(char for kind, char in core if kind == "fmt")
    if any(kind == "lit" and text.strip() for kind, text in core) and "/" not in chars:
        raise _refuse(code)
    percent = sum(1 for kind, char in tokens if kind == "fmt" and char == "%")
    value = number * (Decimal(100) ** percent) / (Decimal(1000) ** scale)
    if "E" in chars.upper():
        body = _scientific(value, chars, code)
    elif "/" in chars:
        body = _fraction(value, core, code)
    else:
        body = _decimal(value, chars.rstrip(","), code)
    before = "".join(_literal(kind, char, code) for kind, char in tokens[:first])
    after = "".join(_literal(kind, char, code) for kind, char in tokens[last + 1:])
    return before + body + after


def _literal(kind: str, char: str, code: str) -> str:
    """A token outside the digits: literal text, or a format character shown as itself."""
    if kind == "lit" or char in "$-+/():!^&'~{}<>= %¥€£":
        return char
    if ord(char) > 127:
        return char  # Chinese text written without quotes (元, 分) is shown as written
    raise _refuse(code)


def _with_literals(tokens: list[tuple[str, str]], code: str, body: str, general: bool) -> str:
    text, skip = [], 0
    for kind, char in tokens:
        if skip:
            skip -= 1
            continue
        if kind == "fmt" and char.casefold() == "g" and general:
            text.append(body)
            skip, general = len("eneral"), False
        else:
            text.append(_literal(kind, char, code))
    return "".join(text)


def _decimal(value: Decimal, chars: str, code: str) -> str:
    integer_part, _, decimal_part = chars.partition(".")
    if any(c not in "0#?," for c in integer_part) or any(c not in "0#?" for c in decimal_part):
        raise _refuse(code)
    grouped = "," in integer_part
    rounded = value.quantize(Decimal(1).scaleb(-len(decimal_part)), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    minimum = integer_part.count("0")
    whole = whole.lstrip("0").rjust(minimum, "0") if whole != "0" or minimum else ""
    if grouped and whole:
        whole = f"{int(whole):,}".rjust(minimum, "0")
    fraction = fraction.ljust(len(decimal_part), "0")
    # Optional places (#, ?) drop their trailing zeros; required ones (0) keep them.
    required = len(decimal_part.rstrip("#?"))
    kept = fraction[:required] + fraction[required:].rstrip("0")
    if not decimal_part:
        return whole
    # "0.#" shows 1 as "1." and "#.##" shows 0.5 as ".5", as Excel does.
    return whole + "." + kept


def _scientific(value: Decimal, chars: str, code: str) -> str:
    found = re.fullmatch(r"(0+)(?:\.(0*))?[Ee]([+-])(0+)", chars.replace("#", "0") if chars.startswith("0") else chars)
    if found is None or len(found.group(1)) != 1:
        raise _refuse(code)  # engineering notation (##0.0E+0) is not guessed at
    places, sign, digits = len(found.group(2) or ""), found.group(3), len(found.group(4))
    mantissa, exponent = f"{value:.{places}E}".split("E")
    exp = int(exponent)
    exp_text = ("-" if exp < 0 else ("+" if sign == "+" else "")) + str(abs(exp)).rjust(digits, "0")
    return f"{mantissa}E{exp_text}"


def _fraction(value: Decimal, core: list[tuple[str, str]], code: str) -> str:
    text = "".join(char if kind == "fmt" else ("\0" + char) for kind, char in core)
    found = re.fullmatch(r"(?:([#0?]+)[ \0]+)?([#0?]+)/([#0?]+|\d+)", text.replace("\0 ", " "))
    if found is None:
        raise _refuse(code)
    whole_places, denominator = found.group(1), found.group(3)
    whole = int(value) if whole_places else 0
    rest = Fraction(value) - whole
    if denominator.isdigit():
        fixed = int(denominator)
        part = Fraction(round(rest * fixed), fixed)
        numerator, denom = part.numerator * (fixed // part.denominator), fixed
    else:
        part = rest.limit_denominator(10 ** len(denominator) - 1)
        numerator, denom = part.numerator, part.denominator
    if numerator == denom and whole_places:
        whole, numerator = whole + 1, 0
    if numerator == 0:
        return str(whole)
    if whole_places and whole:
        return f"{whole} {numerator}/{denom}"
    return f"{numerator}/{denom}"


# --- dates and times --------------------------------------------------------------------------------

_DATE_TOKEN = re.compile(r"(?i)aaaa|aaa|yyyy|yy|e|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|上午/下午|\.0+")


def _date_text(value: Any, section: str, code: str) -> str:
    if isinstance(value, dt.timedelta):
        moment, elapsed = dt.datetime(1899, 12, 30) + value, value
    elif isinstance(value, dt.datetime):
        moment, elapsed = value, None
    elif isinstance(value, dt.date):
        moment, elapsed = dt.datetime.combine(value, dt.time()), None
    else:
        moment, elapsed = dt.datetime.combine(dt.date(1899, 12, 30), value), None
    if section.strip().casefold() == "general":
        return moment.isoformat(sep=" ")
    tokens = _tokens(section, code)
    pieces: list[tuple[str, str]] = []  # ("lit", text) or ("tok", token)
    buffer = "".join(char if kind == "fmt" else "\0" for kind, char in tokens)
    literals = iter(text for kind, text in tokens if kind == "lit")
    position = 0
    while position < len(buffer):
        char = buffer[position]
        if char == "\0":
            pieces.append(("lit", next(literals)))
            position += 1
            continue
        if buffer.startswith("[", position):
            end = buffer.index("]", position)
            pieces.append(("tok", buffer[position:end + 1]))
            position = end + 1
            continue
        found = _DATE_TOKEN.match(buffer, position)
        if found is None:
            pieces.append(("lit", _literal("fmt", char, code)))
            position += 1
            continue
        pieces.append(("tok", found.group(0)))
        position = found.end()
    twelve = any(kind == "tok" and tok.casefold() in ("am/pm", "a/p", "上午/下午") for kind, tok in pieces)
    # Round to the shown precision of seconds before splitting the moment into fields.
    places = max((len(tok) - 1 for kind, tok in pieces if kind == "tok" and tok.startswith(".")), default=0)
    step = dt.timedelta(seconds=1) / (10 ** places)
    moment = dt.datetime.min + round((moment - dt.datetime.min) / step) * step
    out: list[str] = []
    for index, (kind, tok) in enumerate(pieces):
        if kind == "lit":
            out.append(tok)
            continue
        out.append(_date_field(tok.lower() if tok != "上午/下午" else tok, moment, elapsed, twelve,
                               _is_minute(pieces, index), places, code))
    return "".join(out)


def _is_minute(pieces: list[tuple[str, str]], index: int) -> bool:
    """An ``m``/``mm`` is minutes right after an hour or right before a second (ECMA-376 18.8.31)."""
    def neighbour(step: int) -> str:
        i = index + step
        while 0 <= i < len(pieces):
            if pieces[i][0] == "tok":
                return pieces[i][1].lower()
            i += step
        return ""
    return neighbour(-1).lstrip("[").startswith("h") or neighbour(1).lstrip("[").startswith("s")


def _date_field(tok: str, moment: dt.datetime, elapsed: dt.timedelta | None, twelve: bool, minute: bool,
                places: int, code: str) -> str:
    total = elapsed if elapsed is not None else moment - dt.datetime(1899, 12, 30)
    hour = moment.hour % 12 or 12 if twelve else moment.hour
    fields = {
        "yyyy": f"{moment.year:04d}", "yy": f"{moment.year % 100:02d}", "e": str(moment.year),
        "mmmmm": _MONTHS[moment.month - 1][0], "mmmm": _MONTHS[moment.month - 1], "mmm": _MONTHS[moment.month - 1][:3],
        "aaaa": "星期" + _CHINESE_DAYS[moment.weekday()], "aaa": _CHINESE_DAYS[moment.weekday()],
        "dddd": _DAYS[moment.weekday()], "ddd": _DAYS[moment.weekday()][:3], "dd": f"{moment.day:02d}",
        "d": str(moment.day), "hh": f"{hour:02d}", "h": str(hour), "ss": f"{moment.second:02d}",
        "s": str(moment.second), "am/pm": "AM" if moment.hour < 12 else "PM", "a/p": "A" if moment.hour < 12 else "P",
        "上午/下午": "上午" if moment.hour < 12 else "下午",
        "[h]": str(int(total.total_seconds() // 3600)), "[hh]": f"{int(total.total_seconds() // 3600):02d}",
        "[m]": str(int(total.total_seconds() // 60)), "[mm]": f"{int(total.total_seconds() // 60):02d}",
        "[s]": str(int(total.total_seconds())), "[ss]": f"{int(total.total_seconds()):02d}",
    }
    if tok in ("m", "mm"):
        number = moment.minute if minute else moment.month
        return f"{number:02d}" if tok == "mm" else str(number)
    if tok.startswith("."):
        return "." + f"{moment.microsecond:06d}"[:places]
    if tok not in fields:
        raise _refuse(code)
    return fields[tok]
