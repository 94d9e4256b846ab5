"""GIFT, Moodle's plain-text question format (https://docs.moodle.org/en/GIFT_format).

A file is blocks separated by blank lines; ``//`` lines are comments; ``$CATEGORY: path`` sets the
category of the questions after it; a question is ``::title::[format]text{answers}text``, with
``~ = # { } :`` and ``\\`` escaped by a backslash in text and ``\\n`` a line end.

Writing: single choice ``{=right ~wrong}``; multiple and indefinite choice ``{~%50%right ~%-100%wrong}``
(equal shares, as Moodle writes them); true/false ``{TRUE}``/``{FALSE}``; a one-blank fill-in as
Moodle's "missing word" (the answers where the blank is); short answer, and fill-in with several
blanks (which GIFT cannot write), as an essay ``{}``. The explanation is the general feedback
``####…``. Stems are written ``[plain]`` so that Moodle shows them as typed. Every text (title,
stem, option, answer, feedback) has GIFT's special characters escaped; an answer's text has also
what GIFT reads in an answer block guarded (``escape_answer``), so export → import gives back
exactly the texts written (issue 5, F5). What GIFT has no place
for goes in a ``// examsvc: {json}`` comment line above the question (``interchange.extras_of``),
which Moodle skips like any comment.

Reading: each block a question, placed by its number and first line; types as
``moodle_questions`` maps them; numerical and matching questions are refused by name; text left
after the answers that is only quotes and semicolons (a stray ``";``, seen in Moodle's own fixtures)
is dropped with a note, other text there makes the question a "missing word" one. The white space
GIFT lays a file out with (ASCII spaces, tabs and line ends around a title, a text, an answer) is
taken off as syntax; any other space around a text (an ideographic U+3000, a no-break U+00A0) is
the author's, taken off and said in the report as for a template cell (``moodle_questions``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.html_text import LAYOUT_SPACE
from question_bank.formats.interchange import ExportedQuestion, SourceFile, extras_of, read_text, too_many
from question_bank.formats.moodle_grades import grade_of, share, split_unescaped
from question_bank.formats.option_cells import written_options
from question_bank.formats.moodle_questions import ADDED_BLANK, Answer, MoodleQuestion, file_notes, to_row
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.types import get_type
from question_bank.types.choice import LETTERS
from question_bank.types.fill_blank import BLANK

#: Fields GIFT itself carries (the rest goes in the ``// examsvc:`` comment).
CARRIED = frozenset({"key"})
EXTENSION = "// examsvc:"
_SPECIAL = "~=#{}:\\"
_FORMATS = {"html": "html", "moodle": "moodle_auto_format", "plain": "plain_text", "markdown": "markdown"}
_FORMAT_MARK = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-?[\d.]+)%")
#: Characters left after an answer block by a bad copy (Moodle's own fixtures end two questions
#: with ``";``): dropped with a note, where any other text there is the rest of a "missing word" stem.
_STRAY = frozenset("\"';")
_TRUE_WORDS, _FALSE_WORDS = frozenset({"T", "TRUE"}), frozenset({"F", "FALSE"})


def escape(text: str) -> str:
    """Text as GIFT writes it: special characters escaped, line ends ``\\n``."""
    escaped = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    return escaped.replace("\r\n", "\n").replace("\n", "\\n")


def escape_answer(text: str) -> str:
    """An answer's text (an option, a missing word's answer) as GIFT writes it inside ``{…}`` so
    that it reads back exactly: :func:`escape`d; the ``>`` of a ``->`` escaped too (``-\\>``), since
    ``->`` in an answer block makes it a matching question; and ``[plain]`` before a text that
    itself begins with ``%`` or a format mark (``[html]``), which the reader (Moodle's too) would
    otherwise take for the answer's weight (``%50%``) or its format and drop from the text."""
    body = escape(text).replace("->", "-\\>")
    if body.lstrip().startswith("%") or _FORMAT_MARK.match(body):
        return "[plain]" + body
    return body


def unescape(text: str) -> str:
    """GIFT text as written back to plain text (``\\n`` a line end, ``\\x`` the character x)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text, flags=re.DOTALL)


# --- writing ----------------------------------------------------------------------------------------

def write(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write ``questions`` as GIFT (UTF-8, no BOM) to ``out``; returns how many were written."""
    category = None
    count = 0
    for question in questions:
        draft = question.draft
        lines = []
        if draft.category_path != category:
            category = draft.category_path
            lines.append(f"$CATEGORY: $course$/{category}\n")
        count += 1
        lines.append(f"// question: {count}")
        extras = extras_of(draft, CARRIED | ({"type"} if draft.qtype != "indefinite_choice" else set()))
        if draft.qtype == "fill_blank" and not _missing_word(draft):
            extras.update(type="fill_blank", key=get_type("fill_blank").format_key(draft.key))
        elif draft.qtype == "short_answer":
            extras["key"] = draft.key
        if draft.default_score is not None:
            extras["score"] = str(draft.default_score)
        if extras:
            lines.append(f"{EXTENSION} {json.dumps(extras, ensure_ascii=False, sort_keys=True)}")
        lines.append(f"::{escape(question.name or str(count))}::{_body(draft)}")
        out.write(("\n".join(lines) + "\n\n").encode("utf-8"))
    return count


def _body(draft) -> str:
    feedback = f"####{escape(draft.explanation)}" if draft.explanation else ""
    if draft.qtype in ("single_choice", "multiple_choice", "indefinite_choice"):
        return f"[plain]{escape(draft.stem)}{{\n{_choices(draft)}{feedback}\n}}"
    if draft.qtype == "true_false":
        return f"[plain]{escape(draft.stem)}{{{'TRUE' if draft.key else 'FALSE'}{feedback}}}"
    if draft.qtype == "fill_blank" and _missing_word(draft):
        before, after = BLANK.split(draft.stem, maxsplit=1)
        answers = " ".join("=" + escape_answer(a) for a in draft.key[0])
        if not after.strip():
            # Nothing after the blank: a short answer whose stem keeps its blank, as Moodle reads it.
            return f"[plain]{escape(draft.stem)}{{{answers}{feedback}}}"
        return f"[plain]{escape(before)}{{{answers}{feedback}}}{escape(after)}"
    return f"[plain]{escape(draft.stem)}{{{feedback}}}"


def _missing_word(draft) -> bool:
    """Whether a fill-in is written as Moodle's "missing word": one blank, marked （ ） as the reader
    marks it again; any other is an essay with its key in the extension, so its stem stays as written."""
    blanks = BLANK.findall(draft.stem)
    return len(draft.key) == 1 and blanks == [ADDED_BLANK]


def _choices(draft) -> str:
    lines = []
    # Options the import would read otherwise (one begins with a label) each get their own label
    # in brackets, which the import takes off (option_cells.written_options).
    for letter, option in zip(LETTERS, written_options(draft.options)):
        if draft.qtype == "single_choice":
            lines.append(("=" if letter in draft.key else "~") + escape_answer(option))
        else:
            weight = share(len(draft.key)) if letter in draft.key else "-100"
            lines.append(f"~%{weight}%{escape_answer(option)}")
    return "\n".join(lines)


# --- reading ----------------------------------------------------------------------------------------

def read(filename: str, data: bytes) -> SourceFile:
    """The questions of a GIFT file, one row a question block. Raises ``InvalidInput`` for an empty,
    oversized or undecodable file, one without questions, or one with more than ``MAX_DATA_ROWS``."""
    encoding, text = read_text(filename, data)
    rows, notes, read_questions = [], [], []
    category: list[str] = []
    for line, block in _blocks(text):
        extension = [raw for raw in block if raw.lstrip().startswith(EXTENSION)]
        body = [raw for raw in block if not raw.lstrip().startswith("//")]
        if not body:
            continue
        line += block.index(body[0])  # the question's own first line, below its comments
        joined = "\n".join(body).strip(LAYOUT_SPACE)
        if joined.startswith("$CATEGORY:"):
            category = _category_levels(joined[len("$CATEGORY:"):].strip())
            continue
        item = len(rows) + 1
        if item > MAX_DATA_ROWS:
            raise InvalidInput([too_many(filename)])
        question = _question(joined, item, line, category)
        question.extras = _extras(extension)
        read_questions.append(question)
        outcome = to_row(filename, question)
        rows.append(outcome.row)
        notes.extend(outcome.notes)
    if not rows:
        raise InvalidInput([Problem(N_("The file holds no questions."), place=Place(file=filename))])
    return SourceFile("gift", encoding, "", rows, file_notes(filename, read_questions) + notes)


def _blocks(text: str) -> Iterable[tuple[int, list[str]]]:
    """(number of the block's first line, its lines) for each run of non-blank lines."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _extras(lines: list[str]) -> dict:
    for raw in lines:
        try:
            value = json.loads(raw.lstrip()[len(EXTENSION):])
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _category_levels(path: str) -> list[str]:
    levels = [level.strip() for level in path.split("/") if level.strip()]
    if levels and re.fullmatch(r"\$[a-z0-9]+\$", levels[0]):
        levels = levels[1:]
    return levels[1:] if levels and levels[0] == "top" else levels


def _unescaped(text: str, wanted: str, start: int = 0) -> int:
    """Position of the first ``wanted`` at or after ``start`` not escaped by a backslash; -1 if none."""
    position = start
    while position < len(text):
        if text[position] == "\\":
            position += 2
            continue
        if text.startswith(wanted, position):
            return position
        position += 1
    return -1


def _last_unescaped(text: str, wanted: str) -> int:
    found, position = -1, _unescaped(text, wanted)
    while position != -1:
        found, position = position, _unescaped(text, wanted, position + 1)
    return found


def _question(text: str, item: int, line: int, category: list[str]) -> MoodleQuestion:
    question = MoodleQuestion(item=item, line=line, qtype="", stem="", category=list(category))
    if text.startswith("::"):
        end = _unescaped(text, "::", 2)
        if end != -1:
            question.name, text = unescape(text[2:end]), text[end + 2:]
    opening = _unescaped(text, "{")
    closing = _last_unescaped(text, "}")
    if opening == -1 or closing < opening:
        question.qtype, question.stem = "description", unescape(text)
        return question
    before, answers, after = text[:opening], text[opening + 1:closing], text[closing + 1:]
    found = _FORMAT_MARK.match(before)
    question.stem_format = _FORMATS[found.group(1)] if found else "moodle_auto_format"
    before = before[found.end():] if found else before
    # The general feedback starts at the first "####" not escaped ("\\#####" is an escaped "#" and then it).
    feedback_at = _unescaped(answers, "####")
    answers, general = (answers[:feedback_at], answers[feedback_at + 4:]) if feedback_at != -1 else (answers, "")
    question.explanation, question.explanation_format = unescape(general).strip(LAYOUT_SPACE), question.stem_format
    after_text = unescape(after).rstrip()
    if after_text.strip() and set(after_text.strip()) <= _STRAY:
        question.stray = after_text.strip()
        after_text = ""
    question.qtype, question.single = _type_of(answers)
    # Moodle's "missing word": the answers stand where the blank is.
    question.stem = (f"{unescape(before).lstrip(LAYOUT_SPACE)}{ADDED_BLANK}{after_text}" if after_text.strip()
                     else unescape(before).strip(LAYOUT_SPACE))
    if question.qtype == "truefalse":
        word, *feedback = split_unescaped(answers.strip(), "#")
        value = word.strip().upper() in _TRUE_WORDS
        question.answers = [Answer(Decimal(100) if value else Decimal(0), "true"),
                            Answer(Decimal(0) if value else Decimal(100), "false")]
        question.answers[0].feedback = unescape("#".join(feedback)).strip()
    elif question.qtype in ("multichoice", "shortanswer"):
        question.answers = _answers(answers, question.stem_format)
    return question


def _type_of(answers: str) -> tuple[str, bool]:
    """Moodle's GIFT type of an answer block, and for a multichoice whether it has one right answer."""
    body = answers.strip()
    if not body:
        return "essay", True
    if body.startswith("#"):
        return "numerical", True
    if _unescaped(body, "->") != -1 and _unescaped(body, "=") != -1:
        return "matching", True
    if split_unescaped(body, "#")[0].strip().upper() in _TRUE_WORDS | _FALSE_WORDS:
        return "truefalse", True
    if _unescaped(body, "~") != -1:
        return "multichoice", _unescaped(body, "=") != -1
    return "shortanswer", True


def _answers(body: str, text_format: str) -> list[Answer]:
    answers = []
    for part in re.split(r"(?<!\\)(?=[~=])", body):
        part = part.strip(LAYOUT_SPACE)
        if not part.strip():
            continue
        right, part = part[0] == "=", part[1:].strip(LAYOUT_SPACE)
        weight = _WEIGHT.match(part)
        raw = weight.group(1) if weight else ("100" if right else "0")
        part = part[weight.end():] if weight else part
        text, *feedback = split_unescaped(part, "#")
        answer_format = text_format
        marked = _FORMAT_MARK.match(text)
        if marked:
            answer_format, text = _FORMATS[marked.group(1)], text[marked.end():]
        answers.append(Answer(grade_of(raw), unescape(text).strip(LAYOUT_SPACE), answer_format,
                              unescape("#".join(feedback)).strip(), raw))
    return answers
