"""What every question file format shares: the file a reader hands to the importer, the questions a
writer is given, and the fields a foreign format cannot carry.

- :class:`SourceFile` is what a reader (template, Moodle XML, GIFT, JSON Lines) makes of an upload:
  one :class:`~question_bank.formats.template.ParsedRow` a question (a draft, or its problems),
  plus notes on what the file held that the bank cannot keep. ``services.importing`` takes it from
  there, the same way for every format.
- :class:`ExportedQuestion` is one question as a writer gets it: the draft of the version exported
  and, for the lossless JSON Lines, its record (ids, status, versions, review, citations).
- Moodle XML and GIFT have no place for a difficulty, a legal basis, pinned options, a rubric or the
  difference between multiple and indefinite choice; the writers put those in an ``examsvc``
  extension (an element Moodle ignores; a ``//`` comment line in GIFT) made by :func:`extras_of`
  and read back by :func:`apply_extras`, so our own files round-trip whole while Moodle reads what
  it knows.

Every problem of an interchange file is placed by the question's number in the file (``item``, from
1) and, for text formats, the line it starts on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from question_bank.drafts import QuestionDraft, category_parts
from question_bank.errors import N_, Place, Problem
from question_bank.formats.guarded.text import decode
from question_bank.formats.guarded import refuse
from question_bank.formats.question_control_chars import draft_control_problems
from question_bank.formats.spreadsheet import MAX_DATA_ROWS, MAX_FILE_BYTES
from question_bank.formats.option_cells import row_labels
from question_bank.formats.template import ParsedRow, labels_note
from question_bank.types import REGISTRY
from question_bank.types.choice import LETTERS

#: Category given to questions a file files under none (Moodle's top, a GIFT file without $CATEGORY).
DEFAULT_CATEGORY = "导入"


@dataclass
class SourceFile:
    """An upload read for import. ``file_format`` names the format ("xlsx", "csv", "moodle_xml",
    "gift", "jsonl"); ``encoding`` the text encoding (``""`` for a workbook); ``sheet`` the sheet
    read (``""`` for one-table formats; the sheets joined by "、" when several were read, each named
    in ``sheets``); ``rows`` one entry a question, in file order (a list; from ``services.importing.stream_template`` an
    iterator reading the file as it is consumed, the other fields whole once it is exhausted); ``notes`` what could not be kept
    but did not stop a question (formatting, feedback, images …); ``notices`` what of the file was
    not read and why (hidden sheets, unknown columns, title rows: ``formats.template_sheets``);
    ``problems`` what refused a part of the file larger than a row (a question sheet whose header
    lacks a required column, a sheet that cannot be read), each naming its sheet: errors like a
    row's, which refuse the file in all-or-nothing mode and leave that part out in valid-rows mode."""

    file_format: str
    encoding: str
    sheet: str
    rows: Iterable[ParsedRow]
    notes: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Sheets refused part way through after some of their rows were given (a template read as
    #: it streams, ``template_sheets.stream_file``): rows of these sheets are to be left out.
    cut_sheets: list[str] = field(default_factory=list)


#: A reader: (file name, bytes) → :class:`SourceFile`; raises ``InvalidInput`` for a file it
#: cannot read at all.
Reader = Callable[[str, bytes], SourceFile]


@dataclass(frozen=True)
class ExportedQuestion:
    """One question handed to a writer: ``draft`` is the content exported (``services.exporting``: the published version); ``record`` is
    the JSON Lines record's bank part (see ``formats.question_jsonl``), ``{}`` when not needed;
    ``name`` is a short title (Moodle's question name); ``note`` what a reader of the file must know
    about this question's content (an unpublished revision it does not hold), ``""`` when nothing."""

    draft: QuestionDraft
    name: str = ""
    record: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def item_place(filename: str, item: int, line: int | None = None, field_name: str = "") -> Place:
    """The place of a question (``item``, from 1) of an interchange file, and of one of its fields."""
    return Place(file=filename, item=item, line=line, header=field_name)


def read_text(filename: str, data: bytes) -> tuple[str, str]:
    """(encoding, text) of an uploaded text file (UTF-8 with or without BOM, UTF-16, GB18030).
    Raises :class:`InvalidInput` for an empty, oversized or undecodable file."""
    if not data:
        raise refuse(filename, N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise refuse(filename, N_("The file is larger than %(mb)d MB; split it into several files."),
                     mb=MAX_FILE_BYTES // (1024 * 1024))
    return decode(filename, data)


def too_many(filename: str) -> Problem:
    """The problem of a file with more questions than one import takes."""
    return Problem(N_("The file holds more than %(n)d questions; split it into several files."),
                   {"n": MAX_DATA_ROWS}, Place(file=filename))


def finish_row(filename: str, item: int, line: int | None, draft: QuestionDraft | None,
               found: list[Problem], pins_stated: bool = True) -> ParsedRow:
    """A :class:`ParsedRow` for question ``item``: ``found`` (already placed) plus the draft's own
    problems (:meth:`QuestionDraft.problems`) and its fields' control characters
    (``question_control_chars.draft_control_problems``), each placed on the question and named by
    its field.

    A choice question's options lose their own labels ("A. 警告") as the template's do, decided for
    the question as a whole (``option_cells.row_labels``): taken off with a note when every option
    carries its label in order, the question refused naming the option when only some do or they
    are out of order (issue 5)."""
    problems = list(found)
    labelled = False
    if draft is not None and draft.qtype in REGISTRY and REGISTRY[draft.qtype].has_options and draft.options:
        draft.options, refused, labelled = row_labels(list(draft.options))
        problems.extend(Problem(p.message, p.params, item_place(filename, item, line, name)) for name, p in refused)
    if draft is not None:
        # A field holding an invisible control character is refused for that alone (issue 5, F6).
        controls = draft_control_problems(draft)
        refused = {str(p.place) for p in controls}
        problems.extend(Problem(p.message, p.params, item_place(filename, item, line, str(p.place)))
                        for p in controls + [p for p in draft.problems() if str(p.place) not in refused])
    if problems:
        return ParsedRow(item, None, problems, line=line, item=True)
    notes = [Problem(n.message, n.params, item_place(filename, item, line, str(n.place))) for n in draft.notes]
    if labelled:
        notes.append(labels_note(item_place(filename, item, line), ["options"]))
    return ParsedRow(item, draft, [], pins_stated=pins_stated, notes=notes, line=line, item=True)


def extras_of(draft: QuestionDraft, carried: frozenset[str]) -> dict[str, Any]:
    """The draft's fields a foreign format does not carry (those not in ``carried``), for its
    ``examsvc`` extension: ``type``, ``difficulty``, ``pinned`` (letters), ``legal_basis``,
    ``rubric``, ``tags``, ``score`` (text), ``key`` (the template's key text, for keys the format
    cannot write). Default values are left out, but for ``pinned`` of a choice question: a file
    that states no pins gets the importer's proposals (``以上都是`` pinned), ours must not."""
    values: dict[str, Any] = {
        "type": draft.qtype,
        "difficulty": draft.difficulty if draft.difficulty != 3 else None,
        "pinned": "".join(LETTERS[i] for i in draft.pinned_options if 0 <= i < len(LETTERS)),
        "legal_basis": draft.legal_basis,
        "rubric": draft.rubric,
        "tags": list(draft.tags),
        "score": str(draft.default_score) if draft.default_score is not None else None,
        "key": REGISTRY[draft.qtype].format_key(draft.key) if draft.qtype in REGISTRY else None,
    }
    # A choice question always states its pins (none: ""), so that the import proposes none for it.
    stated = {"pinned"} if draft.qtype in REGISTRY and REGISTRY[draft.qtype].has_options else set()
    return {name: value for name, value in values.items()
            if name not in carried and (value not in (None, "", []) or name in stated)}


def apply_extras(draft: QuestionDraft, extras: dict[str, Any], place: Place) -> list[Problem]:
    """Set ``draft``'s fields from an ``examsvc`` extension (:func:`extras_of`); the problems of
    values it cannot take, each at ``place`` named by the field. The draft's type is not changed
    here (the reader decides it, as the key's reading depends on it)."""
    found: list[Problem] = []

    def bad(name: str) -> None:
        found.append(Problem(N_("the examsvc extension's %(field)s is not valid"), {"field": name},
                             Place(**{**place.to_json(), "header": name})))

    if "difficulty" in extras:
        value = extras["difficulty"]
        if isinstance(value, int) and not isinstance(value, bool):
            draft.difficulty = value
        else:
            bad("difficulty")
    if "pinned" in extras:
        letters = extras["pinned"]
        if isinstance(letters, str) and all(ch in LETTERS for ch in letters):
            draft.pinned_options = sorted({LETTERS.index(ch) for ch in letters})
        else:
            bad("pinned")
    for name in ("legal_basis", "rubric"):
        if name in extras:
            if isinstance(extras[name], str):
                setattr(draft, name, extras[name].replace("\r\n", "\n"))
            else:
                bad(name)
    if "tags" in extras:
        tags = extras["tags"]
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
            draft.tags = [t for i, t in enumerate(tags) if t.strip() and t not in tags[:i]]
        else:
            bad("tags")
    if "score" in extras:
        try:
            draft.default_score = None if extras["score"] is None else Decimal(str(extras["score"]))
        except (InvalidOperation, ValueError):
            bad("score")
    return found


def category_path(parts: list[str]) -> str:
    """A category path from its levels, or :data:`DEFAULT_CATEGORY` when there are none."""
    return "/".join(category_parts("/".join(parts))) or DEFAULT_CATEGORY
