"""Control characters refused in questions (issue 5, F6): the question texts' own check, used by
the template import (xlsx, CSV: ``formats.template``), by Moodle XML, GIFT and JSON Lines
(``formats.interchange.finish_row``) and by the question editor's form (:func:`typed_control_problems`,
``examsvc.bank.forms``), so that what an import refuses the editor refuses too. It is only for
question texts: people's fields (rosters, accounts) have their own rule (``question_bank.text``).

A question text may not hold:

- a C0 control character (U+0000–U+001F) or DEL (U+007F), but for tab, line feed and carriage
  return in a field that may run over several lines (:data:`MULTILINE_FIELDS`: a stem, an option,
  a key or reference answer, a rubric, an explanation, a legal basis);
- a C1 control character (U+0080–U+009F);
- a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which makes a text
  show in another order than it is stored ("Trojan Source", CVE-2021-42574): a candidate could be
  shown an option that reads otherwise than the one that is marked;
- a zero-width character (:data:`ZERO_WIDTH`: the zero-width space, non-joiner and joiner
  U+200B–U+200D, the word joiner U+2060, a byte-order mark U+FEFF inside the text), which comes
  with text copied from web pages and chat programs and makes two texts that look the same differ
  (a repeat of a question not found, a candidate's fill-in answer not matching the key).

Such a character is invisible in a spreadsheet or an editor, so the author cannot know it is
there: the row is refused naming the field and the character (by its code point and name), never
stripped without a word. Left-to-right and right-to-left marks (U+200E, U+200F) and the other
format characters are not refused here: they neither reorder text nor split a word.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from question_bank.errors import N_, Problem

#: Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
#: Zero-width characters: the zero-width space, non-joiner and joiner, the word joiner, and the
#: byte-order mark (a file's leading one is taken off by the reader; one inside a text is pasted).
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
#: Characters allowed in a field that may run over several lines, though they are C0 controls.
LINE_CONTROLS = frozenset("\t\n\r")
#: What may stand around a one-line field's text (a cell's Alt+Enter at its end, say): taken off
#: before that field is checked, as the import takes it off.
SPACE_AROUND = " \t\r\n\u3000\u00a0"


def refused_control_character(text: str, multiline: bool) -> str | None:
    """The first character of ``text`` a question field may not hold (see the module docstring),
    or ``None``. ``multiline``: the field may hold tab, line feed and carriage return."""
    for char in text:
        point = ord(char)
        if char in BIDI_CONTROLS or char in ZERO_WIDTH or 0x80 <= point <= 0x9F or point == 0x7F:
            return char
        if point < 0x20 and not (multiline and char in LINE_CONTROLS):
            return char
    return None


def control_character_problem(char: str) -> Problem:
    """The problem for a field holding ``char``: its code point and Unicode name."""
    name = unicodedata.name(char, "") or _C0_C1_NAMES.get(ord(char), "control character")
    if char in BIDI_CONTROLS:
        return Problem(N_("the text holds the invisible bidirectional control %(code)s (%(name)s), which makes it "
                          "show in another order than it is stored; delete it"),
                       {"code": f"U+{ord(char):04X}", "name": name})
    if char in ZERO_WIDTH:
        return Problem(N_("the text holds the invisible zero-width character %(code)s (%(name)s), which makes it "
                          "differ from a text that looks the same; delete it"),
                       {"code": f"U+{ord(char):04X}", "name": name})
    return Problem(N_("the text holds the invisible control character %(code)s (%(name)s), which no question may "
                      "hold; delete it"), {"code": f"U+{ord(char):04X}", "name": name})


def question_control_problems(fields: dict[str, tuple[Any, bool]]) -> Iterator[tuple[str, Problem]]:
    """(field name, problem) for each field of ``fields`` (name → (value, may run over lines))
    whose text holds a refused character; a value may be a text or lists of texts (options, a
    fill-in's answers), searched through. One problem per field, for its first such character."""
    for name, (value, multiline) in fields.items():
        char = next((c for text in _texts(value) if (c := refused_control_character(text, multiline))), None)
        if char is not None:
            yield name, control_character_problem(char)


def draft_control_problems(draft: Any) -> list[Problem]:
    """The problems of a :class:`~question_bank.drafts.QuestionDraft` read from an interchange file
    (Moodle XML, GIFT, JSON Lines), each placed on its draft field (``stem``, ``option_B``, ``key``
    …), for ``interchange.finish_row`` to place on the question. A short answer's key (its
    reference answer) may run over lines; a fill-in's answers may not."""
    fields: dict[str, tuple[Any, bool]] = {"stem": (draft.stem, True)}
    fields |= {f"option_{chr(ord('A') + i)}": (option, True) for i, option in enumerate(draft.options)}
    fields |= {"key": (draft.key, isinstance(draft.key, str)), "explanation": (draft.explanation, True),
               "rubric": (draft.rubric, True), "legal_basis": (draft.legal_basis, True),
               "tags": ([tag.strip(SPACE_AROUND) for tag in draft.tags], False),
               "category": (draft.category_path.strip(SPACE_AROUND), False)}
    return [Problem(problem.message, problem.params, name) for name, problem in question_control_problems(fields)]


#: Fields of the question editor's form that hold one line: a choice's letters (or 对/错), the
#: knowledge points, the category. Any other text field may run over lines (tab, line ends).
ONE_LINE_FIELDS = frozenset({"key", "tags", "category"})


def typed_control_problems(values: Mapping[str, Any]) -> list[Problem]:
    """The problems of the texts of a question as a person typed them in the editor's form, before
    any space around them is taken off, so that nothing refused is dropped unseen (Python's
    ``str.strip`` takes U+001C–U+001F and U+0085 off as space). ``values``: field name → text, or
    a list of texts (a fill-in blank's accepted answers, each one line); the fields of
    :data:`ONE_LINE_FIELDS` and the lists are judged without the space around each text, the others
    may hold tab and line ends. One problem per field, for its first refused character, placed on
    the field's name (:func:`control_character_problem`)."""
    fields: dict[str, tuple[Any, bool]] = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            fields[name] = ([text.strip(SPACE_AROUND) for text in value], False)
        elif name in ONE_LINE_FIELDS:
            fields[name] = ((value or "").strip(SPACE_AROUND), False)
        else:
            fields[name] = (value or "", True)
    return [Problem(problem.message, problem.params, name) for name, problem in question_control_problems(fields)]


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


#: Names for control characters, which Unicode gives no ``unicodedata.name``.
_C0_C1_NAMES = {0x00: "NUL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED",
                0x0B: "LINE TABULATION", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE",
                0x7F: "DELETE", 0x85: "NEXT LINE"}
