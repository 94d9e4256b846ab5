"""The study-list workbook (应知应会学法清单): one row per item under a title row, a note row
saying whom the list is for, and the header 序号 / 法律法规名称 / 学习范围 / 学习要求 / 学时 / 备注
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
        for row in sheet.rows():
            cells = [_text(v) for v in row.values]
            if columns is None:
                columns = _header(cells)
                if columns is None:
                    above.extend(c for c in cells if c)
                else:
                    headers = cells
                continue
            if len(rows) >= MAX_ITEMS:
                raise InvalidInput([Problem(N_("A study list holds at most %(n)d items."), {"n": MAX_ITEMS},
                                            Place(file=upload.filename, sheet=sheet.title, row=row.number))])
            item = _item(upload.filename, sheet.title, row.number, cells, columns, headers, problems)
            if item is not None:
                rows.append(item)
        if columns is None:
            continue
        if problems:
            raise InvalidInput(problems)
        if not rows:
            raise InvalidInput([Problem(N_("The sheet has no item rows below its header."),
                                        place=Place(file=upload.filename, sheet=sheet.title))])
        return ListFile(upload.filename, sheet.title, above[0] if above else "", " ".join(above[1:]), rows)
    raise InvalidInput([Problem(N_("No sheet has the header 法律法规名称 / 学习范围 / 学习要求."),
                                place=Place(file=upload.filename))])


def _header(cells: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        for name, words in COLUMNS.items():
            if name not in found and _fold(cell) in words:
                found[name] = index
    return found if {"law", "scope", "requirement"} <= set(found) else None


def _item(filename: str, sheet: str, number: int, cells: list[str], columns: dict[str, int], headers: list[str],
          problems: list[Problem]) -> ItemRow | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def place(name: str) -> Place:
        return Place(file=filename, sheet=sheet, row=number, column=get_column_letter(columns[name] + 1),
                     header=headers[columns[name]])

    if not any(cell(name) for name in ("law", "scope", "requirement", "hours", "note")):
        return None  # a numbered but empty row, or a closing remark under the table
    found = len(problems)
    if not cell("law"):
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


def write_list_file(title: str, audience_note: str, items: list[tuple[str, str, str, Decimal | None, str]]) -> bytes:
    """The workbook of a list: title and note rows merged across the table, the header, then one
    row per item (law title, scope, requirement code, hours, note). Text that a spreadsheet could take
    for a formula is neutralised."""
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
