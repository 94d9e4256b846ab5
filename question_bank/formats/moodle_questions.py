"""A Moodle question, as Moodle XML and GIFT both describe it, made into a bank draft.

The two readers only parse their syntax into a :class:`MoodleQuestion`; :func:`to_row` decides,
once for both, which bank type it becomes and what is lost on the way:

=================================  ===============================================================
Moodle type                        bank type
=================================  ===============================================================
multichoice, one answer            single choice (the 100 % answer is the key; with
                                   ``shuffleanswers`` off every option is pinned)
multichoice, several answers       multiple choice (answers with a grade above 0 are the key);
                                   indefinite choice when the ``examsvc`` extension says so, or
                                   (with a note) when only one answer has a grade above 0
truefalse                          true/false
shortanswer                        fill-in with one blank (the 100 % answers are its alternatives;
                                   a blank （ ） is added at the end of a stem without one)
multianswer (Cloze), short-answer  fill-in, one blank a Cloze blank
blanks only
essay                              short answer (graderinfo is the reference answer; an essay
                                   without it is kept without one, noted on the question, and
                                   cannot be approved until an editor adds it: Moodle itself
                                   needs none, and refusing it would lose the question)
anything else                      refused, named by its Moodle type and question number
=================================  ===============================================================

A partial grade, a negative grade of a wrong answer, a wildcard, a case-sensitive comparison,
per-answer feedback and HTML formatting cannot be kept; each is reported as a note on the question
(:attr:`Outcome.notes`). A grade Moodle itself refuses (``moodle_grades``) refuses the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from question_bank.drafts import QuestionDraft, category_parts
from question_bank.errors import N_, Place, Problem
from question_bank.formats.html_text import html_to_text
from question_bank.formats.interchange import DEFAULT_CATEGORY, apply_extras, category_path, finish_row, item_place
from question_bank.formats.moodle_grades import CLOZE, CLOZE_SHORT_ANSWER, read_cloze_answers
from question_bank.formats.template import ParsedRow, trimmed_note
from question_bank.types import get_type
from question_bank.types.base import problem_of
from question_bank.types.fill_blank import BLANK, count_blanks
from question_bank.types.choice import LETTERS

#: What a blank added to a short-answer stem looks like (the template's own blank mark).
ADDED_BLANK = "（ ）"
#: What each kind of loss of ``html_text`` is called in a note.
_HTML_LOSSES = {
    "formatting": N_("the formatting of the HTML text (bold, italics, colours …) could not be kept; only its words are"),
    "link": N_("the address of a link could not be kept; only its words are"),
    "image": N_("an image in the HTML text could not be kept"),
    "table": N_("the layout of a table could not be kept; its rows are kept as lines"),
    "unsafe content": N_("a script, style or event handler in the HTML text was removed"),
}
#: Markdown's marks of formatting: bold or italics (** __ * _ around words), a heading (#), a link or
#: image ([words](address)), code (`), a quotation (>) or a list item (- * + or "1.") at a line's start.
_MARKDOWN_MARKS = re.compile(r"(\*\*|__)\S|(?<![A-Za-z0-9*_])[*_][^\s*_]|^\s{0,3}(#{1,6}\s|>|[-*+]\s|\d+\.\s)|\[[^\]]*\]\([^)]*\)|`",
                             re.MULTILINE)
MARKDOWN_KEPT = N_("the Markdown formatting (bold, italics, links …) is kept as written, marks included (such as "
                   "**bold**): the bank shows text as written, not formatted")

#: Moodle text formats whose text is HTML (``moodle_auto_format`` may hold HTML too).
HTML_FORMATS = frozenset({"html", "moodle_auto_format", "moodle"})


@dataclass
class Answer:
    """One Moodle answer: ``grade`` in percent (``None``: a grade Moodle refuses, ``raw_grade`` as
    written), its text as written and its format, and its feedback (plain)."""

    grade: Decimal | None
    text: str
    text_format: str = "plain_text"
    feedback: str = ""
    raw_grade: str = ""


@dataclass
class MoodleQuestion:
    """One question of a Moodle file: ``item`` its number in the file (from 1), ``line`` where it
    starts (``None`` when unknown), ``qtype`` Moodle's type name, ``name`` its title, ``single`` and
    ``shuffle`` (``shuffleanswers``) for a multichoice,
    texts with their Moodle formats, the category levels in force, ``extras`` from the ``examsvc``
    extension (``{}`` for a file Moodle wrote); ``attachments`` says the question had attached files
    (dropped), ``stray`` any characters a GIFT question had after its answers (dropped)."""

    item: int
    line: int | None
    qtype: str
    stem: str
    name: str = ""
    stem_format: str = "plain_text"
    single: bool = True
    shuffle: bool = True
    answers: list[Answer] = field(default_factory=list)
    explanation: str = ""
    explanation_format: str = "plain_text"
    reference: str = ""
    reference_format: str = "plain_text"
    case_sensitive: bool = False
    category: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    score: Decimal | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    attachments: bool = False
    stray: str = ""


@dataclass
class Outcome:
    """What :func:`to_row` made of a question: its row and the notes on what was not kept."""

    row: ParsedRow
    notes: list[Problem]


class _Notes:
    """Collects the notes of one question, each once."""

    def __init__(self, filename: str, question: MoodleQuestion) -> None:
        self.filename, self.question = filename, question
        self.found: list[Problem] = []
        #: Fields (as the question's problems name them: stem, option_B, key, explanation) whose
        #: text had the author's space around it, taken off (:func:`to_row` says so).
        self.trimmed: list[str] = []

    def place(self, name: str = "") -> Place:
        return item_place(self.filename, self.question.item, self.question.line, name)

    def add(self, message: str, name: str = "", **params: Any) -> None:
        problem = Problem(message, params, self.place(name))
        if problem not in self.found:
            self.found.append(problem)

    def text(self, value: str, text_format: str, name: str, field: str) -> str:
        """Plain text of a field (``name``: its Moodle element; ``field``: the bank field it
        fills), noting what its HTML lost, that its Markdown's marks were kept as written, and whether space around it was taken off: any in a
        plain text, where every character inside ``<text>`` is the author's (a GIFT reader takes
        its own layout off first); in HTML, space a browser would show (``html_text``)."""
        if text_format not in HTML_FORMATS:
            self._trimmed(field, bool(value.strip()) and value.strip() != value)
            if text_format == "markdown" and _MARKDOWN_MARKS.search(value):
                self.add(MARKDOWN_KEPT, name)
            return value.strip()
        if text_format != "html":
            # Moodle's auto format keeps the line ends typed; HTML would fold them into spaces.
            value = value.replace("\n", "<br>")
        converted = html_to_text(value)
        self._trimmed(field, converted.trimmed)
        for what in converted.lost:
            if what in _HTML_LOSSES:
                self.add(_HTML_LOSSES[what], name)
            else:
                self.add(N_("the HTML tag %(tag)s could not be kept; only its words are"), name, tag=what)
        return converted.text

    def _trimmed(self, field: str, trimmed: bool) -> None:
        if trimmed and field not in self.trimmed:
            self.trimmed.append(field)


def to_row(filename: str, question: MoodleQuestion) -> Outcome:
    """The bank row of a Moodle question and the notes on what was not kept (see the module)."""
    notes = _Notes(filename, question)
    if question.attachments:
        notes.add(N_("a file attached to the question (an image or a sound) could not be kept"))
    if question.stray:
        notes.add(N_("the characters %(text)s after the answers were left out"), text=question.stray)
    build = _BUILDERS.get(question.qtype)
    if build is None:
        problem = Problem(N_("the Moodle question type %(type)s is not supported (the bank has single, multiple "
                             "and indefinite choice, true/false, fill-in and short answer)"),
                          {"type": question.qtype}, notes.place("type"))
        return Outcome(ParsedRow(question.item, None, [problem]), notes.found)
    found: list[Problem] = []
    draft = build(question, notes, found)
    if draft is None:
        return Outcome(ParsedRow(question.item, None, found), notes.found)
    draft.explanation = notes.text(question.explanation, question.explanation_format, "generalfeedback",
                                   "explanation")
    draft.category_path = category_path(question.category)
    draft.tags = [t for i, t in enumerate(question.tags) if t not in question.tags[:i]]
    draft.default_score = question.score
    found.extend(apply_extras(draft, question.extras, notes.place()))
    for answer in question.answers:
        if answer.feedback:
            notes.add(N_("the feedback of each answer could not be kept"), "answer")
    # Pins are stated by our extension, or by Moodle's shuffle being off; otherwise the importer may
    # propose some (以上都是), as for a template row with an empty 固定选项 cell.
    stated = "pinned" in question.extras or not question.shuffle
    row = finish_row(filename, question.item, question.line, draft, found, stated)
    if row.draft is not None and notes.trimmed:
        # Said as the template says it (issue 5, F1), naming the fields as the question's problems do.
        fields = sorted(notes.trimmed, key=lambda name: (_FIELD_ORDER.index(name.rstrip(LETTERS)), name))
        row.notes.append(trimmed_note(item_place(filename, question.item, question.line), fields))
    return Outcome(row, notes.found)


#: The order a trimmed note names fields in, as the editor's form and the template show them
#: (``option_A`` … ``option_H`` as ``option_``).
_FIELD_ORDER = ("stem", "option_", "options", "key", "explanation")

#: Question names our own writers give (``Q`` and the question's id, or a number): not a title lost.
_OUR_NAMES = re.compile(r"Q?\d+")


def file_notes(filename: str, questions: list[MoodleQuestion]) -> list[Problem]:
    """The notes on a Moodle XML or GIFT file as a whole: :func:`names_note` and
    :func:`uncategorised_note`."""
    return names_note(filename, questions) + uncategorised_note(filename, questions)


def uncategorised_note(filename: str, questions: list[MoodleQuestion]) -> list[Problem]:
    """One note for the file when some of its questions are filed under no category (Moodle's top
    level, a GIFT file before any $CATEGORY): the bank needs one, and they were put in
    :data:`~question_bank.formats.interchange.DEFAULT_CATEGORY`, which the person is told."""
    items = [q.item for q in questions if not category_parts("/".join(q.category))]
    if not items:
        return []
    shown = "、".join(str(item) for item in items[:_ITEMS_SHOWN]) + ("…" if len(items) > _ITEMS_SHOWN else "")
    return [Problem(N_("%(n)d questions (%(items)s) are filed under no category in the file and were put in the "
                       "category %(category)s; move them to their categories after the import"),
                    {"n": len(items), "items": shown, "category": DEFAULT_CATEGORY}, Place(file=filename))]


#: How many question numbers a file-level note lists before "…".
_ITEMS_SHOWN = 10


def names_note(filename: str, questions: list[MoodleQuestion]) -> list[Problem]:
    """One note for the file when its questions have titles (Moodle's question names), which the
    bank does not keep; names our own exports write are not counted."""
    titled = sum(1 for q in questions if q.name.strip() and not _OUR_NAMES.fullmatch(q.name.strip()))
    if not titled:
        return []
    return [Problem(N_("%(n)d question names (Moodle's titles) were not kept: the bank identifies questions by "
                       "number"), {"n": titled}, Place(file=filename))]


def _draft(qtype: str, stem: str, options: list[str], key: Any) -> QuestionDraft:
    return QuestionDraft(qtype=qtype, stem=stem, options=options, key=key, category_path="")


def _refused_grades(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> bool:
    bad = [a for a in question.answers if a.grade is None]
    for answer in bad:
        found.append(Problem(N_("the answer %(answer)s has the grade %(grade)s%%, which Moodle does not accept "
                                "(it takes 100, 50, 33.33333, 25, 20 … and their negatives)"),
                             {"answer": html_to_text(answer.text).text[:40], "grade": answer.raw_grade},
                             notes.place("fraction")))
    return bool(bad)


def _choice(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> QuestionDraft | None:
    if _refused_grades(question, notes, found):
        return None
    options = [notes.text(a.text, a.text_format, "answer", f"option_{LETTERS[i]}" if i < len(LETTERS) else "options")
               for i, a in enumerate(question.answers)]
    stem = notes.text(question.stem, question.stem_format, "questiontext", "stem")
    draft = _choice_draft(question, notes, stem, options)
    if not question.shuffle:
        # Moodle keeps every option of such a question in place; the bank says it option by option.
        draft.pinned_options = list(range(len(options)))
    return draft


def _choice_draft(question: MoodleQuestion, notes: _Notes, stem: str, options: list[str]) -> QuestionDraft:
    _negative_grades(question, notes, options)
    if question.single:
        key = [LETTERS[i] for i, a in enumerate(question.answers) if a.grade == 100 and i < len(LETTERS)]
        if any(a.grade is not None and 0 < a.grade < 100 for a in question.answers):
            notes.add(N_("partial grades of wrong answers could not be kept: only the fully right answer earns "
                         "marks"), "fraction")
        return _draft("single_choice", stem, options, key)
    right = [a for a in question.answers if a.grade is not None and a.grade > 0]
    key = [LETTERS[i] for i, a in enumerate(question.answers) if a in right and i < len(LETTERS)]
    if len({a.grade for a in right}) > 1:
        notes.add(N_("unequal grades of the right answers could not be kept: the paper's multiple-choice rule "
                     "marks them"), "fraction")
    qtype = "indefinite_choice" if question.extras.get("type") == "indefinite_choice" else "multiple_choice"
    if qtype == "multiple_choice" and len(key) == 1:
        # Moodle's "several answers may be right" with one right answer: the bank's multiple choice
        # needs two keys, its indefinite choice (不定项) takes one; said, never refused nor silent.
        qtype = "indefinite_choice"
        notes.add(N_("Moodle allows several right answers here but gives only one (%(key)s); the question was "
                     "imported as indefinite choice, which allows one key"), key=key[0])
    return _draft(qtype, stem, options, key)


def _negative_grades(question: MoodleQuestion, notes: _Notes, options: list[str]) -> None:
    """A note naming the wrong answers that cost marks in Moodle (a negative grade), which the bank
    does not keep: a wrong choice earns nothing, or what the paper's multiple-choice rule gives.

    None for a question this bank wrote (it carries the ``examsvc`` extension) whose wrong answers
    are all at -100: the writers put that there for the paper's rule (``gift._choices``)."""
    negative = [f"{LETTERS[i]}. {options[i][:20]} ({a.raw_grade or a.grade}%)"
                for i, a in enumerate(question.answers)
                if a.grade is not None and a.grade < 0 and i < min(len(LETTERS), len(options))]
    ours = question.extras and not question.single and all(
        a.grade == -100 for a in question.answers if a.grade is not None and a.grade <= 0)
    if negative and not ours:
        notes.add(N_("negative grades of wrong answers could not be kept (%(answers)s): in the bank a wrong choice "
                     "never takes marks away"), "fraction", answers="、".join(negative))


def _true_false(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> QuestionDraft | None:
    stem = notes.text(question.stem, question.stem_format, "questiontext", "stem")
    right = [a.text.strip().casefold() for a in question.answers if a.grade == 100]
    key = right[0] == "true" if len(right) == 1 and right[0] in ("true", "false") else None
    return _draft("true_false", stem, [], key)


def _short_answer(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> QuestionDraft | None:
    if _refused_grades(question, notes, found):
        return None
    stem = notes.text(question.stem, question.stem_format, "questiontext", "stem")
    if count_blanks(stem) == 0:
        stem = f"{stem}{ADDED_BLANK}"
        notes.add(N_("a blank （ ） was added at the end of the stem, where the answer goes"), "questiontext")
    alternatives = _alternatives(question.answers, notes)
    if question.case_sensitive:
        notes.add(N_("the answer was compared case-sensitively in Moodle; the bank ignores case"), "usecase")
    return _draft("fill_blank", stem, [], [alternatives])


def _alternatives(answers: list[Answer], notes: _Notes) -> list[str]:
    kept = []
    for answer in answers:
        text = notes.text(answer.text, answer.text_format, "answer", "key")
        if answer.grade != 100:
            notes.add(N_("the answer %(answer)s earned %(grade)s%% in Moodle; only fully right answers are kept"),
                      "answer", answer=text[:40], grade=answer.raw_grade or str(answer.grade))
        elif "*" in text:
            notes.add(N_("the wildcard * of the answer %(answer)s is kept as a plain character"), "answer",
                      answer=text[:40])
            kept.append(text)
        else:
            kept.append(text)
    return kept


def _cloze(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> QuestionDraft | None:
    stem = notes.text(question.stem, question.stem_format, "questiontext", "stem")
    blanks: list[list[str]] = []
    unsupported = [m.group(2).upper() for m in CLOZE.finditer(stem) if m.group(2).upper() not in CLOZE_SHORT_ANSWER]
    if unsupported:
        found.append(Problem(N_("the Cloze blank type %(type)s is not supported; only short-answer blanks are"),
                             {"type": unsupported[0]}, notes.place("questiontext")))
        return None

    written = question.extras.get("blanks")
    markers = iter(written if isinstance(written, list) else [])

    def blank(match) -> str:
        answers = read_cloze_answers(match.group(3))
        bad = [text for grade, text, _ in answers if grade is None]
        if bad:
            found.append(Problem(N_("the answer %(answer)s has a grade Moodle does not accept"),
                                 {"answer": bad[0][:40]}, notes.place("questiontext")))
        as_answers = [Answer(grade, text, "plain_text", feedback, str(grade)) for grade, text, feedback in answers
                      if grade is not None]
        blanks.append(_alternatives(as_answers, notes))
        if match.group(2).upper() in {"SHORTANSWER_C", "SAC", "MWC"}:
            notes.add(N_("the answer was compared case-sensitively in Moodle; the bank ignores case"), "usecase")
        marker = next(markers, ADDED_BLANK)
        return marker if isinstance(marker, str) and BLANK.fullmatch(marker) else ADDED_BLANK

    plain = CLOZE.sub(blank, stem)
    if found:
        return None
    return _draft("fill_blank", plain, [], blanks)


def _essay(question: MoodleQuestion, notes: _Notes, found: list[Problem]) -> QuestionDraft | None:
    stem = notes.text(question.stem, question.stem_format, "questiontext", "stem")
    written = question.extras.get("key")
    if question.extras.get("type") == "fill_blank" and isinstance(written, str):
        # A fill-in with several blanks, which GIFT cannot write: an essay with our key beside it.
        try:
            return _draft("fill_blank", stem, [], get_type("fill_blank").parse_key(written, []))
        except ValueError as exc:
            found.append(problem_of(exc, notes.place("key")))
            return None
    reference = notes.text(question.reference, question.reference_format, "graderinfo", "key")
    if not reference and isinstance(written, str):
        reference = written
    return _draft("short_answer", stem, [], reference)


_BUILDERS = {
    "multichoice": _choice,
    "truefalse": _true_false,
    "shortanswer": _short_answer,
    "multianswer": _cloze,
    "essay": _essay,
}
