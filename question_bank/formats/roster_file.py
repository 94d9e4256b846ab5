"""Reading a roster file (考生名单, domain.md §5): an .xlsx workbook (its first sheet) or a CSV
file, opened through the guarded reader every importer uses (:mod:`question_bank.formats.guarded`),
the header row found among the first rows, and each data row's cells by column key.

Cells keep the type the file gives them (a workbook's ID number typed as a number stays a number,
so that the import can say Excel rounded it); a CSV's cells are text. Matching people to accounts
is the roster service's (``question_bank.services.roster``); account creation from the same file
can read it here too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.guarded import Limits, open_upload
from question_bank.formats.unseen_cells import unseen_problems
from question_bank.text import hidden_character_problems

#: Most data rows a roster file may hold.
MAX_IMPORT_ROWS = 5000
#: Header names accepted for each column (Chinese template, or English).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "id_number", "id number"),
    "unit": ("单位", "unit"),
    "current_post": ("现任职务", "current_post", "current post"),
    "proposed_post": ("拟任职务", "proposed_post", "proposed post"),
    "phone": ("手机", "手机号", "手机号码", "phone"),
    # Read only when accounts are created from the file (question_bank.services.account_import).
    "username": ("用户名", "username"),
}
#: Rows searched for the header row (a template may have a title row above it).
HEADER_SEARCH_ROWS = 10
#: What one roster file may cost: the defaults, made for it (a register of cadres may carry many more
#: columns than the six read, birth date, ethnicity and so on: 5,000 rows of 60 columns).
LIMITS = Limits()


@dataclass(frozen=True)
class RosterRow:
    """A data row: its cells by column key, and the keys whose cell holds a formula without a
    saved value (it reads as empty; the formula is never run)."""

    number: int
    values: dict[str, Any]
    formulas: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RosterFile:
    """A roster file read: its name, the sheet's title (``""`` for a CSV), each column key's header
    as written, the data rows, and where a problem in it is (:meth:`place`)."""

    filename: str
    sheet: str
    headers: dict[str, str]
    rows: list[RosterRow]

    def place(self, row: int | None = None, key: str | None = None) -> Place:
        """The file, sheet, row and column (by its header as written) of a problem."""
        return Place(file=self.filename, sheet=self.sheet, row=row, header=self.headers.get(key, "") if key else "")

    def hidden_character_problems(self, row: RosterRow, keys: tuple[str, ...]) -> list[Problem]:
        """A problem for each of ``row``'s cells under ``keys`` whose text holds a control or
        invisible character (:func:`question_bank.text.hidden_character_problems`), placed on its
        row and column."""
        return hidden_character_problems({key: row.values.get(key) for key in keys},
                                         {key: self.place(row.number, key) for key in keys})


def cell_text(value: Any) -> str:
    """A cell as text: NFKC folds full-width digits and letters, spaces are trimmed."""
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def read_roster_file(filename: str, data: bytes) -> RosterFile:
    """The first visible sheet of the roster file ``data``: the header row is the first of the first
    :data:`HEADER_SEARCH_ROWS` rows that names 身份证号 (ID number), and must also name 姓名.

    Raises :class:`InvalidInput` naming the file: everything :func:`~question_bank.formats.guarded.open_upload`
    refuses, no header row, no 姓名 column, more than :data:`MAX_IMPORT_ROWS` data rows, or rows and
    cells its author cannot see (``formats.unseen_cells``: hidden, filtered out, collapsed).
    """
    upload = open_upload(filename, data, LIMITS)
    # A hidden sheet is never read in place of the one the author sees.
    sheet = next((s for s in upload.sheets if s.state == "visible"), upload.sheets[0])
    unseen: list[Problem] = []
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    rows: list[RosterRow] = []
    header_row = 0
    for row in sheet.rows():
        if not columns:
            if row.number > HEADER_SEARCH_ROWS:
                break
            for position, cell in enumerate(row.values):
                for key, aliases in COLUMNS.items():
                    if cell_text(cell).lower() in aliases and key not in columns:
                        columns[key], headers[key] = position, cell_text(cell)
            if "id_number" not in columns:
                columns.clear()
                headers.clear()
            header_row = row.number
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise InvalidInput([Problem(N_("the file has more than %(n)d rows"), {"n": MAX_IMPORT_ROWS},
                                        Place(file=filename, sheet=sheet.title))])
        values = {key: row.values[p] if p < len(row.values) else None for key, p in columns.items()}
        if not any(cell_text(v) for v in values.values()) and not row.unsaved_formulas & set(columns.values()):
            continue  # content only in columns nobody reads
        hidden = unseen_problems(filename, sheet.title, row.number, row.layout,
                                 {p: headers[key] for key, p in columns.items()})
        if hidden:
            unseen.extend(hidden)
            continue
        rows.append(RosterRow(row.number, values, frozenset(k for k, p in columns.items() if p in row.unsaved_formulas)))
    if "id_number" not in columns:
        raise InvalidInput([Problem(N_("no 身份证号 (ID number) column was found in the first %(n)d rows"),
                                    {"n": HEADER_SEARCH_ROWS}, Place(file=filename, sheet=sheet.title))])
    if unseen:
        raise InvalidInput(unseen)
    if "name" not in columns:
        # The names are what catches an ID number typed wrong into someone else's.
        raise InvalidInput([Problem(N_("the header row has no 姓名 (name) column; every row needs the person's name"),
                                    place=Place(file=filename, sheet=sheet.title, row=header_row))])
    return RosterFile(filename, sheet.title, headers, rows)
