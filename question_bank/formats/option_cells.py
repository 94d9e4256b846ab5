"""The option cells of a template row (选项A … 选项H) read as their author wrote them: the option's own
label ("A.警告", "（A）警告") is left out, and a cell that shows no option text (only a label such as
"A." or "（B）", or only spaces and invisible characters) is refused as empty, never stored as an
option. A label-only cell is what an editor leaves when a template pre-fills the labels and the
option is never written; stored, it would become an option reading "A." that candidates could pick.

A file may also hold every option of a row in one cell under one 选项 header ("A.甲 B.乙 C.丙 D.丁",
one a line or on one line): :func:`split_options` splits it only when every label A, B, C … is
there in order, each at the start of the cell or after a space or line end, and refuses the cell
otherwise, never guessing where one option ends.
"""

from __future__ import annotations

import re
import unicodedata

from question_bank.errors import N_, Problem
from question_bank.types.choice import LETTERS

#: An option label: a letter in brackets, or a letter followed by . 、 ： ) and the like.
_LABEL = re.compile(r"\s*(?:[(（]\s*(?P<bracketed>[A-Ha-hＡ-Ｈａ-ｈ])\s*[)）]\s*[.．、:：]?"
                    r"|(?P<plain>[A-Ha-hＡ-Ｈａ-ｈ])\s*[.．、:：)）])\s*")


#: The template column name of one cell holding every option ("A.甲 B.乙 C.丙 D.丁").
OPTIONS_CELL = "options_cell"
#: An option label starting an option inside a one-cell list: at the start or after a space or
#: line end; a plain letter must be a capital (a lower-case "a." inside a text is the author's).
_LABEL_IN_CELL = re.compile(r"(?:^|(?<=\s))(?:[(（]\s*(?P<bracketed>[A-Ha-hＡ-Ｈａ-ｈ])\s*[)）]\s*[.．、:：]?"
                            r"|(?P<plain>[A-HＡ-Ｈ])\s*[.．、:：)）])")


def _cell_text(value: str) -> str:
    """Cell text as written, only the surrounding space dropped and line ends made "\\n"."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def shows_nothing(text: str) -> bool:
    """True when ``text`` shows no character: only spaces of any width (the full-width space
    U+3000, no-break space U+00A0) and invisible format characters (zero-width space U+200B, the
    byte-order mark U+FEFF; Unicode category Cf)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def label_only(text: str) -> bool:
    """True when ``text`` is an option label of any letter A–H and nothing visible after it:
    "A.", "A、", "（A）", "B．", "(c)" or "D：" followed by nothing, spaces or invisible characters."""
    found = _LABEL.match(text)
    return found is not None and shows_nothing(text[found.end():])


def _leading_label(text: str) -> tuple[str, str] | None:
    """(letter, rest) when ``text`` begins with an option label as the import reads one: the
    label's letter A–H (width and case folded) and the text after it, surrounding space dropped;
    ``None`` when it does not, or when only a label is there (:func:`label_only` refuses that).

    "A.B两项" is an abbreviation, not a label: a plain label ("A." rather than "（A）") is never
    followed by a Latin letter, unless by the same label again ("A. A.双重标签"), of which exactly
    the first counts."""
    found = _LABEL.match(text)
    if found is None:
        return None
    rest = text[found.end():].strip()
    written = unicodedata.normalize("NFKC", found.group("bracketed") or found.group("plain")).upper()
    if not rest or (found.group("plain") and rest[0].isascii() and rest[0].isalpha()
                    and not _labelled_again(rest, written)):
        return None
    return written, rest


def without_label(text: str, letter: str) -> str:
    """An option's text without its own letter written before it: "A.警告", "A、警告", "A．警告",
    "（A）警告", "(A) 警告", "A：警告" in column A read "警告" (the letter is shown once, by the
    product). A letter not set off by a mark is the author's text and stays; so does another
    letter's label, which :func:`other_label` refuses. A label with nothing after it is returned as
    it is (:func:`label_only` refuses it)."""
    leading = _leading_label(text)
    return leading[1] if leading is not None and leading[0] == letter else text


def other_label(text: str, letter: str) -> str | None:
    """The letter of the label ``text`` begins with when it is another option's, not ``letter``'s:
    "C、警告", "（C）警告", "C.警告", "ｃ．警告" in column B give "C"; else ``None`` (no label, its own
    label, or an abbreviation such as "A、B都正确", :func:`_leading_label`).

    Rule (issue 5, F2): such a cell contradicts its column. Taking the label off would store the
    text as option B when its author labelled it C, and keeping it would show "B. C、警告"; either
    way the author's options may have moved, so the import refuses the row and names both
    letters instead of guessing."""
    leading = _leading_label(text)
    return leading[0] if leading is not None and leading[0] != letter else None


def written_for_column(text: str, letter: str) -> str:
    """``text``, option ``letter``'s stored text, as the template export writes it in that option's
    column, so that :func:`read_options` reads back exactly ``text``.

    Rule: a text the import would change or refuse, because it begins with its own label
    ("B、以上均可", "（C）项", "d. 无法确定" in its own column: :func:`without_label` takes that off),
    with another option's label ("C、警告" as option B: :func:`other_label` refuses it) or because
    it is only a label ("B.", which :func:`label_only` refuses), is written after one more label
    of its letter in brackets: "（B）B、以上均可", "（B）C、警告". The import takes off exactly that
    bracketed label, and a bracketed label is taken off whatever follows it (the Latin-letter
    exception is only for a plain "A." label), so the rest comes back as stored. Any other text
    is written as it is, so that hand-made files are read as before (issue 5: a round trip never
    changes an option)."""
    if _leading_label(text) is None and not label_only(text):
        return text
    return f"（{letter}）{text}"


def _labelled_again(rest: str, letter: str) -> bool:
    """Whether ``rest``, what follows an option's label, begins with that same label."""
    again = _LABEL.match(rest)
    return again is not None and unicodedata.normalize(
        "NFKC", again.group("bracketed") or again.group("plain")).upper() == letter


def read_options(cells: list[str], found: list[tuple[str, Problem]]) -> list[str]:
    """The options of one row from its option cells (``cells[i]`` is option ``LETTERS[i]``'s cell,
    ``""`` when the file has no such column), their own labels left out. Problems go to ``found``
    as (template column name, problem): a cell that shows only a label or nothing visible, and an
    empty option before a filled one. Trailing empty cells are no options."""
    texts = []
    for letter, value in zip(LETTERS, cells):
        text = _cell_text(value)
        if text and label_only(text):
            found.append((f"option_{letter}", Problem(
                N_("option %(letter)s holds only the label %(label)s and no option text; write the option or "
                   "clear the cell"), {"letter": letter, "label": text})))
        elif text and shows_nothing(text):
            found.append((f"option_{letter}", Problem(
                N_("option %(letter)s holds only invisible characters (such as a zero-width space); write the "
                   "option or clear the cell"), {"letter": letter})))
        elif text and (other := other_label(text, letter)) is not None:
            found.append((f"option_{letter}", Problem(
                N_("option %(letter)s begins with %(label)s, the label of option %(other)s, so it is not clear "
                   "which option this text is; put it in the column of option %(other)s, or take the label "
                   "off if it belongs to option %(letter)s"),
                {"letter": letter, "other": other, "label": _LABEL.match(text).group().strip()})))
        texts.append(without_label(text, letter))
    while texts and not texts[-1]:
        texts.pop()
    for letter, text in zip(LETTERS, texts):
        if not text:
            found.append((f"option_{letter}", Problem(N_("option %(letter)s is empty but a later option is filled in"),
                                                      {"letter": letter})))
    # A refused cell stays in the list as written, so that it is never popped as a trailing empty
    # option and the options after it keep their letters.
    return texts


def split_options(value: str, found: list[tuple[str, Problem]]) -> list[str]:
    """The option texts of one cell holding them all, labels left out: "A.甲 B.乙 C.丙 D.丁" or one
    option a line → ["甲", "乙", "丙", "丁"]. Every label found must be the next letter from A on,
    the first at the start of the cell; otherwise the cell is refused (a problem on
    :data:`OPTIONS_CELL` in ``found``) and ``[]`` returned. An empty cell gives ``[]``."""
    text = _cell_text(value)
    if not text:
        return []
    labels = list(_LABEL_IN_CELL.finditer(text))
    letters = [unicodedata.normalize("NFKC", m.group("bracketed") or m.group("plain")).upper() for m in labels]
    if not labels or labels[0].start() != 0 or letters != list(LETTERS[:len(letters)]):
        found.append((OPTIONS_CELL, Problem(N_(
            "this cell holds the options in one cell but not each labelled A., B., C. … in order from the start; "
            "label them in order (A.甲 B.乙 …) or put each option in a column of its own (选项A, 选项B …)"))))
        return []
    ends = [m.start() for m in labels[1:]] + [len(text)]
    return [text[m.end():end].strip() for m, end in zip(labels, ends)]
