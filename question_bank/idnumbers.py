"""The 18-character resident identity number (公民身份号码) of GB 11643-1999.

Layout (GB 11643-1999 §4): six digits of address code, eight digits of birth date YYYYMMDD, three
digits of sequence code, and one check character. The check character is computed over the first
17 digits with ISO 7064:1983 MOD 11-2 (GB 11643-1999 §8.2): each digit is multiplied by its weight
2^(18-i) mod 11 (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), the products are summed, and
the sum mod 11 picks the character from ``1 0 X 9 8 7 6 5 4 3 2``. "X" stands for ten.

Beyond the check character, the content must be possible:

- the address code (GB 11643-1999 §5.1 points to GB/T 2260, 中华人民共和国行政区划代码) must begin
  with the two digits of a province-level division of GB/T 2260: 11–15, 21–23, 31–37, 41–46,
  50–54, 61–65, 71 (Taiwan), 81 (Hong Kong), 82 (Macao); and all six digits must be a code that
  GB/T 2260 has listed in some year, as python-stdnum's table of it (``stdnum.cn.loc``) records,
  or the code of a residence permit for residents of Hong Kong, Macao or Taiwan (810000, 820000,
  830000: 港澳台居民居住证申领发放办法, 2018). A code is taken whatever years it was in use:
  county codes are renamed and retired, and a number keeps the code it was issued with, which may
  postdate the birth year (stdnum's own ``validate`` asks for the code to be in use in the birth
  year, and so refuses, say, a Hong Kong permit holder born before 1997);
- the birth date (§5.2) must be a real calendar date, not after ``today`` and not before
  1900-01-01. ``today`` is the caller's (from its clock, as a date in China: :func:`local_date`),
  since the domain never reads the wall clock.

python-stdnum (``stdnum.cn.ric``) computes the check character and reads the birth date; this
module keeps the messages, which say which part is wrong.

This is the one place that knows the rule: accounts (``services.people``) and roster imports
(``services.roster``) both read numbers through :func:`parse_id_number`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from question_bank.clock import BEIJING
from question_bank.errors import N_

LENGTH = 18
#: The first two digits of every province-level division in GB/T 2260 (中华人民共和国行政区划代码):
#: the north (11–15), north-east (21–23), east (31–37), centre and south (41–46), south-west
#: (50–54) and north-west (61–65), Taiwan (71), Hong Kong (81) and Macao (82).
PROVINCE_CODES = frozenset(str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                                             *range(50, 55), *range(61, 66), 71, 81, 82))
#: The address codes of residence permits for residents of Hong Kong, Macao and Taiwan (港澳台居民居住证,
#: 2018), which follow GB 11643-1999 but are not counties of GB/T 2260.
RESIDENCE_PERMIT_CODES = frozenset({"810000", "820000", "830000"})
#: The earliest birth date accepted; an earlier one is taken for a typing error (1800 for 1980).
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """Why a text is not a resident identity number: ``message`` is an English gettext msgid
    (marked with ``N_``), meant to become a :class:`~question_bank.errors.Problem` at the caller's place."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise(text: str) -> str:
    """``text`` as an ID number is stored: width folded (NFKC, so full-width digits and "ｘ" read as
    ASCII), the separators people type or paste between the groups removed (spaces, hyphens and
    dashes, invisible characters: :data:`_SEPARATOR_CHARACTER`, as in free text), a lower-case
    check character "x" made "X". So "110101-19800101-1234" and "110101 19800101 1234" are the same
    number at sign-in, in the account form and in an import (issue 10, item 6)."""
    return re.sub(_SEPARATOR_CHARACTER, "", unicodedata.normalize("NFKC", text)).upper()


def check_character(first17: str) -> str:
    """The check character ("0"…"9" or "X") for the first 17 digits of a number (GB 11643-1999 §8.2),
    computed by python-stdnum (``stdnum.cn.ric``). Raises :class:`ValueError` unless ``first17`` is
    17 ASCII digits."""
    if len(first17) != LENGTH - 1 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"need 17 digits, got {first17!r}")
    return ric.calc_check_digit(first17 + "?")  # it reads the first 17 of 18 characters


def mask(number: str | None) -> str:
    """An ID number as exports and messages show it (domain.md §8): the first 6 and last 4
    characters kept, the rest starred ("110101199003074512" → "110101********4512"); a value of
    10 characters or fewer is starred whole, since keeping 6 + 4 of it would show all of it;
    ``None`` or empty gives "". Space around the value is dropped first. A number written with
    separators or in full width ("110101 19900307 451ｘ", "１１０１０１-…") is masked as its compact
    form ("110101********451X"), so the kept characters are always the same ten digits."""
    value = (number or "").strip()
    compact = _compact(value)
    if _NUMBER_LAYOUT.fullmatch(compact):
        value = compact
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


#: An ID number written inside some text, after width folding: 17 digits and a digit or X (this
#: layout, GB 11643-1999), or the 15 digits of a first-generation number, not part of a longer run
#: of digits, with spaces allowed between the digits (people type "110105 19491231 002X").
_WRITTEN_NUMBER = re.compile(r"(?<![0-9])(?:[0-9] *){17}[0-9Xx](?![0-9])|(?<![0-9])(?:[0-9] *){14}[0-9](?![0-9Xx])")
#: Characters that show nothing, which a paste can carry between the digits: the soft hyphen, the
#: zero-width space, non-joiner and joiner, the word joiner and the byte-order mark.
_INVISIBLE = "\u00ad\u200b-\u200d\u2060\ufeff"
#: What people put between the digits of a number they paste or type, after width folding (a
#: full-width space becomes a space, "－" a hyphen): white space, hyphens and dashes, and the
#: invisible characters of :data:`_INVISIBLE`.
_SEPARATOR_CHARACTER = rf"[\s\-\u2010-\u2015\u2212\uFE58\uFE63{_INVISIBLE}]"
#: Punctuation people also put between the groups of a number ("110101.19900307.451X", slashes,
#: underscores; "．", "／" and "＿" once width-folded) but which ordinary numbers use as well
#: (decimals, dates, versions, file names): a number written with one is taken for an ID number
#: only when it is a possible one (:func:`_possible`), so "3.14159265358979323" is left alone.
_NUMBER_PUNCTUATION = r"[./_\\]"
_ANY_SEPARATOR_CHARACTER = rf"(?:{_SEPARATOR_CHARACTER}|{_NUMBER_PUNCTUATION})"
#: Up to three separators together ("110101 — 19900307").
_SEPARATOR = _ANY_SEPARATOR_CHARACTER + "{0,3}"
#: An ID number inside free text (issue-10 trial F10-03): the layouts of :data:`_WRITTEN_NUMBER`
#: with any :data:`_SEPARATOR` between the characters, standing apart from letters and digits
#: (so a run of a hexadecimal hash or a longer number is not taken for one), and not a part of a
#: longer chain of digit groups joined by :data:`_NUMBER_PUNCTUATION` ("1.110101.19900307.4514").
_NUMBER_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z])(?<![0-9]{_NUMBER_PUNCTUATION})"
    rf"(?:(?:[0-9]{_SEPARATOR}){{17}}[0-9Xx]|(?:[0-9]{_SEPARATOR}){{14}}[0-9])"
    rf"(?![0-9A-Za-z])(?!{_NUMBER_PUNCTUATION}[0-9])")
#: The compact layouts: 17 digits and a digit or X, or 15 digits.
_NUMBER_LAYOUT = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")


def _compact(text: str) -> str:
    """``text`` width-folded, without separators, upper case: "110101-1990 0307 451ｘ" → "11010119900307451X"."""
    return re.sub(_ANY_SEPARATOR_CHARACTER, "", unicodedata.normalize("NFKC", text)).upper()


def _possible(compact: str) -> bool:
    """Whether a compact number (:data:`_NUMBER_LAYOUT`) could be someone's: a province-level code
    of :data:`PROVINCE_CODES` and a real birth date from :data:`EARLIEST_BIRTH_DATE` on (YYYYMMDD,
    or YYMMDD of the 1900s in a 15-digit number). The check character is not asked for: a mistyped
    number is as personal as a right one."""
    eighteen = compact if len(compact) == LENGTH else compact[:6] + "19" + compact[6:15] + "0"
    born = birth_date(eighteen)
    return _province_known(compact) and born is not None and born >= EARLIEST_BIRTH_DATE


def _province_known(number: str) -> bool:
    """Whether ``number`` begins with a province-level code (:data:`PROVINCE_CODES`) or the first two
    digits of a residence permit's (:data:`RESIDENCE_PERMIT_CODES`: Taiwan's 83 is no province of
    GB/T 2260), so that a typing error in digits 3–6 of a permit is told as such, not as a wrong
    province."""
    return number[:2] in PROVINCE_CODES or number[:2] in {code[:2] for code in RESIDENCE_PERMIT_CODES}


def birth_date(number: str) -> dt.date | None:
    """The birth date written in characters 7–14 (YYYYMMDD) of an 18-character ``number`` of ASCII
    digits (the last may be X), read by ``stdnum.cn.ric``; ``None`` when it is not a real date."""
    try:
        return ric.get_birth_date(number)
    except ValidationError:
        return None


def address_code_known(number: str) -> bool:
    """Whether the first six digits of ``number`` are an address code GB/T 2260 has listed in any
    year (python-stdnum's table, ``stdnum.cn.loc``), or a residence permit's
    (:data:`RESIDENCE_PERMIT_CODES`)."""
    code = number[:6]
    if code in RESIDENCE_PERMIT_CODES:
        return True
    found = {key for _part, properties in numdb.get("cn/loc").info(code) for key in properties}
    return "county" in found


def _numbers_in(folded: str) -> list[re.Match[str]]:
    """The ID numbers written in width-folded text: every match of :data:`_NUMBER_IN_TEXT`, those
    written with :data:`_NUMBER_PUNCTUATION` only when they are :func:`_possible`."""
    return [found for found in _NUMBER_IN_TEXT.finditer(folded)
            if not re.search(_NUMBER_PUNCTUATION, found.group(0)) or _possible(_compact(found.group(0)))]


def looks_like_id_number(text: str) -> bool:
    """Whether ``text``, normalised (:func:`normalise`), has the layout of an ID number: 17 digits
    and a digit or X, or 15 digits (whether or not its check character or birth date holds: a
    mistyped number is as personal as a right one)."""
    number = normalise(text or "")
    return bool(_WRITTEN_NUMBER.fullmatch(number))


def written_numbers(text: str) -> list[str]:
    """The ID numbers written in free ``text``, each in its compact form ("110101199003074514"):
    full-width digits, a final x/X/ｘ, spaces (full-width too), hyphens, dashes, invisible
    characters, and in a possible number dots, slashes or underscores between the digits are all read (:data:`_NUMBER_IN_TEXT`); masked ones ("110101********4514") are not numbers any more."""
    folded, _places = _folded(text or "")
    return [_compact(found.group(0)) for found in _numbers_in(folded)]


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` width-folded character by character (NFKC), with the index in ``text`` of every
    folded character, so that what is found in the folded text can be replaced in the original."""
    parts, places = [], []
    for index, character in enumerate(text):
        folded = unicodedata.normalize("NFKC", character)
        parts.append(folded)
        places.extend([index] * len(folded))
    return "".join(parts), places


def redact(text: str) -> str:
    """``text`` with every ID number written in it masked (:func:`mask` of its compact form), for
    text shown or kept where a person may have typed or pasted one (a sign-in name, audit details):
    width folded first, so full-width digits are found too, and separators read as in
    :func:`written_numbers`; text holding no number is returned unchanged (SEC-P2: logs hold masked
    numbers only). The rest of the text stays as written."""
    folded, places = _folded(text or "")
    found = _numbers_in(folded)
    if not found:
        return text
    kept, last = [], 0
    for number in found:
        start, end = places[number.start()], places[number.end() - 1] + 1
        kept += [text[last:start], mask(_compact(number.group(0)))]
        last = end
    return "".join(kept + [text[last:]])


def redact_document(value: object) -> object:
    """A JSON-able document (an audit snapshot) with :func:`redact` applied to every string in it,
    keys included, at any depth; other values as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_document(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_document(v) for v in value]
    return value


def local_date(now: dt.datetime) -> dt.date:
    """The calendar date in China (Asia/Shanghai) at the aware instant ``now``: the ``today`` to
    give :func:`parse_id_number`, e.g. ``local_date(clock.now())``."""
    return now.astimezone(BEIJING).date()


def parse_id_number(text: str, *, today: dt.date) -> str:
    """The resident identity number written in ``text``, normalised (see :func:`normalise`).

    ``today`` is the current date in China (:func:`local_date`): a birth date after it is refused.
    Raises :class:`InvalidIdNumber` when it is empty, is not 17 digits and a digit or X, its first
    two digits are not a province-level code of GB/T 2260, its first six are no address code
    (:func:`address_code_known`), its birth date part (characters 7-14)
    is not a real date or is after ``today`` or before 1900-01-01, or its check character does not
    match.
    """
    number = normalise(text)
    if not number:
        raise InvalidIdNumber(N_("the ID number is empty"))
    body, last = number[:-1], number[-1:]
    if len(number) != LENGTH or not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        raise InvalidIdNumber(N_("the ID number must be 18 characters: 17 digits and a digit or X"))
    if not _province_known(number):
        raise InvalidIdNumber(N_("the first two digits of the ID number are not the code of a province, "
                                 "autonomous region or municipality"))
    if not address_code_known(number):
        raise InvalidIdNumber(N_("the first six digits of the ID number are not an address code of GB/T 2260 "
                                 "(a county, city or district)"))
    born = birth_date(number)
    if born is None:
        raise InvalidIdNumber(N_("the birth date in the ID number (characters 7 to 14) is not a real date"))
    if born > today:
        raise InvalidIdNumber(N_("the birth date in the ID number (characters 7 to 14) is in the future"))
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber(N_("the birth date in the ID number (characters 7 to 14) is before 1900"))
    if check_character(body) != last:
        raise InvalidIdNumber(N_("the last character of the ID number does not match the others; check it for a typing error"))
    return number
