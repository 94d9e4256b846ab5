"""Rows and cells of an upload that its author cannot see, refused with a place and a way to show
them, by every importer that reads sheets (question bank, roster and accounts, study lists).

A hidden row (hidden by hand, filtered out by the sheet's filter, inside a collapsed group, or of
height 0) and a filled cell in a hidden column (by hand, in a collapsed group, or of width 0) are
what ``guarded.layout`` finds. An importer never reads them as if they were shown (they are often
what an author set aside) and never drops them without a word: each is a problem naming its
sheet and row, and for a cell its column, as Excel shows them.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from question_bank.errors import N_, Place, Problem
from question_bank.formats.guarded.layout import COLLAPSED, FILTERED, HIDDEN, ZERO_SIZE, RowLayout

HIDDEN_ROW = {
    HIDDEN: N_("row %(row)d is hidden in Excel, so it cannot be seen; unhide it (select the rows around it, "
               "right-click, 取消隐藏 Unhide) if it is to be imported, or delete it"),
    FILTERED: N_("row %(row)d is filtered out by the sheet's filter, so it cannot be seen; clear the filter "
                 "(数据 Data → 清除 Clear) if it is to be imported, or delete it"),
    COLLAPSED: N_("row %(row)d is inside a collapsed group, so it cannot be seen; expand the group (the + beside "
                  "the row numbers) if it is to be imported, or delete it"),
    ZERO_SIZE: N_("row %(row)d has a height of 0, so it cannot be seen; give it a height if it is to be imported, "
                  "or delete it"),
}
HIDDEN_CELL = {
    HIDDEN: N_("this cell is in the hidden column %(column)s, so it cannot be seen; unhide the column if its "
               "content is to be imported, or clear the cell"),
    COLLAPSED: N_("this cell is in column %(column)s inside a collapsed group, so it cannot be seen; expand the "
                  "group if its content is to be imported, or clear the cell"),
    ZERO_SIZE: N_("this cell is in column %(column)s of width 0, so it cannot be seen; widen the column if its "
                  "content is to be imported, or clear the cell"),
}


def unseen_problems(filename: str, sheet: str, number: int, layout: RowLayout, read: dict[int, str]) -> list[Problem]:
    """The problems of row ``number`` for what its author cannot see: the row itself when hidden
    (one problem), else each filled cell of a column the importer reads (``read``: 0-based
    position → that column's header as written) that is hidden. ``[]`` when all is seen."""
    if layout.hidden:
        return [Problem(HIDDEN_ROW[layout.hidden], {"row": number}, Place(file=filename, sheet=sheet, row=number))]
    return [Problem(HIDDEN_CELL[why], {"column": get_column_letter(position + 1)},
                    Place(file=filename, sheet=sheet, row=number, column=get_column_letter(position + 1),
                          header=read[position]))
            for position, why in sorted(layout.hidden_cells.items()) if position in read]
