"""The study-list workbook (应知应会学法清单): one row per item under a title row, a note row
saying whom the list is for, a particulars row (清单信息: year, target units, rank levels) that
export writes so a list round-trips, and the header 序号 / 法律法规名称 / 学习范围 / 学习要求 / 学时 / 备注
(the layout of ``shared/datasets/study-lists``, which units publish).

Reading goes through the guarded reader (:func:`question_bank.formats.guarded.open_upload`) and
only reads cells; what a law or a scope means is the importing service's. Writing gives the same
layout (merged title and note rows), so an exported list imports again to the same list.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.guarded import Limits, open_upload
from question_bank.formats.tabular import neutralise
from question_bank.formats.unseen_cells import unseen_problems
from question_bank.text import hidden_character_problems

#: A list holds a few dozen items; these caps leave ample room and refuse anything else early.
LIMITS = Limits(max_file_bytes=2 * 1024 * 1024, max_rows=5_000, max_columns=30, max_cells=20_000,
                max_cell_elements=200_000, max_seconds=20)
MAX_ITEMS = 500

#: Header words of each column (first is what export writes); a header cell matches after spaces go.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "law": ("法律法规名称", "法律法规", "法规名称", "名称", "文件名称"),
    "scope": ("学习范围", "范围", "学习内容"),
    "requirement": ("学习要求", "要求"),
    "hours": ("学时", "学时（小时）", "学时(小时)"),
    "note": ("备注", "说明"),
}
#: The first cell of the particulars row export writes between the note row and the header; its
#: other cells are "年度：2026", "适用单位：甲市司法局、乙市司法局", "适用职级：县处级正职、县处级副职"
#: (or "适用职级：全部职级"), so a list exported and imported again keeps its year and audience.
PARTICULARS = "清单信息"
#: Keys of the particulars row's cells, by what they set.
PARTICULAR_KEYS = {"year": "年度", "units": "适用单位", "levels": "适用职级"}
#: What the levels cell says of a list for every rank.
ALL_RANKS = "全部职级"
#: Columns whose text is checked for characters no one can see (:func:`question_bank.text.hidden_character_problems`):
#: the law, scope, requirement and hours are one line each (a tab or line break in them is refused,
#: naming row and column); the remark ("note") may run over lines, as its text area on the page does.
CHECKED_TEXT = ("law", "scope", "requirement", "hours", "note")
#: What a cell holding a formula without a saved value is told (as the question import says it).
UNSAVED_FORMULA = N_("this cell holds a formula without a saved value; enter the value itself")

#: How lists write each requirement, by its code (``models.study.Requirement`` values).
REQUIREMENT_WORDS = {"close_study": "精学", "read_through": "通读"}
REQUIREMENTS = {word: code for code, word in REQUIREMENT_WORDS.items()}


@dataclass(frozen=True)
class ItemRow:
    """One item row as read: the sheet row number and each cell's text (hours read exactly)."""

    row: int
    law: str
    scope: str
    #: The requirement's code: "close_study" (精学) or "read_through" (通读).
    requirement: str
    hours: Decimal | None
    note: str
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class ListFile:
    """A study-list workbook read: its title, whom it is for, its item rows, and where they were."""

    filename: str
    sheet: str
    title: str
    audience_note: str
    rows: list[ItemRow]
    #: The particulars row's cells by key ("year", "units", "levels": :data:`PARTICULAR_KEYS`),
    #: as written after the colon; empty when the file has no such row.
    particulars: dict[str, str] = field(default_factory=dict)
    #: The particulars row's number (for a problem's place).
    particulars_row: int | None = None

    def place(self, row: ItemRow, column: str) -> Place:
        """The place of ``column`` ("law", "scope" …) on ``row``, with its header as written."""
        letter, header = row.columns.get(column, ("", ""))
        return Place(file=self.filename, sheet=self.sheet, row=row.row, column=letter, header=header)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"[ \t\u3000]+", " ", str(value)).strip()


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_list_file(filename: str, data: bytes) -> ListFile:
    """Read a study-list workbook (or CSV) from its bytes. The first visible sheet with the header
    is read; rows above the header give the title (first) and the audience note (second).
    Raises :class:`InvalidInput` with every problem found, each placed on its row and column."""
    upload = open_upload(filename, data, LIMITS)
    for sheet in upload.sheets:
        if sheet.state != "visible":
            continue
        above: list[str] = []
        columns: dict[str, int] | None = None
        headers: list[str] = []
        rows: list[ItemRow] = []
        problems: list[Problem] = []
        particulars: dict[str, str] = {}
        particulars_row: int | None = None
        for row in sheet.rows():
            cells = [_text(v) for v in row.values]
            if columns is None:
                filled = [c for c in cells if c]
                if filled and _fold(filled[0]) == PARTICULARS:
                    particulars, particulars_row = _particulars(filled[1:]), row.number
                    continue
                columns = _header(cells)
                if columns is None:
                    above.extend(filled)
                else:
                    headers = cells
                continue
            if len(rows) >= MAX_ITEMS:
                raise InvalidInput([Problem(N_("A study list holds at most %(n)d items."), {"n": MAX_ITEMS},
                                            Place(file=upload.filename, sheet=sheet.title, row=row.number))])
            hidden = unseen_problems(upload.filename, sheet.title, row.number, row.layout,
                                     {p: headers[p] for p in columns.values() if p < len(headers)})
            if hidden:
                problems.extend(hidden)  # never read as shown, never dropped without a word
                continue
            controls = _control_problems(upload.filename, sheet.title, row.number, row.values, columns, headers)
            if controls:
                problems.extend(controls)
                continue
            item = _item(upload.filename, sheet.title, row.number, cells, columns, headers, problems,
                         row.unsaved_formulas)
            if item is not None:
                rows.append(item)
        if columns is None:
            continue
        if problems:
            raise InvalidInput(problems)
        if not rows:
            raise InvalidInput([Problem(N_("The sheet has no item rows below its header."),
                                        place=Place(file=upload.filename, sheet=sheet.title))])
        return ListFile(upload.filename, sheet.title, above[0] if above else "", " ".join(above[1:]), rows,
                        particulars, particulars_row)
    raise InvalidInput([Problem(N_("No sheet has the header 法律法规名称 / 学习范围 / 学习要求."),
                                place=Place(file=upload.filename))])


def _control_problems(filename: str, sheet: str, number: int, values: tuple[Any, ...], columns: dict[str, int],
                      headers: list[str]) -> list[Problem]:
    """A problem for each cell of :data:`CHECKED_TEXT` holding a control or invisible character, as
    the file has it (before tabs and runs of spaces are folded for reading), placed on its row and column."""
    found = {name: p for name, p in columns.items() if name in CHECKED_TEXT and p < len(values)}
    return hidden_character_problems(
        {name: values[p] for name, p in found.items()},
        {name: Place(file=filename, sheet=sheet, row=number, column=get_column_letter(p + 1),
                     header=headers[p] if p < len(headers) else "") for name, p in found.items()})


def _particulars(cells: list[str]) -> dict[str, str]:
    """The particulars row's "key：value" cells by key; cells of other keys are left out."""
    keys = {word: name for name, word in PARTICULAR_KEYS.items()}
    found: dict[str, str] = {}
    for cell in cells:
        key, colon, value = cell.replace(":", "：").partition("：")
        if colon and _fold(key) in keys:
            found[keys[_fold(key)]] = value.strip()
    return found


def _header(cells: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        for name, words in COLUMNS.items():
            if name not in found and _fold(cell) in words:
                found[name] = index
    return found if {"law", "scope", "requirement"} <= set(found) else None


def _item(filename: str, sheet: str, number: int, cells: list[str], columns: dict[str, int], headers: list[str],
          problems: list[Problem], formulas: frozenset[int] = frozenset()) -> ItemRow | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def place(name: str) -> Place:
        return Place(file=filename, sheet=sheet, row=number, column=get_column_letter(columns[name] + 1),
                     header=headers[columns[name]])

    read = ("law", "scope", "requirement", "hours", "note")
    unsaved = [name for name in read if name in columns and columns[name] in formulas]
    if not unsaved and not any(cell(name) for name in read):
        return None  # a numbered but empty row, or a closing remark under the table
    found = len(problems)
    # A formula without a saved value is no empty cell: what it would show is unknown.
    problems.extend(Problem(UNSAVED_FORMULA, place=place(name)) for name in unsaved)
    if not cell("law") and "law" not in unsaved:
        problems.append(Problem(N_("The law is missing."), place=place("law")))
    requirement = REQUIREMENTS.get(_fold(cell("requirement")))
    if requirement is None:
        problems.append(Problem(N_("The requirement must be 精学 or 通读, not %(value)s."),
                                {"value": cell("requirement") or "—"}, place("requirement")))
    hours = None
    if "hours" in columns and cell("hours"):
        try:
            hours = Decimal(cell("hours"))
        except InvalidOperation:
            hours = None
        if hours is None or not hours.is_finite() or hours < 0 or hours >= 10_000 or -hours.as_tuple().exponent > 2:
            problems.append(Problem(N_("Hours must be a number from 0 with at most two decimals, not %(value)s."),
                                    {"value": cell("hours")}, place("hours")))
    if len(problems) > found:
        return None
    places = {name: (get_column_letter(index + 1), headers[index]) for name, index in columns.items()}
    return ItemRow(number, cell("law"), cell("scope"), requirement, hours, cell("note"), places)


def write_list_file(title: str, audience_note: str, items: list[tuple[str, str, str, Decimal | None, str]],
                    particulars: dict[str, str] | None = None) -> bytes:
    """The workbook of a list: title and note rows merged across the table, the particulars row
    (:data:`PARTICULARS`; ``particulars`` by the keys of :data:`PARTICULAR_KEYS`, when given),
    the header, then one row per item (law title, scope, requirement code, hours, note). Text that
    a spreadsheet could take for a formula is neutralised."""
    book = Workbook()
    sheet = book.active
    sheet.title = "学法清单"
    width = len(COLUMNS)
    sheet.append([neutralise(title)])
    sheet.append([neutralise(audience_note)])
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    if particulars:
        sheet.append([PARTICULARS] + [neutralise(f"{PARTICULAR_KEYS[key]}：{value}")
                                      for key, value in particulars.items()])
    sheet.append([words[0] for words in COLUMNS.values()])
    for number, (law, scope, requirement, hours, note) in enumerate(items, start=1):
        sheet.append([number, neutralise(law), neutralise(scope), REQUIREMENT_WORDS[str(requirement)],
                      hours, neutralise(note) or None])
        if hours is not None:
            sheet.cell(sheet.max_row, 5).number_format = "0.##"
    for index, chars in enumerate((6, 32, 40, 10, 8, 30), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
