"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format): written with the standard library's
streaming XML writer, read with defusedxml refusing any document type declaration (``forbid_dtd``),
and so every entity and external reference.

Writing: a ``category`` pseudo-question (``$course$/宪法/国家机构``) before each run of questions of a
category, then each question as the Moodle type that carries it (``moodle_questions`` has the
table): choice → ``multichoice`` (each right answer of a multiple choice gets an equal share of 100 %,
each wrong one -100 %), true/false → ``truefalse``, fill-in → ``multianswer`` (Cloze, one
short-answer blank a blank), short answer → ``essay`` with the reference answer as ``graderinfo``.
Texts are ``plain_text``; the explanation is the general feedback; knowledge points are ``tags``; the
mark is ``defaultgrade``. What Moodle has no place for (difficulty, legal basis, pinned options,
rubric, indefinite choice) goes in an ``<examsvc>`` element holding JSON
(``interchange.extras_of``), which Moodle's importer skips.

Reading: every ``question`` element in order; a type the bank lacks is refused by name and number;
HTML texts are sanitised and flattened (``html_text``); notes say what was not kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import XMLGenerator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.guarded import refuse
from question_bank.formats.interchange import ExportedQuestion, SourceFile, extras_of, read_text, too_many
from question_bank.formats.moodle_grades import cloze_blank, grade_of, share
from question_bank.formats.moodle_questions import ADDED_BLANK, Answer, MoodleQuestion, file_notes, to_row
from question_bank.formats.option_cells import written_options
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.types.choice import LETTERS
from question_bank.types.fill_blank import BLANK

#: Fields the Moodle XML itself carries (the rest goes in the ``examsvc`` element).
CARRIED = frozenset({"key", "tags", "score"})
#: Characters XML 1.0 cannot hold at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Path prefixes Moodle writes before a category's own levels.
_CONTEXTS = re.compile(r"^\$[a-z0-9]+\$$")


class _Writer:
    def __init__(self, out: IO[bytes]) -> None:
        self.xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)

    def newline(self, depth: int) -> None:
        self.xml.ignorableWhitespace("\n" + "  " * depth)

    def element(self, depth: int, name: str, text: str | None = None, attrs: dict[str, str] | None = None,
                children: Iterable[tuple[str, str | None, dict[str, str] | None]] = ()) -> None:
        self.newline(depth)
        self.xml.startElement(name, attrs or {})
        if text is not None:
            self.xml.characters(_NOT_XML.sub("", text))
        for child, child_text, child_attrs in children:
            self.element(depth + 1, child, child_text, child_attrs)
        if children:
            self.newline(depth)
        self.xml.endElement(name)

    def text_element(self, depth: int, name: str, text: str) -> None:
        """``<name format="plain_text"><text>…</text></name>`` (Moodle's shape for every text)."""
        self.element(depth, name, attrs={"format": "plain_text"}, children=[("text", text, None)])


def write(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write a Moodle XML ``<quiz>`` of ``questions`` to ``out``; returns how many were written."""
    writer = _Writer(out)
    writer.xml.startDocument()
    writer.xml.startElement("quiz", {})
    category = None
    count = 0
    for question in questions:
        draft = question.draft
        if draft.category_path != category:
            category = draft.category_path
            writer.newline(1)
            writer.xml.startElement("question", {"type": "category"})
            writer.element(2, "category", children=[("text", f"$course$/{category}", None)])
            writer.newline(1)
            writer.xml.endElement("question")
        _write_question(writer, question)
        count += 1
    writer.newline(0)
    writer.xml.endElement("quiz")
    writer.xml.ignorableWhitespace("\n")
    writer.xml.endDocument()
    return count


def _write_question(writer: _Writer, question: ExportedQuestion) -> None:
    draft = question.draft
    moodle_type = {"single_choice": "multichoice", "multiple_choice": "multichoice",
                   "indefinite_choice": "multichoice", "true_false": "truefalse", "fill_blank": "multianswer",
                   "short_answer": "essay"}[draft.qtype]
    writer.newline(1)
    writer.xml.startElement("question", {"type": moodle_type})
    writer.element(2, "name", children=[("text", question.name or draft.stem[:60], None)])
    stem = draft.stem
    if draft.qtype == "fill_blank":
        blanks = iter(draft.key)
        stem = BLANK.sub(lambda _: cloze_blank(next(blanks, [""])), stem)
    writer.text_element(2, "questiontext", stem)
    writer.text_element(2, "generalfeedback", draft.explanation)
    writer.element(2, "defaultgrade", _grade_text(draft.default_score))
    writer.element(2, "penalty", "0")
    writer.element(2, "hidden", "0")
    if moodle_type == "multichoice":
        _write_choices(writer, draft)
    elif moodle_type == "truefalse":
        for value in (True, False):
            writer.element(2, "answer", attrs={"fraction": "100" if draft.key is value else "0",
                                               "format": "moodle_auto_format"},
                           children=[("text", "true" if value else "false", None)])
    elif moodle_type == "essay":
        writer.element(2, "responseformat", "editor")
        writer.element(2, "responserequired", "1")
        writer.element(2, "responsefieldlines", "10")
        writer.element(2, "attachments", "0")
        writer.text_element(2, "graderinfo", draft.key)
        writer.text_element(2, "responsetemplate", "")
    if draft.tags:
        writer.newline(2)
        writer.xml.startElement("tags", {})
        for tag in draft.tags:
            writer.element(3, "tag", children=[("text", tag, None)])
        writer.newline(2)
        writer.xml.endElement("tags")
    extras = extras_of(draft, CARRIED)
    if extras.get("type") != "indefinite_choice":
        extras.pop("type", None)
    if draft.default_score is None:
        extras["score"] = None  # Moodle always has a default grade; ours has none
    markers = BLANK.findall(draft.stem) if draft.qtype == "fill_blank" else []
    if any(marker != ADDED_BLANK for marker in markers):
        extras["blanks"] = markers  # how the stem marked its blanks, which Cloze replaces
    if extras:
        writer.element(2, "examsvc", json.dumps(extras, ensure_ascii=False, sort_keys=True))
    writer.newline(1)
    writer.xml.endElement("question")


def _write_choices(writer: _Writer, draft) -> None:
    single = draft.qtype == "single_choice"
    writer.element(2, "single", "true" if single else "false")
    everything_pinned = len(draft.pinned_options) == len(draft.options)
    writer.element(2, "shuffleanswers", "false" if everything_pinned else "true")
    writer.element(2, "answernumbering", "ABCD")
    right = share(len(draft.key)) if draft.key else "0"
    # Options the import would read otherwise (one begins with a label) each get their own label
    # in brackets, which the import takes off (option_cells.written_options).
    for letter, option in zip(LETTERS, written_options(draft.options)):
        fraction = right if letter in draft.key else ("0" if single else "-100")
        writer.element(2, "answer", attrs={"fraction": fraction, "format": "plain_text"},
                       children=[("text", option, None)])


def _grade_text(score: Decimal | None) -> str:
    return format(score.normalize(), "f") if score is not None else "1"


# --- reading ----------------------------------------------------------------------------------------

def read(filename: str, data: bytes) -> SourceFile:
    """The questions of a Moodle XML file, one row a ``question`` element that is not a category.
    Raises ``InvalidInput`` for a file that is not Moodle XML (not well-formed, a document type
    declaration, with or without entities, another root) or holds more than ``MAX_DATA_ROWS`` questions."""
    _, text = read_text(filename, data)  # the same size, emptiness and encoding checks as every text file
    try:
        # A document type declaration at all is refused (forbid_dtd): every entity trick needs one
        # (billion laughs, external and parameter entities, an external DTD), Moodle never writes one.
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, column = exc.position
        raise refuse(filename, N_("This is not well-formed XML (line %(line)d, column %(column)d): %(reason)s"),
                     Place(line=line), line=line, column=column, reason=str(exc).split(":")[0]) from None
    except DefusedXmlException:
        line = text.count("\n", 0, max(text.find("<!DOCTYPE"), 0)) + 1
        raise refuse(filename, N_("This XML file has a document type declaration (<!DOCTYPE …>), which Moodle "
                                  "never writes and a question file never needs; it is refused for safety, with any "
                                  "entities it declares. Delete it and upload the file again."),
                     Place(line=line)) from None
    if root.tag != "quiz":
        raise refuse(filename, N_("This XML file is not a Moodle question file: its root element is <%(tag)s>, "
                                  "not <quiz>."), tag=str(root.tag)[:40])
    rows, notes, read_questions = [], [], []
    category: list[str] = []
    item = 0
    for element in root.iter("question"):
        moodle_type = element.get("type", "")
        if moodle_type == "category":
            category = _category_levels(_text(element, "category"))
            continue
        item += 1
        if item > MAX_DATA_ROWS:
            raise InvalidInput([too_many(filename)])
        question = _question(element, item, moodle_type, category)
        read_questions.append(question)
        outcome = to_row(filename, question)
        rows.append(outcome.row)
        notes.extend(outcome.notes)
    if not rows:
        raise InvalidInput([Problem(N_("The file holds no questions."), place=Place(file=filename))])
    return SourceFile("moodle_xml", "utf-8", "", rows, file_notes(filename, read_questions) + notes)


def _question(element: Element, item: int, moodle_type: str, category: list[str]) -> MoodleQuestion:
    stem_element = element.find("questiontext")
    question = MoodleQuestion(
        item=item, line=None, qtype=moodle_type, stem=_text(element, "questiontext"),
        stem_format=_format(stem_element), category=list(category),
        explanation=_text(element, "generalfeedback"), explanation_format=_format(element.find("generalfeedback")),
        reference=_text(element, "graderinfo"), reference_format=_format(element.find("graderinfo")),
        single=(element.findtext("single") or "true").strip().lower() in ("true", "1"),
        shuffle=(element.findtext("shuffleanswers") or "true").strip().lower() in ("true", "1"),
        name=element.findtext("name/text") or "",
        case_sensitive=(element.findtext("usecase") or "0").strip() == "1",
        tags=[t.strip() for t in (tag.findtext("text") or "" for tag in element.findall("tags/tag")) if t.strip()],
        score=_score(element.findtext("defaultgrade")),
        answers=[_answer(a) for a in element.findall("answer")],
    )
    question.attachments = bool(element.findall(".//file"))
    extension = element.findtext("examsvc")
    if extension:
        try:
            extras = json.loads(extension)
        except ValueError:
            extras = None
        question.extras = extras if isinstance(extras, dict) else {}
    return question


def _answer(element: Element) -> Answer:
    raw = element.get("fraction", "0")
    return Answer(grade=grade_of(raw), text=element.findtext("text") or "", text_format=_format(element),
                  feedback=(element.findtext("feedback/text") or "").strip(), raw_grade=raw)


def _text(element: Element, name: str) -> str:
    return element.findtext(f"{name}/text") or ""


def _format(element: Element | None) -> str:
    return element.get("format", "html") if element is not None else "plain_text"


def _score(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value.normalize() if value.is_finite() and value > 0 else None


def _category_levels(path: str) -> list[str]:
    """``$course$/top/宪法/国家机构`` → ``["宪法", "国家机构"]``: Moodle's context and top dropped."""
    levels = [level.strip() for level in path.split("/") if level.strip()]
    if levels and _CONTEXTS.match(levels[0]):
        levels = levels[1:]
    if levels and levels[0] == "top":
        levels = levels[1:]
    return levels
