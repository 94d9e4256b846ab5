"""What of a question row its author cannot see, and merged cells, judged for the template
(issue 5: never import content the author hid, never read a merged area as empty).

- A hidden row with content (hidden by hand, filtered out by the sheet's filter, in a collapsed
  group, or of height 0) is refused naming its sheet and row, with how to show it: a hidden row is
  often a question its author set aside, and importing it would put into the bank what nobody
  looked at; dropping it without a word would lose it. In "import the valid rows" mode it is left
  out and reported like any other refused row.
- A filled cell of a read column that is hidden (by hand, in a collapsed group, or of width 0) is
  refused naming the cell, for the same reasons.
- A merge down one column (a 题型 or 分类 cell spanning the rows of its questions) shows its value
  on every row it spans, and each row is read so (:class:`~.guarded.layout.MergeFiller`); the
  report says which ranges were read that way. A merge across columns shows one text over
  several columns: when two of them are columns the template reads, which one the text belongs
  to is not known, and the row is refused naming the range.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from question_bank.errors import N_, Place, Problem
from question_bank.formats.guarded.layout import COLLAPSED, FILTERED, HIDDEN, ZERO_SIZE
from question_bank.formats.spreadsheet import Row
from question_bank.formats.template import Header, place_of

_HIDDEN_ROW = {
    HIDDEN: N_("row %(row)d is hidden in Excel, so it cannot be seen; unhide it (select the rows around it, "
               "right-click, 取消隐藏 Unhide) if it is to be imported, or delete it"),
    FILTERED: N_("row %(row)d is filtered out by the sheet's filter, so it cannot be seen; clear the filter "
                 "(数据 Data → 清除 Clear) if it is to be imported, or delete it"),
    COLLAPSED: N_("row %(row)d is inside a collapsed group, so it cannot be seen; expand the group (the + beside "
                  "the row numbers) if it is to be imported, or delete it"),
    ZERO_SIZE: N_("row %(row)d has a height of 0, so it cannot be seen; give it a height if it is to be imported, "
                  "or delete it"),
}
_HIDDEN_CELL = {
    HIDDEN: N_("this cell is in the hidden column %(column)s, so it cannot be seen; unhide the column if its "
               "content is to be imported, or clear the cell"),
    COLLAPSED: N_("this cell is in column %(column)s inside a collapsed group, so it cannot be seen; expand the "
                  "group if its content is to be imported, or clear the cell"),
    ZERO_SIZE: N_("this cell is in column %(column)s of width 0, so it cannot be seen; widen the column if its "
                  "content is to be imported, or clear the cell"),
}


def unseen_problems(filename: str, sheet: str, header: Header, row: Row) -> list[Problem]:
    """The problems that refuse ``row`` for what its author cannot see (a hidden row, a filled
    cell of a read column that is hidden) and for a merge across two read columns; ``[]`` when
    there are none. Each names its sheet, row and, for a cell, its column."""
    layout = row.layout
    if layout.hidden:
        return [Problem(_HIDDEN_ROW[layout.hidden], {"row": row.number}, Place(file=filename, sheet=sheet, row=row.number))]
    read = {position: name for name, position in header.index.items()}
    found = []
    for position, why in sorted(layout.hidden_cells.items()):
        if position in read:
            found.append(Problem(_HIDDEN_CELL[why], {"column": get_column_letter(position + 1)},
                                 place_of(filename, sheet, row.number, header, read[position])))
    reported = set()
    for position, merge in sorted(layout.merges.items()):
        columns = [read[p] for p in range(merge.min_col - 1, merge.max_col) if p in read]
        if len(columns) > 1 and merge.ref not in reported:
            reported.add(merge.ref)
            found.append(Problem(
                N_("the cells %(range)s are merged across the columns %(columns)s, so it is not known which column "
                   "their text belongs to; unmerge them and give each column its own text"),
                {"range": merge.ref, "columns": "、".join(header.text[name] for name in columns)},
                place_of(filename, sheet, row.number, header, columns[0])))
    return found


def merge_notices(filename: str, sheet: str, header: Header, rows: list[Row]) -> list[Problem]:
    """One notice per merge down a read column whose value was read on each row it spans."""
    read = {position: name for name, position in header.index.items()}
    spans: dict[str, tuple[str, int, int]] = {}  # range → (column name, first row, last row read)
    for row in rows:
        for position in sorted(row.layout.filled):
            merge = row.layout.merges[position]
            if position in read:
                spans[merge.ref] = (read[position], merge.min_row, row.number)
    return [Problem(N_("the merged cells %(range)s show one value over several rows; it was read on each of rows "
                       "%(first)d to %(last)d"), {"range": ref, "first": first, "last": last},
                    place_of(filename, sheet, None, header, name))
            for ref, (name, first, last) in spans.items()]
