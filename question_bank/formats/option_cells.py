"""The option cells of a template row (选项A … 选项H) read as their author wrote them: the options' own
labels ("A.警告", "（A）警告") are left out when every option carries its own in order and the row is
refused when only some do or they are out of order (:func:`row_labels`, decided for the question as a
whole and used by every input path: template, GIFT, Moodle XML, JSON Lines, the editor's form), and
the exports write options that would read otherwise each after one more label (:func:`written_options`).
A cell that shows no option text (only a label such as
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


#: A letter followed by spaces only ("A 警告"): a label only when every option of the question is
#: written so, in order (:func:`row_labels`).
_SPACE_LABEL = re.compile(r"\s*(?P<letter>[A-Ha-hＡ-Ｈａ-ｈ])[ \u3000\u00a0\t]+(?=\S)")


def _space_label(text: str) -> tuple[str, str] | None:
    """(letter, rest) when ``text`` begins with a letter A–H (width and case folded) and a space
    before some other text that does not begin with a Latin letter ("A 警告" → ("A", "警告"); "A B两项"
    and "A Plan" are not labelled so); ``None`` otherwise."""
    found = _SPACE_LABEL.match(text)
    if found is None:
        return None
    rest = text[found.end():].strip()
    if not rest or (rest[0].isascii() and rest[0].isalpha()):
        return None
    return unicodedata.normalize("NFKC", found.group("letter")).upper(), rest


def _labelled_again(rest: str, letter: str) -> bool:
    """Whether ``rest``, what follows an option's label, begins with that same label."""
    again = _LABEL.match(rest)
    return again is not None and unicodedata.normalize(
        "NFKC", again.group("bracketed") or again.group("plain")).upper() == letter


def _any_label(text: str) -> tuple[str, str] | None:
    """(letter, rest) when ``text`` begins with an option label followed by some text, whatever
    follows it ("A. B两项" too); ``None`` otherwise. Only :func:`row_labels` uses it, when the
    other options of the question say whether a label is one."""
    found = _LABEL.match(text)
    if found is None:
        return None
    rest = text[found.end():].strip()
    if not rest:
        return None
    return unicodedata.normalize("NFKC", found.group("bracketed") or found.group("plain")).upper(), rest


def row_labels(texts: list[str], skip: frozenset[int] = frozenset()) -> tuple[list[str], list[tuple[str, Problem]], bool]:
    """One question's options with their own labels taken off, decided for the question as a
    whole, never option by option (issue 5): ``(options, problems, removed)``. ``texts[i]`` is
    option ``LETTERS[i]``'s text; indices in ``skip`` (empty, refused already) are neither labelled
    nor unlabelled. Problems are (field name ``option_<letter>``, problem).

    Rule, the same for every input path (template, GIFT, Moodle XML, JSON Lines, the editor's form):

    - no option begins with a label as :func:`_leading_label` reads one: the options stay as
      written ("A.B两项" alone is an abbreviation), unless every option begins with its own letter
      and a space, in order ("A 警告", "B 罚款" …, :func:`_space_label`): then each loses that
      label as below; a letter and a space on only some options, or out of order, is the author's
      text ("A 类企业" among options without such a start);
    - every option begins with a label and they run A, B, C … in order: each loses exactly its
      first label, also one followed by a Latin letter ("C.A和B" among labelled options reads
      "A和B"), and ``removed`` is True (the caller says so in a note);
    - otherwise the question is refused, never half taken off: an option with another option's
      label is named with both letters, and when some options carry their own label, each option
      without one is named."""
    loose = [None if i in skip or not text else _any_label(text) for i, text in enumerate(texts)]
    counted = [i for i, text in enumerate(texts) if i not in skip and text]
    if not any(_leading_label(texts[i]) is not None for i in counted):
        spaced = {i: _space_label(texts[i]) for i in counted}
        if len(counted) >= 2 and all(spaced[i] is not None and spaced[i][0] == LETTERS[i] for i in counted):
            return [spaced[i][1] if i in counted else text for i, text in enumerate(texts)], [], True
        return list(texts), [], False
    if all(loose[i] is not None and loose[i][0] == LETTERS[i] for i in counted):
        return [loose[i][1] if i in counted else text for i, text in enumerate(texts)], [], True
    problems: list[tuple[str, Problem]] = []
    own = [LETTERS[i] for i in counted if loose[i] is not None and loose[i][0] == LETTERS[i]]
    for i in counted:
        letter = LETTERS[i]
        if loose[i] is not None and loose[i][0] != letter:
            problems.append((f"option_{letter}", Problem(
                N_("option %(letter)s begins with %(label)s, the label of option %(other)s, so it is not clear "
                   "which option this text is; put it in the column of option %(other)s, or take the label "
                   "off if it belongs to option %(letter)s"),
                {"letter": letter, "other": loose[i][0], "label": _LABEL.match(texts[i]).group().strip()})))
        elif loose[i] is None and own:
            problems.append((f"option_{letter}", Problem(
                N_("option %(letter)s has no label, while option %(labelled)s begins with its own; write every "
                   "option of the question with its label (A., B., C. …) or none"),
                {"letter": letter, "labelled": "、".join(own)})))
    return list(texts), problems, False


def read_options(cells: list[str], found: list[tuple[str, Problem]], removed: list[str] | None = None,
                 refused: frozenset[int] = frozenset()) -> list[str]:
    """The options of one row from its option cells (``cells[i]`` is option ``LETTERS[i]``'s cell,
    ``""`` when the file has no such column), their own labels left out as :func:`row_labels`
    decides for the row. Problems go to ``found`` as (template column name, problem): a cell that
    shows only a label or nothing visible, labels out of order or on only some options, and an
    empty option before a filled one. When labels were taken off, the column names of the options
    that lost one are added to ``removed`` (the caller notes it, ``template.labels_note``). Cells
    at indices in ``refused`` were refused by the caller and count neither as labelled nor as
    unlabelled. Trailing empty cells are no options."""
    texts, skip = [], set(refused)
    for letter, value in zip(LETTERS, cells):
        text = _cell_text(value)
        if text and label_only(text):
            found.append((f"option_{letter}", Problem(
                N_("option %(letter)s holds only the label %(label)s and no option text; write the option or "
                   "clear the cell"), {"letter": letter, "label": text})))
            skip.add(len(texts))
        elif text and shows_nothing(text):
            found.append((f"option_{letter}", Problem(
                N_("option %(letter)s holds only invisible characters (such as a zero-width space); write the "
                   "option or clear the cell"), {"letter": letter})))
            skip.add(len(texts))
        texts.append(text)
    stripped, problems, taken = row_labels(texts, frozenset(skip))
    found.extend(problems)
    if taken and removed is not None:
        removed.extend(f"option_{LETTERS[i]}" for i, text in enumerate(texts) if text and i not in skip)
    texts = stripped
    while texts and not texts[-1]:
        texts.pop()
    for letter, text in zip(LETTERS, texts):
        if not text:
            found.append((f"option_{letter}", Problem(N_("option %(letter)s is empty but a later option is filled in"),
                                                      {"letter": letter})))
    # A refused cell stays in the list as written, so that it is never popped as a trailing empty
    # option and the options after it keep their letters.
    return texts


def written_options(options: list[str]) -> list[str]:
    """``options``, one question's stored option texts, as an export writes them, so that
    :func:`row_labels` (every import path) reads back exactly ``options``.

    Rule: when the options as they are would be changed or refused by the import (some begin with
    a label, :func:`_leading_label`; or one is only a label, :func:`label_only`), every option is
    written after its own label in brackets, "（A）A.甲", "（B）乙": the options then all carry their
    labels in order and the import takes off exactly that one label each. Otherwise they are
    written as they are, so that a file without labels stays as it was (issue 5: a round trip
    never changes an option)."""
    texts = list(options)
    if any(label_only(t) for t in texts if t) or row_labels(texts)[1:] != ([], False):
        return [f"（{letter}）{text}" for letter, text in zip(LETTERS, texts)]
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


#: The two options of a true/false question laid out as a choice ("正确" / "错误" under 选项A and 选项B).
_TRUE_FALSE_PAIRS = frozenset({("正确", "错误"), ("对", "错"), ("√", "×")})


def true_false_options(options: list[str]) -> bool:
    """True when ``options`` are exactly the two answers of a true/false question, in either order:
    正确/错误, 对/错 or √/× (width folded, surrounding space ignored); a true/false row written so is
    read with its key letter mapped to the option's word (``template.parse_row``). Any other
    options on a true/false row are refused as they are."""
    if len(options) != 2:
        return False
    pair = tuple(unicodedata.normalize("NFKC", text).strip() for text in options)
    return pair in _TRUE_FALSE_PAIRS or pair[::-1] in _TRUE_FALSE_PAIRS
