"""Which sheets of an uploaded question file hold questions, where their header rows are, and what
of the file is not read (so that the report can say so): the layouts editors really make.

- The header row is the first row, among the first :data:`HEADER_SCAN_ROWS` non-empty rows of a
  sheet, that names the stem and the type (or the key or option A); rows above it are a title or
  notes, and the report says they were taken as such.
- Every visible sheet with such a header is read (banks often keep 单选题, 多选题 and 判断题 on
  sheets of their own, without a 题型 column: a sheet whose name is a type gives it to its rows);
  every problem names its sheet.
- A hidden or very hidden sheet is never read, so a hidden sheet never stands in for the visible
  one the author sees. A hidden sheet with questions is named in the report; so is every visible
  sheet with filled rows but no header row (the template's own explanation sheet aside), saying
  what it lacks and, where its rows do not look like questions, how many were left unread.
- A column the template does not know (备注, an unplaceable header) whose cells are filled, and
  filled cells under no header at all, are named in the report with how many cells and their first
  rows: nothing filled is dropped without a word.

What the report says of the file as a whole are notices (:class:`~question_bank.errors.Problem`
with a file- or sheet-level place): they do not refuse the file; row problems do.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.guarded.kinds import WORKBOOK_ENDINGS
from question_bank.formats.spreadsheet import Row, Sheet, Table
from question_bank.formats.template import (
    CSV_EXPORT_MARK,
    GUIDE,
    EXAMPLE_MARK,
    Header,
    ParsedRow,
    fold,
    parse_row,
    place_of,
    read_header,
    second_header_row,
)
from question_bank.formats.template_file import GUIDE_HEADER, GUIDE_SHEET, example_differences
from question_bank.formats.template_unseen import MergeSpans, formatting_note, unseen_problems
from question_bank.types import type_for_import_name

#: File name endings that promise a workbook (compared case-insensitively).
#: Non-empty rows of a sheet searched for its header row (a title and a few lines of notes fit).
HEADER_SCAN_ROWS = 10
#: Row numbers a notice names (the count is always whole).
NOTICE_ROWS = 5


@dataclass
class ParsedFile:
    """A question file parsed: the names of the sheets read (in file order), every data row of them
    parsed, and the notices on what was not read (:mod:`this module <.template_sheets>`)."""

    sheets: list[str]
    #: A list from :func:`parse_file`; from :func:`stream_file` the rows as they are read.
    rows: Iterable[ParsedRow]
    notices: list[Problem] = field(default_factory=list)
    #: True when the file is a CSV our own export wrote (its first row is ``template.CSV_EXPORT_NOTE``):
    #: only then are its formula guards taken off (``services.importing``).
    own_export: bool = False
    #: Sheets refused as a whole, each problem naming its sheet: a header without a required
    #: column, a sheet that could not be read. The other sheets are still read.
    problems: list[Problem] = field(default_factory=list)
    #: Sheets refused part way through (:func:`stream_file` only: a row beyond the limits) after
    #: some of their rows were given: a consumer that used those rows must undo them.
    cut_sheets: list[str] = field(default_factory=list)


#: What a sheet's name may carry around its type: a numbering before it (一、 1. （一） 第一部分)
#: and notes in brackets anywhere ("判断（20题）", "二、多项选择题（每题2分）", "单选【必答】"),
#: compared after width folding (full-width brackets and stops read as half-width ones).
_SHEET_NUMBERING = re.compile(r"^(?:第?[一二三四五六七八九十百零〇\d]+(?:部分|类|节)?[、.,:：]|"
                              r"\(\s*[一二三四五六七八九十百零〇\d]+\s*\)|[一二三四五六七八九十]+(?=[单多不判填简案问是]))")
_SHEET_NOTE = re.compile(r"\([^)]*\)|【[^】]*】|\[[^\]]*\]")


def sheet_type(name: str) -> str:
    """The question type a sheet's name gives ("单选题", "判断", "一、单项选择题", "判断（20题）",
    "二、多项选择题（每题2分）" …), as a 题型 cell would; "" if none. A numbering before the type and
    notes in brackets are left out (:data:`_SHEET_NUMBERING`, :data:`_SHEET_NOTE`)."""
    words = _SHEET_NOTE.sub("", fold(name)).replace(" ", "")
    words = _SHEET_NUMBERING.sub("", words)
    qtype = type_for_import_name(words)
    return qtype.import_names[0] if qtype is not None else ""


def _find_header(sheet: Sheet) -> tuple[Header | None, list[Row], Iterator[Row]]:
    """(header, rows above it, rows below it) of a sheet; the header is ``None`` when none of its
    first rows is one (then the rows above are those looked at). The rows below stream from the
    reader, one at a time: a sheet of 20,000 questions is never held whole."""
    rows = sheet.rows()
    above: list[Row] = []
    given = sheet_type(sheet.name)
    for row in rows:
        header = read_header(row, given)
        if header is not None:
            first = next(rows, None)
            if first is None:
                return header, above, iter(())
            # 选项 merged over a row of A / B / C / D: the header spans two rows.
            completed = second_header_row(header, first)
            if completed is not None:
                return completed, above, rows
            return header, above, itertools.chain((first,), rows)
        above.append(row)
        if len(above) >= HEADER_SCAN_ROWS:
            break
    return None, above, iter(())


def _first_rows(sheet: Sheet) -> list[Row]:
    rows = []
    for row in sheet.rows():
        rows.append(row)
        if len(rows) >= HEADER_SCAN_ROWS:
            break
    return rows


def _looks_like_questions(sheet: Sheet, looked_at: list[Row]) -> bool:
    if sheet_type(sheet.name) or "题" in sheet.name:
        return True
    return any(type_for_import_name(fold(cell).replace(" ", "")) is not None for row in looked_at for cell in row.cells)


def _template_guide(sheet: Sheet, looked_at: list[Row]) -> bool:
    """True for the explanation sheet of the downloadable template (``template_file``), which is
    never read and needs no word."""
    return sheet.name == GUIDE_SHEET and looked_at[0].cells[:2] == GUIDE_HEADER[:2]


def _rows_text(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:NOTICE_ROWS])
    return shown + ("…" if len(numbers) > NOTICE_ROWS else "")


class _UnreadColumns:
    """Counts, row by row, the filled cells of columns the template does not read: a header the
    template does not know, or no header at all (options past H are row problems instead,
    :func:`template.parse_row`). Keeps a count and the first row numbers per column, not the rows."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.known = set(header.index.values()) | set(header.extra_options) | set(header.twins)
        self.filled: dict[int, tuple[int, list[int]]] = {}  # position → (cells, first row numbers)

    def see(self, row: Row) -> None:
        for position, text in enumerate(row.cells):
            if position not in self.known and (text.strip() or position in row.unreadable):
                count, first = self.filled.get(position, (0, []))
                if len(first) <= NOTICE_ROWS:
                    first.append(row.number)
                self.filled[position] = (count + 1, first)

    def notices(self, filename: str, sheet: Sheet) -> list[Problem]:
        """One notice per column whose filled cells were not read."""
        header, notices = self.header, []
        for position, (count, numbers) in sorted(self.filled.items()):
            place = Place(file=filename, sheet=sheet.name, column=get_column_letter(position + 1),
                          header=header.unknown.get(position, ""))
            if position in header.unknown:
                notices.append(Problem(N_("the column %(header)s is not a template column; its %(n)d filled cells "
                                          "(rows %(rows)s) were not read. Rename its header to a template column, or "
                                          "delete the column if it is not part of the questions"),
                                       {"header": header.unknown[position], "n": count, "rows": _rows_text(numbers)},
                                       place))
            else:
                notices.append(Problem(N_("column %(column)s has no header; its %(n)d filled cells (rows %(rows)s) "
                                          "were not read. Give it a template header or delete it"),
                                       {"column": get_column_letter(position + 1), "n": count,
                                        "rows": _rows_text(numbers)}, place))
        return notices


def _examples_notice(numbers: list[int], where: Place) -> Problem:
    """The notice naming the template's example rows left in a sheet, which were not imported
    (示例行，未导入).

    Skipped and said, rather than refusing the file: the examples are the template's, not the
    editor's, and an editor who typed their questions below them expects those questions in the
    bank, not a second upload after deleting rows they never meant to import. Nothing of theirs
    is dropped: a row counts as an example only with the marker the template wrote and the texts of
    one of its examples unchanged (``template_file.example_differences``); a changed one is imported."""
    return Problem(N_("Example rows, not imported: %(n)d rows (%(rows)s) are the template's example questions as it "
                      "ships them (their stem begins with %(mark)s). Delete them from the file; an example you change "
                      "is imported as your question"),
                   {"n": len(numbers), "rows": _rows_text(numbers), "mark": EXAMPLE_MARK}, where)


def _changed_example(filename: str, sheet: str, header: Header, row: Row, changed: list[str]) -> ParsedRow:
    """A row marked as a template example whose texts the editor changed (``changed``: the
    columns): their question, parsed without the mark at the start of its stem (the template's, not
    theirs), and said with the row so that a row not meant as a question is seen and deleted."""
    stem = header.index["stem"]
    cells = list(row.cells)
    cells[stem] = cells[stem].lstrip().removeprefix(EXAMPLE_MARK)
    parsed = _parsed(filename, sheet, header, dataclasses.replace(row, cells=tuple(cells)))
    parsed.notes.append(Problem(
        N_("this row begins with %(mark)s like the template's examples but differs from them in %(columns)s, so it "
           "was imported as your question, with %(mark)s taken off its stem; delete the row if it is not one"),
        {"mark": EXAMPLE_MARK, "columns": "、".join(changed)}, place_of(filename, sheet, row.number, header, "stem")))
    return parsed


def _parsed(filename: str, sheet: str, header: Header, row: Row) -> ParsedRow:
    """One data row parsed, refused as well for what its author cannot see (``template_unseen``);
    a hidden row is reported as hidden only, its content being what nobody looked at."""
    parsed = parse_row(filename, sheet, header, row)
    unseen = unseen_problems(filename, sheet, header, row)
    if not unseen:
        note = formatting_note(filename, sheet, header, row) if row.layout.formatted else None
        if note is not None and parsed.draft is not None:
            parsed.notes.append(note)
        return parsed
    return ParsedRow(row.number, None, unseen if row.layout.hidden else unseen + parsed.problems, sheet=sheet)


# Excel's "very hidden" state is set by a program (VBA, a macro); the Unhide menu does not list
# such a sheet, so the person is told where it can be changed instead.
_VERY_HIDDEN_NOTICE = N_("the sheet %(sheet)s is very hidden (set by a program; Excel's Unhide menu does not list it) "
                         "and was not read (%(n)d rows); to import its questions, set its Visible property to "
                         "xlSheetVisible in the VBA editor (Alt+F11, Properties), or copy its rows to a visible sheet")
_VERY_HIDDEN_REFUSAL = N_("The questions are on the sheet %(sheet)s, which is very hidden (set by a program; Excel's "
                          "Unhide menu does not list it); hidden sheets are never read. Set its Visible property to "
                          "xlSheetVisible in the VBA editor (Alt+F11, Properties), or copy its rows to a visible "
                          "sheet, save and upload again.")


def parse_file(filename: str, table: Table) -> ParsedFile:
    """Every question sheet of ``table`` parsed (see the module docstring), its rows in a list.

    A question sheet whose header lacks a required column, or that cannot be read, is named in
    :attr:`ParsedFile.problems` and the other sheets are still read. Raises :class:`InvalidInput`
    when no visible sheet could be read (with those problems, or naming the hidden sheet that has
    questions, if any, and saying so when a CSV file has no separated cells at all), when the file as
    a whole is refused while reading, or when no sheet has a data row.
    """
    parsed = stream_file(filename, table)
    rows = list(parsed.rows)
    parsed.rows = [row for row in rows if row.sheet not in parsed.cut_sheets]
    return parsed


def stream_file(filename: str, table: Table) -> ParsedFile:
    """:func:`parse_file` one row at a time, for files too large to hold parsed (a background
    import): its ``rows`` is an iterator that reads the file as it is consumed. The sheets, notices
    and problems of the result are filled in as the rows go past and are whole once the iterator
    is exhausted; what :func:`parse_file` raises, the iterator raises while it is consumed (a file
    refused as a whole may have given rows before)."""
    result = ParsedFile([], iter(()))
    result.rows = _parsed_rows(filename, table, result)
    return result


def _parsed_rows(filename: str, table: Table, result: ParsedFile) -> Iterator[ParsedRow]:
    hidden_with_questions: list[Sheet] = []
    read = examples = 0
    for sheet in table.sheets:
        where = Place(file=filename, sheet=sheet.name)
        if sheet.state != "visible":
            header, _, rows = _find_header(sheet)
            if header is not None:
                hidden_with_questions.append(sheet)
                result.notices.append(Problem(
                    N_("the sheet %(sheet)s is hidden and was not read (%(n)d rows); unhide it in Excel if its "
                       "questions are to be imported") if sheet.state == "hidden" else _VERY_HIDDEN_NOTICE,
                    {"sheet": sheet.name, "n": sum(1 for _ in rows)}, where))
            continue
        try:
            header, above, rows = _find_header(sheet)
        except InvalidInput as exc:
            if not all(isinstance(p.place, Place) and p.place.sheet == sheet.name for p in exc.problems):
                raise  # the file as a whole (time, size, a hostile part): nothing more is read
            result.problems.extend(exc.problems)
            continue
        if header is None:
            if not above or _template_guide(sheet, above):
                continue
            if _looks_like_questions(sheet, above) and sheet_type(sheet.name):
                # The sheet's name gives the type: only the stem column is missing.
                result.notices.append(Problem(
                    N_("the sheet %(sheet)s was not read: none of its first %(n)d rows is a header row naming "
                       "题干 (stem; also read as 题目, 试题 or 试题内容)"), {"sheet": sheet.name, "n": HEADER_SCAN_ROWS},
                    where))
            elif _looks_like_questions(sheet, above):
                result.notices.append(Problem(
                    N_("the sheet %(sheet)s was not read: none of its first %(n)d rows is a header row naming "
                       "题型 (type) and 题干 (stem)"), {"sheet": sheet.name, "n": HEADER_SCAN_ROWS}, where))
            else:
                # Whatever it holds (questions under headers the template does not know, notes, a
                # list), a filled sheet left unread is said: nothing filled is dropped without a word.
                result.notices.append(Problem(
                    N_("the sheet %(sheet)s was not read: none of its first %(n)d rows is a header row naming the "
                       "template's columns (题型 / type, 题干 / stem, 答案 / key …), so its %(rows)d filled rows were "
                       "not imported; if they are questions, give the sheet such a header row"),
                    {"sheet": sheet.name, "n": HEADER_SCAN_ROWS, "rows": sum(1 for _ in sheet.rows())}, where))
            continue
        if header.second_row is not None:
            result.notices.append(Problem(
                N_("rows %(first)d and %(second)d were read together as the header row: the option letters are on "
                   "the second"), {"first": header.row, "second": header.second_row}, where))
        missing = [c for c in GUIDE if c.required and c.name not in header.index
                   and not (c.name == "type" and header.sheet_type)]
        if missing:
            names = "、".join(f"{c.zh} / {c.en}" for c in missing)
            message = (N_("The header row of the sheet %(sheet)s has no column %(columns)s; the sheet was not read.")
                       if sheet.name else  # a CSV: one table, no sheet to name
                       N_("The header row has no column %(columns)s; the file was not read."))
            result.problems.append(Problem(message, {"sheet": sheet.name, "columns": names},
                                           Place(file=filename, sheet=sheet.name, row=header.row)))
            continue
        if table.file_format == "csv":
            marks = [r for r in above if r.cells and r.cells[0].startswith(CSV_EXPORT_MARK)]
            result.own_export = bool(marks)
            above = [r for r in above if r not in marks]
        if above:
            result.notices.append(Problem(
                N_("rows %(rows)s above the header row were taken as a title or notes and not read as questions"),
                {"rows": _rows_text([r.number for r in above])}, where))
        result.sheets.append(sheet.name)
        unread, merges = _UnreadColumns(header), MergeSpans(header)
        given, sheet_examples = 0, []
        try:
            for row in rows:
                unread.see(row)
                merges.see(row)
                changed = example_differences(header, row)
                if changed == []:
                    sheet_examples.append(row.number)
                    continue
                given += 1
                yield _parsed(filename, sheet.name, header, row) if changed is None else \
                    _changed_example(filename, sheet.name, header, row, changed)
        except InvalidInput as exc:
            if not all(isinstance(p.place, Place) and p.place.sheet == sheet.name for p in exc.problems):
                raise
            # The sheet is refused (a row beyond the limits), but some of its rows were given
            # already: the consumer must leave them out (ParsedFile.cut_sheets).
            result.problems.extend(exc.problems)
            result.sheets.remove(sheet.name)
            if given:
                result.cut_sheets.append(sheet.name)
            continue
        read += given
        examples += len(sheet_examples)
        if sheet_examples:
            result.notices.append(_examples_notice(sheet_examples, where))
        # Said after the sheet's rows, in the order a whole-file parse gave them.
        result.notices.extend(unread.notices(filename, sheet))
        result.notices.extend(merges.notices(filename, sheet.name))
    if not result.sheets:
        if result.problems:
            raise InvalidInput(result.problems)
        if hidden_with_questions:
            hidden = hidden_with_questions[0]
            raise InvalidInput([Problem(
                N_("The questions are on the hidden sheet %(sheet)s; hidden sheets are never read. Unhide it in "
                   "Excel (right-click a sheet tab, Unhide), save and upload again.") if hidden.state == "hidden"
                else _VERY_HIDDEN_REFUSAL, {"sheet": hidden.name}, Place(file=filename, sheet=hidden.name))])
        if table.file_format == "csv" and filename.casefold().endswith(WORKBOOK_ENDINGS):
            # The kind is the bytes' (SEC-U5), but the author meant a workbook: say what the file is.
            raise InvalidInput([Problem(
                N_("This file is named as an Excel workbook but is not one: it holds plain text without a question "
                   "header row. Open the question file in Excel and save it as an Excel workbook (.xlsx)."),
                place=Place(file=filename))])
        if table.file_format == "csv" and not any(len(row.cells) > 1 for sheet in table.sheets
                                                      for row in _first_rows(sheet)):
            raise InvalidInput([Problem(
                N_("This is not a CSV table: none of its first lines has cells separated by commas, semicolons or "
                   "tabs. Upload the question template as .xlsx, or save it from Excel as CSV."),
                place=Place(file=filename))])
        raise InvalidInput([Problem(
            N_("No header row found: the first row of the question sheet must name the columns, at least 题型 (type) "
               "and 题干 (stem). Download the template to see the layout."), place=Place(file=filename))])
    if not read and examples:
        raise InvalidInput([Problem(
            N_("The file holds only the template's %(n)d example questions (their stem begins with %(mark)s), which "
               "are never imported. Write your questions in rows of their own (or over the examples, taking "
               "%(mark)s off), save and upload again."), {"n": examples, "mark": EXAMPLE_MARK},
            Place(file=filename, sheet=result.sheets[0]))])
    if not read:
        raise InvalidInput([Problem(N_("There are no questions below the header row."),
                                    place=Place(file=filename, sheet=result.sheets[0]))])
