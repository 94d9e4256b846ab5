"""JSON Lines: the bank's own lossless question format (README, "Import and export formats").

One JSON object a line, UTF-8, no byte-order mark, ``\\n`` between lines. Each object is one
question (schema :data:`SCHEMA`):

- content, as the bank stores the version exported (its published version, the one papers draw; the
  current version of a question never published): ``type`` (a type code), ``stem``, ``options``
  (texts, A first), ``key`` (the type's key: option letters ``["A","C"]``, ``true``/``false``, the
  accepted answers of each blank ``[["二","2"],["五"]]``, or the reference answer's text),
  ``key_text`` (the same as the template writes it, for people), ``pinned_options`` (letters),
  ``explanation``, ``difficulty`` (1–5), ``tags``, ``legal_basis``, ``category`` (path with
  ``/``), ``default_score`` (text such as ``"2.5"``, or ``null``), ``rubric``;
- the bank's record (export only): ``id``, ``status``, ``version_no`` (of the content above),
  ``published_version_no``, ``pending_revision`` (version number of a revision not yet published,
  held in ``versions`` only, or ``null``),
  ``fingerprint``, ``author``, ``created_at``, ``updated_at`` (ISO 8601, UTC), ``review``
  (``reviewer``, ``reviewed_at``, ``import_batch``), ``versions`` (every version: its content as
  above plus ``version_no``, ``fingerprint``, ``created_at``, ``created_by``, ``used_at``), and
  ``citations`` of the version exported (``source``, ``text``, ``law_title``, ``article_number``,
  ``article_suffix``, ``paragraph``, ``item``, ``status``).

Import reads the content fields of each line. The record fields describe the exporting bank and are
not imported (a question arrives as a new draft in review, its citations found again from its legal
basis); the report says so once. A field the schema does not know is reported, never dropped quietly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from question_bank.drafts import QuestionDraft
from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.interchange import (
    ExportedQuestion,
    SourceFile,
    finish_row,
    item_place,
    read_text,
    too_many,
)
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.formats.option_cells import written_options
from question_bank.formats.template import ParsedRow
from question_bank.types import REGISTRY
from question_bank.types.choice import LETTERS

SCHEMA = "examsvc.question/1"
#: Content fields a line may carry, and the bank-record fields that are read over.
CONTENT_FIELDS = ("type", "stem", "options", "key", "key_text", "pinned_options", "explanation", "difficulty",
                  "tags", "legal_basis", "category", "default_score", "rubric")
RECORD_FIELDS = ("schema", "id", "status", "version_no", "published_version_no", "pending_revision", "fingerprint",
                 "author",
                 "created_at", "updated_at", "review", "versions", "citations")


def content_of(draft: QuestionDraft) -> dict[str, Any]:
    """The content fields of a draft (see the module's schema)."""
    qtype = REGISTRY[draft.qtype]
    return {
        "type": draft.qtype, "stem": draft.stem, "options": list(draft.options), "key": draft.key,
        "key_text": qtype.format_key(draft.key),
        "pinned_options": [LETTERS[i] for i in draft.pinned_options],
        "explanation": draft.explanation, "difficulty": draft.difficulty, "tags": list(draft.tags),
        "legal_basis": draft.legal_basis, "category": draft.category_path,
        "default_score": str(draft.default_score) if draft.default_score is not None else None,
        "rubric": draft.rubric,
    }


def write(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write one line a question to ``out``; returns how many were written. A choice question's
    options that the import would read otherwise (one begins with a label) are written each after
    its own label in brackets (``option_cells.written_options``), which the import takes off."""
    count = 0
    for question in questions:
        line = {"schema": SCHEMA, **question.record, **content_of(question.draft)}
        if REGISTRY[question.draft.qtype].has_options:
            line["options"] = written_options(line["options"])
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        out.write(b"\n")
        count += 1
    return count


def read(filename: str, data: bytes) -> SourceFile:
    """The questions of a JSON Lines file, one :class:`ParsedRow` a non-blank line, each problem
    placed on its question and line. Raises ``InvalidInput`` for an empty, oversized or
    undecodable file, or one with more than ``MAX_DATA_ROWS`` questions."""
    encoding, text = read_text(filename, data)
    rows: list[ParsedRow] = []
    notes: list[Problem] = []
    record_seen = False
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        if len(rows) >= MAX_DATA_ROWS:
            raise InvalidInput([too_many(filename)])
        item = len(rows) + 1
        row, unknown, has_record = _read_line(filename, item, number, raw)
        rows.append(row)
        record_seen = record_seen or has_record
        notes.extend(Problem(N_("the field %(field)s is not part of the schema and was not read"), {"field": name},
                             item_place(filename, item, number, name)) for name in unknown)
    if not rows:
        raise InvalidInput([Problem(N_("The file holds no questions."), place=Place(file=filename))])
    if record_seen:
        notes.insert(0, Problem(N_("Ids, status, versions, review and citations in the file describe the bank it "
                                   "came from and are not imported: each question arrives as a new draft for "
                                   "review, and its citations are found again from its legal basis."),
                                place=Place(file=filename)))
    return SourceFile("jsonl", encoding, "", rows, notes)


def _read_line(filename: str, item: int, line: int, raw: str) -> tuple[ParsedRow, list[str], bool]:
    """One line: its row, the names of fields it has that the schema does not, and whether it
    carries bank-record fields."""
    def place(name: str = "") -> Place:
        return item_place(filename, item, line, name)

    try:
        value = json.loads(raw)
    except ValueError as exc:
        return ParsedRow(item, None, [Problem(N_("this line is not JSON (%(reason)s)"), {"reason": str(exc)},
                                              place())]), [], False
    if not isinstance(value, dict):
        return ParsedRow(item, None, [Problem(N_("this line is not a JSON object"), place=place())]), [], False
    lone = _lone_surrogate(value)
    if lone is not None:
        # JSON lets an escape such as \ud800 stand for half of a character; no text can hold it, and
        # it failed the whole job when written (outside trial), so the line is refused here.
        return ParsedRow(item, None, [Problem(
            N_("this line holds the escape %(escape)s, half of a character, which no text can hold; write the "
               "whole character"), {"escape": f"\\u{ord(lone):04x}"}, place())]), [], False
    unknown = [name for name in value if name not in CONTENT_FIELDS and name not in RECORD_FIELDS]
    has_record = any(name in value for name in RECORD_FIELDS if name != "schema")
    found: list[Problem] = []
    schema = value.get("schema", SCHEMA)
    if schema != SCHEMA:
        found.append(Problem(N_("unknown schema %(value)s; this file is not of schema %(schema)s"),
                             {"value": str(schema)[:60], "schema": SCHEMA}, place("schema")))
    code = value.get("type")
    if code not in REGISTRY:
        found.append(Problem(N_("unknown question type %(code)s"), {"code": str(code)[:40]}, place("type")))
        return ParsedRow(item, None, found), unknown, has_record
    texts = {name: value.get(name, "") for name in ("stem", "explanation", "legal_basis", "category", "rubric")}
    for name, text in texts.items():
        if not isinstance(text, str):
            found.append(Problem(N_("the field %(field)s must be a text"), {"field": name}, place(name)))
    lists = {name: value.get(name, []) for name in ("options", "tags", "pinned_options")}
    for name, items in lists.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            found.append(Problem(N_("the field %(field)s must be a list of texts"), {"field": name}, place(name)))
    difficulty = value.get("difficulty", 3)
    if not isinstance(difficulty, int) or isinstance(difficulty, bool):
        found.append(Problem(N_("difficulty must be 1 to 5"), place=place("difficulty")))
    score = _score(value.get("default_score"), found, place("default_score"))
    pinned = lists["pinned_options"] if isinstance(lists["pinned_options"], list) else []
    if any(p not in LETTERS for p in pinned if isinstance(p, str)):
        found.append(Problem(N_("pinned options are given by their letters A–H"), place=place("pinned_options")))
    if found:
        return ParsedRow(item, None, found), unknown, has_record
    key = _same_key(code, value.get("key"))
    # What a line says twice must say the same: never one of two values taken silently.
    found.extend(_contradictions(value, code, key, place))
    if found:
        return ParsedRow(item, None, found), unknown, has_record
    draft = QuestionDraft(
        qtype=code, stem=texts["stem"], options=list(lists["options"]), key=key,
        category_path=texts["category"], explanation=texts["explanation"], difficulty=difficulty,
        tags=list(lists["tags"]), legal_basis=texts["legal_basis"], default_score=score,
        pinned_options=[LETTERS.index(p) for p in pinned], rubric=texts["rubric"],
    )
    row = finish_row(filename, item, line, draft, [], pins_stated="pinned_options" in value)
    if row.draft is not None:
        row.notes.extend(_versions_left(value, place("versions")))
    return row, unknown, has_record


def _lone_surrogate(value: Any) -> str | None:
    """The first lone surrogate (U+D800–U+DFFF) in any text of ``value`` (JSON as decoded: texts,
    lists, objects and their keys), or None."""
    if isinstance(value, str):
        return next((char for char in value if "\ud800" <= char <= "\udfff"), None)
    if isinstance(value, dict):
        return next((found for part in (*value.keys(), *value.values())
                     if (found := _lone_surrogate(part)) is not None), None)
    if isinstance(value, list):
        return next((found for part in value if (found := _lone_surrogate(part)) is not None), None)
    return None


def _score(value: Any, found: list[Problem], place: Place) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        found.append(Problem(N_("the mark must be a number such as 2 or 2.5; not %(value)s"),
                             {"value": str(value)[:40]}, place))
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        found.append(Problem(N_("the mark must be a number such as 2 or 2.5; not %(value)s"),
                             {"value": str(value)[:40]}, place))
        return None


def _same_key(code: str, key: Any) -> Any:
    """``key`` as the bank compares it: a choice key's letters sorted, each once (letters in any
    order and repeated mean the same key); any other key as it is."""
    if REGISTRY[code].has_options and isinstance(key, list) and all(isinstance(k, str) for k in key):
        return sorted(set(key))
    return key


def _shown(value: Any) -> str:
    """A field's value as a problem quotes it: JSON, cut at 80 characters with "…"."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def _exported_version(value: dict[str, Any]) -> dict[str, Any] | None:
    """The entry of ``versions`` whose content the line's top-level fields repeat: the one whose
    ``version_no`` is the line's ``version_no`` (the only one when the line gives no number)."""
    versions = [v for v in value.get("versions") or [] if isinstance(v, dict)] \
        if isinstance(value.get("versions"), list) else []
    number = value.get("version_no")
    if number is None:
        return versions[0] if len(versions) == 1 else None
    return next((v for v in versions if v.get("version_no") == number), None)


def _contradictions(value: dict[str, Any], code: str, key: Any, place) -> list[Problem]:
    """Problems for what the line says twice and differently (issue 5): ``key_text`` that does
    not read as ``key``, and a content field whose value differs from the same field of the
    version the line exports (:func:`_exported_version`). Each names the field and both values."""
    found: list[Problem] = []
    qtype = REGISTRY[code]
    key_text = value.get("key_text")
    if isinstance(key_text, str) and "key" in value:
        try:
            agrees = _same_key(code, qtype.parse_key(key_text, list(value.get("options") or []))) == key
        except ValueError:
            agrees = False
        if not agrees:
            found.append(Problem(N_("key_text %(text)s does not say the same as key %(key)s; write the key "
                                    "once, or both alike"), {"text": _shown(key_text), "key": _shown(value["key"])},
                                 place("key_text")))
    version = _exported_version(value)
    if version is None:
        return found
    for name in CONTENT_FIELDS:
        if name not in value or name not in version:
            continue
        top, inner = value[name], version[name]
        if name == "key":
            top, inner = key, _same_key(code, inner)
        elif name == "options" and isinstance(inner, list) and all(isinstance(o, str) for o in inner):
            # The top level writes options as the export does (labels added where needed).
            inner = top if top == written_options(inner) else inner
        if top != inner:
            found.append(Problem(N_("%(field)s is %(value)s here but %(other)s in version %(n)s of versions; "
                                    "which one is meant is for the author to say"),
                                 {"field": name, "value": _shown(value[name]), "other": _shown(version[name]),
                                  "n": str(version.get("version_no", ""))}, place(name)))
    return found


def _versions_left(value: dict[str, Any], place: Place) -> list[Problem]:
    """A note naming the versions a line carries besides the one it exports, which the import
    does not bring in (only the exported content arrives, as a new question); none when it
    carries no other."""
    versions = value.get("versions")
    if not isinstance(versions, list) or not versions:
        return []
    exported = _exported_version(value)
    others = [v for v in versions if v is not exported]
    if not others:
        return []
    numbers = "、".join(str(v.get("version_no", "?")) if isinstance(v, dict) else "?" for v in others)
    return [Problem(N_("besides the version imported (version %(v)s), this line carries %(n)d more of the question "
                       "(version %(numbers)s); they were not imported"),
                    {"n": len(others), "numbers": numbers, "v": str(value.get("version_no", "?"))}, place)]
