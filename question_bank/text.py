"""Text normalisation shared by duplicate detection, bank search and answer comparison, and the one
rule for characters no one-line field about a person or a unit may hold (:func:`hidden_character_problems`).

Chinese exam text mixes full-width and half-width forms (，/,  （）/()  ＡＢＣ/ABC) and all kinds of
space (U+3000 among them); NFKC folds the widths, and the fingerprint then drops what does not
change meaning.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from question_bank.errors import N_, Problem


def fold_width(text: str) -> str:
    """NFKC-normalise: full-width letters, digits and punctuation become their half-width forms."""
    return unicodedata.normalize("NFKC", text)


#: Between the stem and each option in :func:`content_text` (U+001F, the unit separator).
PART_SEPARATOR = "\x1f"


def content_text(stem: str, options: list[str] | tuple[str, ...] = ()) -> str:
    """What a candidate reads of a question, reduced to what carries meaning: the stem and then
    each option, each with width folded, case folded, and every space, punctuation mark and symbol
    removed, the options sorted (their order is not part of the question: option shuffling changes
    it per candidate), joined by U+001F so that text cannot slide from one part to the next.

    Two questions with the same content text are repeats of each other (case C-21): a generic stem
    such as "下列说法正确的是：" with other options is not; the same options in another order is."""
    parts = [meaningful(stem)]
    parts.extend(sorted(meaningful(option) for option in options))
    return PART_SEPARATOR.join(parts)


#: What :func:`meaningful` removes: every character but the letters and numbers. A ``str``
#: pattern's ``\w`` is ``str.isalnum`` or "_" (both in C, ``Py_UNICODE_ISALNUM``).
_NOT_LETTER_OR_NUMBER = re.compile(r"[\W_]+")


def meaningful(text: str) -> str:
    """The letters and numbers (Unicode categories L* and N*) of ``text``, width and case folded.
    Exactly what ``str.isalnum`` keeps (checked over every code point by the tests), removed by
    one compiled pattern, which is faster than filtering character by character: duplicate
    detection folds tens of thousands of candidates per import."""
    return _NOT_LETTER_OR_NUMBER.sub("", fold_width(text or "").casefold())


def content_fingerprint(stem: str, options: list[str] | tuple[str, ...] = ()) -> str:
    """SHA-256 (hex, 64 characters) of :func:`content_text`: what duplicate detection looks up by
    index (domain.md §3, case C-21) and what no paper may hold twice."""
    return fingerprint_of(content_text(stem, options))


def fingerprint_of(content: str) -> str:
    """:func:`content_fingerprint` of a text already folded by :func:`content_text` (a caller that
    stores both folds once)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


#: Chinese punctuation NFKC leaves as it is, mapped to the ASCII mark a person types for it on a
#: half-width keyboard, so that either finds the other in a search: 。/. 、/, “”/" 《》/<> 【】/[] —/-.
_SEARCH_MARKS = str.maketrans({
    "。": ".", "｡": ".", "、": ",", "“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"',
    "‘": "'", "’": "'", "《": "<", "》": ">", "〈": "<", "〉": ">", "«": "<", "»": ">", "【": "[", "】": "]",
    "〔": "[", "〕": "]", "〖": "[", "〗": "]", "—": "-", "–": "-", "―": "-", "－": "-", "·": ".", "・": ".",
})


def search_fold(text: str) -> str:
    """Text as bank search compares it, applied alike to what is stored and to what is typed:
    width folded (NFKC: "？" is "?", "２０１５" is "2015"), case folded, Chinese punctuation mapped
    to its ASCII counterpart (:data:`_SEARCH_MARKS`), and every space and invisible format
    character removed (in Chinese text a space never separates words, and editors' files are full
    of stray ones), and control characters (a NUL cannot even be sent to PostgreSQL). Punctuation
    is kept, so that "%" or "第36条（一）" is still found literally."""
    folded = fold_width(text or "").casefold().translate(_SEARCH_MARKS)
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc"))


def search_document(stem: str, options: list[str] | tuple[str, ...] = ()) -> str:
    """The stem and options as bank search looks through them: each :func:`search_fold`-ed, each
    ending with a line break (a folded text holds none, so no search matches across two of them;
    and every two characters are followed by a third, which the trigram index of
    ``services.text_search`` relies on)."""
    return "".join(search_fold(part) + "\n" for part in (stem, *options))


def search_basis(legal_basis: str) -> str:
    """A legal basis as bank search looks through it: :func:`search_fold`-ed, ending with a line
    break like each part of :func:`search_document`."""
    return search_fold(legal_basis) + "\n"


#: Marks that may end a typed answer, or wrap it, without changing it ("行政复议。", "《民法典》"),
#: as they stand after NFKC: sentence punctuation, quotation and title marks. Not brackets, dashes,
#: "%" or "." inside an answer: those can carry meaning (a negative number, a percentage, 2.5).
SURROUNDING_MARKS = "。.,、;:!?\"'“”‘’《》〈〉「」『』"


def comparable_answer(text: str) -> str:
    """A typed answer (or an accepted answer of a key) as fill-in marking compares it (case C-09):
    width folded (NFKC: ``ＰＭ２.５`` is ``PM2.5``), case folded, every space (U+3000 among them)
    and invisible format character (zero-width space, BOM) removed wherever it stands, and the
    sentence punctuation, quotation and title marks around it (:data:`SURROUNDING_MARKS`) dropped.

    Case is folded because the Latin letters in Chinese legal answers are abbreviations and codes
    (WTO, PPP, ICP) whose case never changes the meaning; punctuation inside an answer is kept,
    since it can change it (a decimal point)."""
    folded = fold_width(text or "").casefold()
    kept = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return kept.strip(SURROUNDING_MARKS)


def comparable_text(text: str) -> str:
    """Text as two versions of a law are compared: width folded (NFKC: full-width punctuation and
    digits become half-width) and every space removed, so that re-spacing or re-typing punctuation
    in another width is no change, while any change of words or punctuation marks is one."""
    return "".join(fold_width(text).split())


#: Unicode categories no name, post, phone number or unit name may hold (issue 10, F10-08): control
#: characters (Cc: U+0000–U+001F, tab and line breaks included, since each such field is one line;
#: U+007F–U+009F), format characters (Cf: the bidirectional embeddings and overrides U+202A–U+202E,
#: isolates U+2066–U+2069 and marks U+200E, U+200F, U+061C, which can make a name read backwards in
#: a list; the zero-width space, joiners and word joiner U+200B–U+200D, U+2060, the BOM U+FEFF and
#: the soft hyphen U+00AD, which make two names that look the same differ), and the line and
#: paragraph separators (Zl U+2028, Zp U+2029). None of them is visible, and none is typed on
#: purpose: they come with text copied from web pages, PDFs and chat programs.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
#: Unicode's Default_Ignorable_Code_Point property: characters a font shows as nothing (issue 10):
#: among them the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 (letters to ``str.isalpha``, yet
#: blank: "ㅤㅤㅤ" looks empty), the combining grapheme joiner U+034F, the Mongolian and standard
#: variation selectors, the Khmer inherent vowels U+17B4/U+17B5 and the tag characters; so that
#: "甲市司\u034f法局" or "甲市司法局\ufe00" cannot sit beside "甲市司法局" looking the same.
#: The ranges as listed in DerivedCoreProperties.txt of the Unicode Character Database (15.1.0,
#: https://www.unicode.org/Public/15.1.0/ucd/DerivedCoreProperties.txt, "Derived Property:
#: Default_Ignorable_Code_Point"), first and last code point of each, both included; the property
#: is stable (unassigned code points in these ranges are already in it). No installed library
#: exposes it (the standard ``unicodedata`` does not).
DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
#: Characters that are not default-ignorable but show as a blank all the same: the Braille pattern
#: blank U+2800 (a symbol, So, so no space check finds it).
BLANK_LOOKING = frozenset({"\u2800"})
#: Fields whose text may run over lines, and so hold a line break (LF, CR): the purpose of a
#: full-ID export and a study item's remark (text areas). Every other field is one line: a name, a
#: post, a phone number, a unit name, a study item's law and scope, shown and edited in one-line
#: inputs, which would drop a line break on the next save (issue 10, tester item 2): a line break
#: there is refused, naming the row and column, as a tab is. Any other control character is
#: refused in these fields too.
MULTILINE_FIELDS = frozenset({"purpose", "note"})
_LINE_BREAKS = "\n\r"


def is_default_ignorable(char: str) -> bool:
    """Whether the one character ``char`` is a Default_Ignorable_Code_Point
    (:data:`DEFAULT_IGNORABLE_RANGES`)."""
    code = ord(char)
    return any(first <= code <= last for first, last in DEFAULT_IGNORABLE_RANGES)


def is_invisible(char: str) -> bool:
    """Whether the one character ``char`` cannot be seen or is a control character: one of the
    :data:`HIDDEN_CATEGORIES`, default-ignorable (:func:`is_default_ignorable`) or
    :data:`BLANK_LOOKING`. Spaces are not: they are seen as the gap they make."""
    return unicodedata.category(char) in HIDDEN_CATEGORIES or char in BLANK_LOOKING or is_default_ignorable(char)


def _refused(char: str, position: int) -> bool:
    """Whether a person's or unit's text may not hold ``char`` at ``position`` (from 1): an
    invisible character (:func:`is_invisible`), a private-use character (Co: U+E000–U+F8FF and
    planes 15 and 16, which mean whatever one font makes of them and show as a box or nothing
    elsewhere), or a combining mark (M*) with nothing before it to sit on."""
    category = unicodedata.category(char)
    return is_invisible(char) or category == "Co" or (position == 1 and category.startswith("M"))


def hidden_characters(text: str, line_breaks: bool = False) -> list[tuple[int, str]]:
    """(position from 1, character) of the first of each distinct character ``text`` may not hold
    (an invisible, control or private-use character, or a combining mark at its start), in order;
    LF and CR left out when ``line_breaks`` is true."""
    found: dict[str, int] = {}
    for position, char in enumerate(text, start=1):
        if char not in found and _refused(char, position) and not (line_breaks and char in _LINE_BREAKS):
            found[char] = position
    return [(position, char) for char, position in found.items()]


#: Control characters a page or an export keeps as they are: tab and the line breaks (the xlsx
#: writer keeps these too; it drops every other C0 control character, which XML cannot carry).
_KEPT_CONTROLS = "\t\n\r"
#: DEL as a control picture.
_DEL_PICTURE = "\u2421"


def visible_controls(text: str) -> str:
    """``text`` with every control character (Unicode category Cc) but tab, LF and CR shown instead
    of acting (a terminal escape "\\x1b[31m" in a user agent, issue-10 tester item 3): C0 controls
    U+0000–U+001F as their control pictures U+2400–U+241F ("\\x1b" → "␛"), DEL as "␡" (U+2421),
    and C1 controls U+0080–U+009F, which have no picture, as the text "\\x9b". For text shown to a
    person or put in a file (the auditor's page, the audit CSV and xlsx); what is stored is unchanged."""
    shown = []
    for char in text:
        code = ord(char)
        if char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc":
            shown.append(char)
        elif code < 0x20:
            shown.append(chr(0x2400 + code))
        elif code == 0x7F:
            shown.append(_DEL_PICTURE)
        else:
            shown.append(f"\\x{code:02x}")
    return "".join(shown)


def describe_character(char: str) -> str:
    """A character as a person can look it up: "U+202E RIGHT-TO-LEFT OVERRIDE" (the code point
    alone for a control or private-use character, which Unicode does not name)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def hidden_character_problem(char: str, position: int, place: Any) -> Problem:
    """The problem of ``char`` found at ``position`` (from 1) of the text of ``place`` (a field name
    or a :class:`~question_bank.errors.Place`), saying what kind of character it is."""
    params = {"character": describe_character(char), "position": position}
    if char in _LINE_BREAKS:
        return Problem(N_("this text holds %(character)s at character %(position)d, a line break, which no one-line "
                          "field may hold: it is shown and edited on one line, where the break would be lost (it "
                          "comes from Alt+Enter in Excel, or with copied text). Join the lines and try again."),
                       params, place)
    if is_invisible(char):
        return Problem(N_("this text holds %(character)s at character %(position)d, an invisible or control "
                          "character, which no name, post, phone number or unit name may hold (it comes with "
                          "copied text). Delete it, or type the text again."), params, place)
    if unicodedata.category(char) == "Co":
        return Problem(N_("this text holds %(character)s at character %(position)d, a private-use character, "
                          "which shows as a box or as nothing outside one font. Delete it, or type the text again."),
                       params, place)
    return Problem(N_("this text starts with %(character)s, a combining mark with no character before it "
                      "to sit on, which shows as nothing or as a stray mark. Delete it, or type the text again."),
                   params, place)


def hidden_character_problems(values: Mapping[str, Any], places: Mapping[str, Any] | None = None) -> list[Problem]:
    """One problem for each text of ``values`` (field name → value; ``None`` and non-text values
    pass) holding a character refused by :func:`hidden_characters` (a line break allowed in the
    :data:`MULTILINE_FIELDS`), saying which is the first and where
    (:func:`hidden_character_problem`), placed on ``places[field]`` (a
    :class:`~question_bank.errors.Place` naming file, sheet, row and column for an import) or on
    the field's own name. The one check of every way a person's or unit's name, post or phone
    number comes in (the account forms, the unit pages, the roster and account imports) and of the
    purpose of a full-ID export."""
    problems = []
    for field, value in values.items():
        found = hidden_characters(value, field in MULTILINE_FIELDS) if isinstance(value, str) else []
        if found:
            position, char = found[0]
            problems.append(hidden_character_problem(char, position, (places or {}).get(field, field)))
    return problems
