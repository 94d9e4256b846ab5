"""Importing questions from the Excel/CSV template into one batch for review (domain.md §3, case C-13).

An import is all-or-nothing unless the editor asks for the valid rows only:

- ``all_or_nothing`` (default): any row with a problem refuses the whole file; the report lists
  every problem of every row, and nothing is written.
- ``valid_only``: the sound rows are imported, the others are reported and left out.

The rows are read, judged, checked and written :data:`CHUNK_ROWS` at a time (a 20,000-row file is
never held whole), all inside one savepoint that is released only when the whole file has been
read and the import may stand: a bad row in all-or-nothing mode, repeats to ask about, a file
refused as a whole on a late row, or any failure half way roll back every part written before, and
leave nothing behind. What is imported arrives as one
:class:`ImportBatch` in review, its questions ``in_review``, to be approved or rejected as one by
someone other than the uploader (``review.decide_batch``).

Repeats and near-duplicates (``services.duplicates``, case C-21: stem and options compared with
every live question) are imported but flagged, against the bank and against earlier rows of the
same file: ``Question.duplicate_of`` points to the question resembled, and the batch report lists
them with how alike they are.

Pinned options (case C-23): where a choice row leaves its 固定选项 cell empty, options that refer
to the others ("以上都是", "以上都不对", ``types.choice.pinning_proposals``) are pinned, and the batch
report lists each such row (``pinned``) so the editor and the reviewer see what was decided for
them. Applying the proposal is the safe default: pinning only ever keeps an option where its author
put it, while leaving "以上都是" free to be shuffled to the top makes the question nonsense for
candidates; an editor who wants it shuffled unpins it in the editor, or writes 无 in the column.

A report can hold thousands of problems, so it is read in two ways: :func:`summarise` counts rows
(not problems) and groups the problems by reason and column with their first few rows, for a page;
the whole list is for download (:func:`batch_problems`, :func:`refused_problems`). A refused import
writes no batch, so its problems are kept in its audit event (``batch.import_refused``), which only
the uploader may read back.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, NotFound, Place, Problem
from question_bank.formats import spreadsheet, tabular, template, template_sheets
from question_bank.formats.guarded import clean_filename
from question_bank.formats.guarded.kinds import WORKBOOK_ENDINGS
from question_bank.formats.interchange import Reader, SourceFile
from question_bank.models import (AuditEvent, BatchStatus, ImportBatch, Question, QuestionCitation, QuestionStatus,
                                   Role, User)
from question_bank.services import audit, authoring, bank_import_lock, citing, duplicates, protection
from question_bank.services.law_index import LawIndex
from question_bank.text import content_fingerprint
from question_bank.types import get_type
from question_bank.types.choice import LETTERS, pinning_proposals

#: What to do with a file already imported, or with rows repeating questions already in the bank:
#: stop before writing and say so (the default), import without those rows, or import them flagged.
ASK, SKIP_REPEATS, KEEP_REPEATS = "ask", "skip", "keep"
REPEAT_CHOICES = (ASK, SKIP_REPEATS, KEEP_REPEATS)
ALL_OR_NOTHING = "all_or_nothing"
VALID_ONLY = "valid_only"
MODES = (ALL_OR_NOTHING, VALID_ONLY)
#: Characters of a stem kept in the report's duplicate list (enough to recognise it).
_STEM_EXCERPT = 80
#: Row numbers a summary names for each reason (the rest are in the downloadable list).
FIRST_ROWS = 5
#: Audit action of a refused import; its ``after`` keeps the problems for download.
REFUSED_ACTION = "batch.import_refused"
#: Unresolved citations a batch's report keeps (the count is always whole).
UNRESOLVED_KEPT = 1000
#: Told ``(rows_done, rows_total)`` as an import goes on (:func:`import_questions`).
Progress = Callable[[int, int], None]
#: Rows read between two calls of a :data:`Progress` while a file is read.
PROGRESS_EVERY = 250
#: Rows judged, checked and written together: what an import holds in memory is one part of this
#: many rows, whatever the file's size (issue 5: 20,000 rows took over 1 GB when held whole).
CHUNK_ROWS = 500


@dataclass
class ImportReport:
    """What an import did.

    ``batch`` is the new batch, or ``None`` when the file was refused and no question was written;
    then ``refusal_id`` is the id of the audit event that keeps its problems (:func:`refused_problems`).
    ``imported`` counts questions written; ``rows`` counts data rows read. ``errors`` lists every
    problem, each with its :class:`~question_bank.errors.Place` (file, sheet, row, column); the
    batch's stored report keeps them as :func:`stored_problem` writes them. ``duplicates`` lists
    flagged rows:
    ``{"row", "sheet", "place", "question_id", "resembles", "resembles_row", "resembles_sheet",
    "resembles_place", "stem", "similarity", "changed"}`` where ``resembles`` is the id of the
    question resembled, ``resembles_row`` / ``resembles_sheet`` / ``resembles_place`` the earlier
    row of this same file when that is what it resembles (all ``None`` when it is a question that
    was in the bank before), ``place`` / ``resembles_place`` a :meth:`Place.to_json` without the
    file (a template row by sheet and row, an interchange question by number and line),
    ``similarity`` how alike they are in percent (100: a repeat) and ``changed`` the
    ``AnswerChange.as_dict`` of a changed answer (its ``bank_*`` side is the text resembled, in
    the bank or earlier in the file). ``pinned`` lists the rows
    whose options were pinned by proposal: ``{"row", "sheet", "question_id", "letters", "options"}``
    (``letters`` like ``"D"``, ``options`` the texts pinned).
    """

    filename: str
    mode: str
    batch: ImportBatch | None = None
    imported: int = 0
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    pinned: list[dict[str, Any]] = field(default_factory=list)
    refusal_id: int | None = None
    #: What the file held that the bank cannot keep, which did not stop the import (an
    #: interchange file's formatting, feedback, images …), each placed on its question.
    notes: list[Problem] = field(default_factory=list)
    #: Set when the import stopped before writing anything because the file, or some of its
    #: questions, are already in the bank (``repeats="ask"``): the batch holding the same file
    #: (``{"id", "filename", "uploaded_at", "status"}``) or None.
    held: bool = False
    same_file: dict[str, Any] | None = None
    #: Rows repeating a question of the bank (same fingerprint): ``{"row", "sheet", "resembles", "stem",
    #: "place"}`` (``place``: :meth:`Place.to_json` of the row or question, without the file);
    #: with ``repeats="skip"`` these are the rows left out.
    repeats: list[dict[str, Any]] = field(default_factory=list)
    #: Rows with the stem and options of a question of the bank but another answer or type (an
    #: author's correction, ``duplicates.AnswerChange``): ``{"row", "sheet", "resembles", "stem",
    #: "changed": {"bank_type", "bank_answer", "file_type", "file_answer"}}``. Listed apart from
    #: the repeats, they hold an import that asks like repeats do, and are never skipped.
    changed_answers: list[dict[str, Any]] = field(default_factory=list)
    #: What of the file was not read and why (hidden sheets, unknown columns, title rows): file- or
    #: sheet-level notices that do not refuse it (``formats.template_sheets``).
    notices: list[Problem] = field(default_factory=list)
    #: How the legal bases resolved against the law catalogue (:func:`citation_report`).
    citations: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.batch is None and not self.held

    def summary(self) -> Summary:
        """The report in numbers and reasons (:func:`summarise`)."""
        return summarise(self.errors, self.rows, self.imported)


@dataclass(frozen=True)
class ProblemGroup:
    """The problems of one reason in one column. ``example`` is the first of them (its message,
    parameters and place without the row say the reason); ``varied`` is true when the others have
    other parameters (another wrong value, another letter), so the example is one of several.
    ``count`` problems in ``rows`` distinct rows (a row number on two sheets is two rows), the first
    of them ``first_rows`` (file order), ``first_sheets`` the sheet of each ("" for a file of one
    table)."""

    example: Problem
    count: int
    rows: int
    first_rows: tuple[int, ...]
    varied: bool
    first_sheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """An import report in numbers: data rows read, imported, and with at least one problem (each
    row counted once however many problems it has), the problems, and their groups (most frequent
    first)."""

    rows_read: int
    rows_imported: int
    rows_with_problems: int
    problems: int
    groups: list[ProblemGroup]
    #: Whether the rows with problems lie on more than one sheet: then a page names each row's
    #: sheet with it ("单选题 3"), a bare row number being ambiguous.
    several_sheets: bool = False

    @property
    def sound_rows(self) -> int:
        """Rows without a problem that were not imported (all-or-nothing refused them with the rest)."""
        return max(self.rows_read - self.rows_imported - self.rows_with_problems, 0)


def summarise(problems: list[Problem], rows_read: int, rows_imported: int, first_rows: int = FIRST_ROWS) -> Summary:
    """Count the rows with problems and group ``problems`` by message template and column (a file
    or sheet problem has no row and no column: it is a group of its own)."""
    groups: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        place = problem.place if isinstance(problem.place, Place) else Place(header=str(problem.place))
        groups.setdefault((problem.message, place.column, place.header), []).append(problem)
    summary = []
    for members in groups.values():
        # (sheet, row) in file order: row 3 of 单选题 and row 3 of 多选题 are two rows.
        rows = list(dict.fromkeys((p.place.sheet, row) for p in members if (row := _row(p)) is not None))
        if len({sheet for sheet, _ in rows}) <= 1:
            rows.sort()
        summary.append(ProblemGroup(
            example=members[0], count=len(members), rows=len(rows),
            first_rows=tuple(row for _, row in rows[:first_rows]),
            varied=any(p.params != members[0].params for p in members),
            first_sheets=tuple(sheet for sheet, _ in rows[:first_rows]),
        ))
    summary.sort(key=lambda g: -g.count)  # stable: equal counts stay in file order
    with_problems = {(p.place.sheet, _row(p)) for p in problems if _row(p) is not None}
    return Summary(rows_read, rows_imported, len(with_problems), len(problems), summary,
                   several_sheets=len({sheet for sheet, _ in with_problems}) > 1)


def _row(problem: Problem) -> int | None:
    """The row (or, in an interchange file, the question number) a problem is on."""
    if not isinstance(problem.place, Place):
        return None
    return problem.place.row if problem.place.row is not None else problem.place.item


def read_template(filename: str, data: bytes, progress: Progress | None = None,
                  background: bool = False) -> SourceFile:
    """The rows of an .xlsx or CSV template file (``formats.spreadsheet``, ``formats.template``),
    all of them in a list: :func:`stream_template` read to its end, without the rows of a sheet
    refused part way. Raises :class:`InvalidInput` for a file that cannot be read as one."""
    source = stream_template(filename, data, progress, background)
    rows = list(source.rows)
    source.rows = [row for row in rows if row.sheet not in source.cut_sheets]
    return source


def stream_template(filename: str, data: bytes, progress: Progress | None = None,
                    background: bool = False) -> SourceFile:
    """An .xlsx or CSV template file whose rows are read as they are consumed
    (``template_sheets.stream_file``): an import holds one part of the file at a time, whatever its
    size. The file's kind and opening are checked now; ``progress(rows_read, 0)`` hears every
    :data:`PROGRESS_EVERY` rows read (0: the total is not known while reading); ``background``:
    read with ``spreadsheet.BACKGROUND_LIMITS``. Raises :class:`InvalidInput` for a file that
    cannot be opened as one, and while its rows are consumed for one refused as a whole."""
    table = spreadsheet.read_table(filename, data,
                                   spreadsheet.BACKGROUND_LIMITS if background else spreadsheet.LIMITS)
    if progress is not None:
        table = _counting_rows(table, progress)
    parsed = template_sheets.stream_file(filename, table)
    notes = _kind_unlike_name(filename, table.file_format, table.encoding)
    source = SourceFile(table.file_format, table.encoding, "", [], notes, parsed.notices, parsed.sheets,
                        parsed.problems, parsed.cut_sheets)

    def rows() -> Iterator[template.ParsedRow]:
        for row in parsed.rows:
            if parsed.own_export:  # known from the header on, before the first row
                notes.extend(_drop_formula_guards(filename, row))
            yield row
        source.sheet = "、".join(parsed.sheets)

    source.rows = rows()
    return source


def _kind_unlike_name(filename: str, file_format: str, encoding: str) -> list[Problem]:
    """A note, on the file, when its content is of another kind than its name says (the kind is read
    from the bytes, ``formats.guarded``): the person may have sent another file than they meant."""
    name = filename.casefold()
    if file_format == "csv" and name.endswith(WORKBOOK_ENDINGS):
        return [Problem(N_("This file is named as an Excel workbook (.xlsx) but holds CSV text (%(encoding)s); it "
                           "was read as CSV. Check that this is the file you meant to upload."),
                        {"encoding": encoding}, Place(file=filename))]
    if file_format == "xlsx" and name.endswith((".csv", ".txt")):
        return [Problem(N_("This file is named as a text file (%(suffix)s) but is an Excel workbook; it was read "
                           "as a workbook. Check that this is the file you meant to upload."),
                        {"suffix": name[name.rindex("."):]}, Place(file=filename))]
    return []


def _counting_rows(table: spreadsheet.Table, progress: Progress) -> spreadsheet.Table:
    """``table`` with each sheet's rows counted as they stream past, for ``progress``."""
    seen = 0

    def counted(sheet: spreadsheet.Sheet) -> spreadsheet.Sheet:
        def rows():
            nonlocal seen
            for row in sheet.rows():
                seen += 1
                if seen % PROGRESS_EVERY == 0:
                    progress(seen, 0)
                yield row
        return spreadsheet.Sheet(sheet.name, rows, sheet.state)

    return dataclasses.replace(table, sheets=[counted(sheet) for sheet in table.sheets])


def _drop_formula_guards(filename: str, row: template.ParsedRow) -> list[Problem]:
    """Take off the apostrophe our CSV export (``tabular.neutralise``) puts before a text that
    begins like a formula (= + - @), so that the bank's own CSV reads back as it was written; a note
    on the row when that happened. Only for a CSV marked as our export
    (``template_sheets.ParsedFile.own_export``): in any other file the apostrophe is the author's."""
    draft = row.draft
    if draft is None:
        return []
    before = (draft.stem, list(draft.options), draft.explanation, draft.legal_basis, draft.rubric, draft.key)
    draft.stem, draft.explanation = tabular.unneutralise(draft.stem), tabular.unneutralise(draft.explanation)
    draft.legal_basis, draft.rubric = tabular.unneutralise(draft.legal_basis), tabular.unneutralise(draft.rubric)
    draft.options = [tabular.unneutralise(option) for option in draft.options]
    if isinstance(draft.key, str):
        draft.key = tabular.unneutralise(draft.key)
    if before == (draft.stem, draft.options, draft.explanation, draft.legal_basis, draft.rubric, draft.key):
        return []
    return [Problem(N_("an apostrophe before =, +, - or @ was taken as a CSV export's guard against "
                       "formulas and left out"), place=Place(file=filename, sheet=row.sheet, row=row.number))]


def import_questions(session: Session, clock: Clock, actor: User, filename: str, data: bytes,
                     mode: str = ALL_OR_NOTHING, repeats: str = ASK, *,
                     reader: Reader | None = None, progress: Progress | None = None,
                     background: bool = False) -> ImportReport:
    """Import the questions of an .xlsx or CSV template file (see ``question_bank.formats``), or of
    any file ``reader`` reads into a :class:`~question_bank.formats.interchange.SourceFile` (Moodle
    XML, GIFT, JSON Lines: ``services.interchange``), through the same checks, batch and review.

    Returns an :class:`ImportReport`; a refused file (unreadable, or any row error in
    all-or-nothing mode, or no sound row at all) gives ``batch=None`` and writes nothing.

    The same file twice: before anything is written, the file's SHA-256 is looked for among the
    batches not discarded, and every sound row's stem and options (its fingerprint) among the live
    questions. With ``repeats`` :data:`ASK` either finding stops the import (``held``, nothing
    written, :attr:`ImportReport.same_file` and :attr:`ImportReport.repeats` say why); with
    :data:`SKIP_REPEATS` the repeating rows are left out (and listed) and the rest imported; with
    :data:`KEEP_REPEATS` everything is imported and the repeats flagged. A row with the same stem
    and options as a question of the bank but another answer or type is no repeat
    (:attr:`ImportReport.changed_answers`): it holds an import that asks, and is never skipped.
    ``progress(rows_done, rows_total)``, when given, hears the rows of a template file as they are
    read (``rows_total`` 0: not known yet), then when the file has been read (0 of its rows done)
    and when the questions are written (every row done); a background job shows it, and passes
    ``background`` for a template's longer reading time limit.
    Raises :class:`PermissionDenied` unless ``actor`` is a bank editor, ``InvalidInput`` for an
    unknown mode. Audit event ``batch.import``. Flushes, never commits.
    """
    protection.require_role(actor, Role.BANK_EDITOR)
    if mode not in MODES:
        raise InvalidInput([Problem(N_("unknown import mode %(mode)s"), {"mode": mode}, "mode")])
    if repeats not in REPEAT_CHOICES:
        raise InvalidInput([Problem(N_("unknown choice for repeats %(value)s"), {"value": repeats}, "repeats")])
    digest = hashlib.sha256(data).hexdigest()
    name = clean_filename(filename)
    streamed = reader in (None, read_template)
    leave_out: set[str] = set()
    while True:
        report = ImportReport(filename=name, mode=mode)
        try:
            source = stream_template(name, data, progress, background) if streamed else reader(name, data)
        except InvalidInput as exc:
            report.errors = list(exc.problems)
            return _refuse(session, clock, actor, report, digest)
        if progress is not None and not streamed:
            progress(0, len(source.rows))
        # Before the first look at the bank: an import running meanwhile would not see this one's
        # rows, nor this one its (bank_import_lock).
        bank_import_lock.hold(session, wait=background)
        # Everything the import writes is inside this savepoint: whatever stops it part way (a file
        # refused as a whole on row 15,000, repeats to ask about, an error) leaves the bank as it was.
        savepoint = session.begin_nested()
        try:
            written = _ChunkedImport(session, clock, actor, report, source, repeats, digest, leave_out).run()
        except InvalidInput as exc:
            savepoint.rollback()
            report = ImportReport(filename=name, mode=mode, errors=list(exc.problems))
            return _refuse(session, clock, actor, report, digest)
        except BaseException:
            savepoint.rollback()
            raise
        cut = set(source.cut_sheets) - leave_out
        if cut and written.batch is not None and mode == VALID_ONLY:
            # A sheet refused part way through after some of its rows were written: start again
            # without its rows (rare: a row beyond the sheet limits in valid-rows mode).
            savepoint.rollback()
            leave_out |= cut
            continue
        break
    if (report.errors and mode == ALL_OR_NOTHING) or not written.sound:
        # every row was bad (there is at least one row), or all-or-nothing refused: the report says
        # only why (what was found of repeats before the refusal is not the refused file's news)
        savepoint.rollback()
        report.same_file, report.repeats, report.changed_answers, report.duplicates, report.pinned = None, [], [], [], []
        return _refuse(session, clock, actor, report, digest)
    if repeats == ASK and (report.same_file or report.repeats or report.changed_answers):
        savepoint.rollback()
        report.held = True
        return report
    if written.batch is None:
        savepoint.rollback()
        report.held = True  # every question is in the bank already: nothing to import
        return report
    try:
        _record_batch(session, clock, actor, report, source, written, repeats, digest)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    report.batch = written.batch
    report.imported = written.count
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def _record_batch(session: Session, clock: Clock, actor: User, report: ImportReport, source: SourceFile,
                  written: _ChunkedImport, repeats: str, digest: str) -> None:
    """Complete the written batch: its count and stored report, and the audit event ``batch.import``."""
    batch, name, mode = written.batch, report.filename, report.mode
    report.citations = written.citation_counts
    batch.question_count = written.count
    batch.report = {
        "sheet": source.sheet,
        "sheets": source.sheets or ([source.sheet] if source.sheet else []),
        "notices": [stored_problem(p) for p in report.notices],
        "rows": report.rows,
        "errors": [stored_problem(p) for p in report.errors],
        "duplicates": report.duplicates,
        "pinned": report.pinned,
        "citations": report.citations,
        "notes": [stored_problem(p) for p in report.notes],
        "skipped_repeats": report.repeats if repeats == SKIP_REPEATS else [],
    }
    session.flush()
    audit.record(session, clock, actor, "batch.import", "import_batch", batch.id, after={
        "filename": name, "format": source.file_format, "encoding": source.encoding, "mode": mode,
        "rows": report.rows, "questions": written.count, "errors": len(report.errors),
        "duplicates": len(report.duplicates), "pinned_by_proposal": len(report.pinned),
        "citations": report.citations["total"], "citations_resolved": report.citations["resolved"],
        "sha256": digest, "repeats": repeats,
        "skipped_repeats": len(report.repeats) if repeats == SKIP_REPEATS else 0,
    })


def _chunks(rows: Iterable[template.ParsedRow], size: int) -> Iterator[list[template.ParsedRow]]:
    """``rows`` in lists of ``size`` (the last one shorter), taken as they come."""
    chunk: list[template.ParsedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _ChunkedImport:
    """One pass over an import's rows, :data:`CHUNK_ROWS` at a time: each part is judged, checked
    against the bank (repeats, by the indexed fingerprint: ``duplicates.same_content``) and, while
    the import may still succeed, written set-wise (``authoring.insert_questions``: no ORM
    object of a part is kept), so that the memory an import needs does not grow with its
    rows. The caller holds the savepoint and decides at the end, with the whole report, whether
    what was written stays. Fills ``report`` (rows, errors, notes, notices, repeats, changed
    answers, duplicates, pinned) as the rows go past."""

    def __init__(self, session: Session, clock: Clock, actor: User, report: ImportReport, source: SourceFile,
                 repeats: str, digest: str, leave_out: set[str]) -> None:
        self.session, self.clock, self.actor, self.report, self.source = session, clock, actor, report, source
        self.repeats, self.digest, self.leave_out = repeats, digest, leave_out
        self.batch: ImportBatch | None = None
        self.count = 0  # questions written
        self.sound = 0  # rows without a problem
        self.row_problems: list[Problem] = []
        self.row_notes: list[Problem] = []
        #: Question id → (row, sheet) of the questions written, for a later row resembling one.
        self.rows_of: dict[int, _Written] = {}
        self.law_index: LawIndex | None = None
        self.category_ids: dict[str, int] = {}  # category path → id, found or made by a part
        #: The batch's citation report (:func:`citation_report`), summed part by part.
        self.citation_counts = {"total": 0, "resolved": 0, "mentions": 0, "mentions_resolved": 0,
                                "unresolved": [], "unresolved_count": 0}

    def run(self) -> _ChunkedImport:
        report = self.report
        if self.repeats != KEEP_REPEATS:
            report.same_file = _same_file(self.session, self.digest)
        rows = (row for row in self.source.rows if row.sheet not in self.leave_out)
        for chunk in _chunks(rows, CHUNK_ROWS):
            report.rows += len(chunk)
            self.row_problems.extend(problem for row in chunk for problem in row.problems)
            self.row_notes.extend(note for row in chunk if row.draft is not None for note in row.notes)
            sound = [row for row in chunk if row.draft is not None]
            self.sound += len(sound)
            if self.repeats != KEEP_REPEATS and sound and not self._refused():
                sound = self._without_repeats(sound)
            if sound and self._may_succeed():
                self._write(sound)
        # A refused sheet is an error like a row's: all-or-nothing refuses the file for it, valid-rows
        # mode imports the other sheets' sound rows and names it.
        report.errors = list(self.source.problems) + self.row_problems
        # What the drafts merged or still lack (QuestionDraft.notes), after the file's own notes.
        report.notes = list(self.source.notes) + self.row_notes
        report.notices = list(self.source.notices)
        return self

    def _may_succeed(self) -> bool:
        """Whether what is known so far still lets the import write a batch: not refused
        (all-or-nothing with a problem) and not held (repeats to ask about). Once it cannot, the
        rest of the file is only read and checked, for the report."""
        report = self.report
        if self._refused():
            return False
        return not (self.repeats == ASK and (report.same_file or report.repeats or report.changed_answers))

    def _refused(self) -> bool:
        """Whether all-or-nothing has refused the file already (a row or a sheet with a problem)."""
        return self.report.mode == ALL_OR_NOTHING and bool(self.row_problems or self.source.problems)

    def _without_repeats(self, rows: list[template.ParsedRow]) -> list[template.ParsedRow]:
        """Note the rows whose stem and options are those of a live question of the bank (the same
        fingerprint, ``services.duplicates``): a repeat, or a changed answer (another key or type);
        returns ``rows`` without the repeats when they are to be skipped. Near-duplicates are neither:
        they are imported and flagged. The questions this import wrote already are not the bank."""
        drafts = [row.draft for row in rows]
        keyed_texts = [duplicates.keyed(d.qtype, d.options, d.key) for d in drafts]
        found = duplicates.same_content(self.session, [content_fingerprint(d.stem, d.options) for d in drafts],
                                        keyed_texts, exclude_batch=self.batch.id if self.batch is not None else None)
        repeating = set()
        for index, (row, match) in enumerate(zip(rows, found)):
            if match is None:
                continue
            entry = {"row": row.number, "sheet": row.sheet, "resembles": match.question_id,
                     "stem": row.draft.stem[:_STEM_EXCERPT], "place": _row_place(row).to_json()}
            if match.changed is None:
                self.report.repeats.append(entry)
                repeating.add(index)
            else:
                self.report.changed_answers.append({**entry, "changed": match.changed.as_dict()})
        if self.repeats != SKIP_REPEATS:
            return rows
        return [row for index, row in enumerate(rows) if index not in repeating]

    def _write(self, rows: list[template.ParsedRow]) -> None:
        """Write one part's questions into the batch (made at the first part) and note what the
        report says of them."""
        session, report = self.session, self.report
        if self.batch is None:
            self.batch = ImportBatch(
                filename=report.filename, file_format=self.source.file_format, mode=report.mode,
                encoding=self.source.encoding, uploaded_by_id=self.actor.id, uploaded_at=self.clock.now(),
                question_count=0, report={}, file_sha256=self.digest,
            )
            session.add(self.batch)
            session.flush()
            self.law_index = LawIndex(session)
        proposed = _apply_pinning_proposals(rows)
        created, cited = authoring.insert_questions(session, self.clock, self.actor, [row.draft for row in rows],
                                                    status=QuestionStatus.IN_REVIEW, batch=self.batch,
                                                    law_index=self.law_index, category_ids=self.category_ids)
        for row, made in zip(rows, created):
            if made.resembles is None:
                continue
            earlier = rows[made.resembles_draft] if made.resembles_draft is not None else self.rows_of.get(made.resembles)
            report.duplicates.append({
                "row": row.number, "sheet": row.sheet, "place": _row_place(row).to_json(),
                "question_id": made.question_id, "resembles": made.resembles,
                "resembles_row": earlier.number if earlier is not None else None,
                "resembles_sheet": earlier.sheet if earlier is not None else None,
                "resembles_place": _row_place(earlier).to_json() if earlier is not None else None,
                "stem": made.stem[:_STEM_EXCERPT], "similarity": made.similarity,
                "changed": made.changed.as_dict() if made.changed is not None else None})
        report.pinned.extend({**proposal, "question_id": created[index].question_id} for index, proposal in proposed)
        self.rows_of.update((made.question_id, _Written(row.number, row.sheet, row.line, row.item))
                            for row, made in zip(rows, created))
        self._count_citations({made.version_id: row.number for row, made in zip(rows, created)}, cited)
        self.count += len(created)

    def _count_citations(self, rows_by_version: dict[int, int], cited: list[QuestionCitation]) -> None:
        """Add one part's citations (``cited``, the rows written) to the batch's
        (:func:`citation_report`; parts come in file order, so the unresolved ones kept are still
        the first of the file)."""
        part, counts = citation_report(self.session, rows_by_version, cited), self.citation_counts
        for name in ("total", "resolved", "mentions", "mentions_resolved", "unresolved_count"):
            counts[name] += part[name]
        counts["unresolved"].extend(part["unresolved"][:max(UNRESOLVED_KEPT - len(counts["unresolved"]), 0)])


@dataclass(frozen=True)
class _Written:
    """Where in the file a question this import wrote came from (:class:`template.ParsedRow`'s
    place fields, kept without the row), so that a later row repeating it names that row."""

    number: int
    sheet: str
    line: int | None
    item: bool


def _row_place(row: template.ParsedRow | _Written) -> Place:
    """Where a row is, without the file: a template row by sheet and row, an interchange file's
    question by its number and line, as that format's own messages place it."""
    if row.item:
        return Place(item=row.number, line=row.line)
    return Place(sheet=row.sheet, row=row.number)


def _same_file(session: Session, digest: str) -> dict[str, Any] | None:
    """The newest batch not discarded whose file had this SHA-256, as the report shows it."""
    batch = session.scalars(select(ImportBatch).where(ImportBatch.file_sha256 == digest,
                                                      ImportBatch.status != BatchStatus.DISCARDED)
                            .order_by(ImportBatch.id.desc()).limit(1)).first()
    if batch is None:
        return None
    return {"id": batch.id, "filename": batch.filename, "uploaded_at": batch.uploaded_at.isoformat(),
            "status": str(batch.status)}


def _refuse(session: Session, clock: Clock, actor: User, report: ImportReport, digest: str) -> ImportReport:
    """Record the refusal (audit event :data:`REFUSED_ACTION`, the problems in its ``after``) so
    that the uploader can download the whole list; no question and no batch is written. The event's
    object is the file, by the first 40 hex digits of its SHA-256 ``digest`` (the object id holds 40
    characters; a file name may be longer, so it is kept whole in ``after``, never cut)."""
    event = audit.record(session, clock, actor, REFUSED_ACTION, "import_file", digest[:40], after={
        "filename": report.filename, "sha256": digest, "mode": report.mode, "rows": report.rows,
        "errors": [stored_problem(p) for p in report.errors],
    })
    session.flush()
    report.refusal_id = event.id
    return report


def _apply_pinning_proposals(rows: list[template.ParsedRow]) -> list[tuple[int, dict[str, Any]]]:
    """Pin the options that refer to the others in choice rows whose file left 固定选项 empty;
    returns what was pinned (index in ``rows``, report entry), for the report (see the module's
    note on why)."""
    proposed = []
    for index, row in enumerate(rows):
        if row.pins_stated or row.draft is None or not get_type(row.draft.qtype).has_options:
            continue
        pins = pinning_proposals(row.draft.options)
        if pins:
            row.draft.pinned_options = pins
            proposed.append((index, {"row": row.number, "sheet": row.sheet, "letters": "".join(LETTERS[i] for i in pins),
                                     "options": [row.draft.options[i] for i in pins]}))
    return proposed


def citation_report(session: Session, rows_by_version: dict[int, int],
                    cited: list[QuestionCitation] | None = None) -> dict[str, Any]:
    """How the imported legal bases resolved: ``{"total", "resolved", "mentions",
    "mentions_resolved", "unresolved": [{"row", "text", "status", "law"}]}`` (citations written in
    the 法律依据 column; mentions found in stems, options and explanations; the first
    :data:`UNRESOLVED_KEPT` unresolved ones with their rows, in file order). ``cited``: the
    versions' citation rows when the caller has them (just written), else they are read."""
    counted = citing.tally(session, list(rows_by_version)) if cited is None else citing.tally_rows(cited)
    unresolved = sorted(counted.unresolved, key=lambda c: (rows_by_version[c.question_version_id], c.position))
    return {
        "total": counted.total, "resolved": counted.resolved,
        "mentions": counted.mentions, "mentions_resolved": counted.mentions_resolved,
        "unresolved": [{"row": rows_by_version[c.question_version_id], "text": c.text, "status": str(c.status),
                        "law": c.law_title} for c in unresolved[:UNRESOLVED_KEPT]],
        "unresolved_count": len(unresolved),
    }


def stored_problem(problem: Problem) -> dict[str, Any]:
    """A problem as a batch's JSON report keeps it: ``{"place", "message", "params"}``, the place as
    :meth:`Place.to_json` gives it (a string for a plain field name). Read back with
    :func:`read_stored_problem`; reports written before places had parts hold a string there."""
    place = problem.place.to_json() if isinstance(problem.place, Place) else problem.place
    return {"place": place, "message": problem.message, "params": problem.params}


def read_stored_problem(stored: dict[str, Any]) -> Problem:
    """The problem :func:`stored_problem` wrote (or an older report's, whose place is a string)."""
    return Problem(stored.get("message", ""), stored.get("params") or {}, Place.from_json(stored.get("place")))


def batch_summary(batch: ImportBatch) -> Summary:
    """The summary of a batch's stored report (rows read, questions imported, rows left out)."""
    report = batch.report or {}
    return summarise([read_stored_problem(e) for e in report.get("errors", [])], int(report.get("rows") or 0),
                     batch.question_count)


def rows_left_out(batch: ImportBatch) -> int:
    """How many rows of the batch's file were left out for their problems (rows, not problems)."""
    places = [e["place"] for e in (batch.report or {}).get("errors", []) if isinstance(e.get("place"), dict)]
    return len({(p.get("sheet"), p.get("row", p.get("item"))) for p in places
                if p.get("row", p.get("item")) is not None})


#: Roles that read a batch's or a refused import's problems.
REPORT_READERS = (Role.BANK_EDITOR, Role.BANK_REVIEWER)


def batch_problems(session: Session, clock: Clock, actor: User, batch: ImportBatch, file_format: str) -> list[Problem]:
    """Every problem of a batch's report, in file order, for download as ``file_format`` ("csv",
    "xlsx"). Bank editors and reviewers only (:class:`PermissionDenied`). Audit event
    ``export.import_problems`` (every export is one, domain.md §9). Flushes, never commits."""
    protection.require_role(actor, *REPORT_READERS)
    problems = [read_stored_problem(e) for e in (batch.report or {}).get("errors", [])]
    audit.record(session, clock, actor, "export.import_problems", "import_batch", batch.id,
                 after={"format": file_format, "problems": len(problems)})
    session.flush()
    return problems


def refused_problems(session: Session, clock: Clock, actor: User, refusal_id: int,
                     file_format: str) -> tuple[str, list[Problem]]:
    """The file name and every problem of a refused import (:attr:`ImportReport.refusal_id`), for
    download. Only the uploader may read them: to anyone else, as for an unknown id, it is
    :class:`NotFound`. Audit event ``export.import_problems``. Flushes, never commits."""
    protection.require_role(actor, *REPORT_READERS)
    event = session.get(AuditEvent, refusal_id)
    if event is None or event.action != REFUSED_ACTION or event.actor_id != actor.id:
        raise NotFound()
    stored = event.after or {}
    problems = [read_stored_problem(e) for e in stored.get("errors", [])]
    audit.record(session, clock, actor, "export.import_problems", "audit_event", event.id,
                 after={"format": file_format, "problems": len(problems)})
    session.flush()
    return str(stored.get("filename", "")), problems


def count_batches(session: Session) -> int:
    """How many import batches there are."""
    return session.scalar(select(func.count()).select_from(ImportBatch)) or 0


def recent_batches(session: Session, page: int = 1, per_page: int = 20) -> list[ImportBatch]:
    """Page ``page`` (from 1) of the import batches, newest first, with their uploaders loaded. A
    page before the first gives the first; one past the last, nothing."""
    return list(session.scalars(
        select(ImportBatch).options(joinedload(ImportBatch.uploaded_by), joinedload(ImportBatch.reviewed_by))
        .order_by(ImportBatch.uploaded_at.desc(), ImportBatch.id.desc())
        .offset(max(page - 1, 0) * per_page).limit(per_page)
    ))


def batch_question_count(session: Session, batch: ImportBatch) -> int:
    """How many questions the batch holds now."""
    return session.scalar(select(func.count()).select_from(Question).where(Question.import_batch_id == batch.id)) or 0
