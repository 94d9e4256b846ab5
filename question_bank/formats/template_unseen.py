"""What of a question row its author cannot see, and merged cells, judged for the template
(issue 5: never import content the author hid, never read a merged area as empty).

- A hidden row with content, and a filled cell of a read column that is hidden, are refused
  (``formats.unseen_cells``): a hidden row is often a question its author set aside, and importing
  it would put into the bank what nobody looked at; dropping it without a word would lose it. In
  "import the valid rows" mode it is left out and reported like any other refused row.
- A merge down one column (a 题型 or 分类 cell spanning the rows of its questions) shows its value
  on every row it spans, and each row is read so (:class:`~.guarded.layout.MergeFiller`); the
  report says which ranges were read that way. A merge across columns shows one text over
  several columns: when two of them are columns the template reads, which one the text belongs
  to is not known, and the row is refused naming the range.
- A cell whose text is formatted in parts (bold, underline … inside the text) is read as its text,
  and the row's note names it (:func:`formatting_note`): the formatting is seen, but not kept.
"""

from __future__ import annotations

from question_bank.errors import N_, Place, Problem
from question_bank.formats.spreadsheet import Row
from question_bank.formats.template import Header, place_of
from question_bank.formats.unseen_cells import unseen_problems as hidden_cells


def unseen_problems(filename: str, sheet: str, header: Header, row: Row) -> list[Problem]:
    """The problems that refuse ``row`` for what its author cannot see (a hidden row, a filled
    cell of a read column that is hidden) and for a merge across two read columns; ``[]`` when
    there are none. Each names its sheet, row and, for a cell, its column."""
    layout = row.layout
    read = {position: name for name, position in header.index.items()}
    found = hidden_cells(filename, sheet, row.number, layout, {p: header.text[name] for p, name in read.items()})
    if layout.hidden:
        return found
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


def formatting_note(filename: str, sheet: str, header: Header, row: Row) -> Problem | None:
    """The note naming the read cells of ``row`` whose text is formatted in parts (a bold 不 in
    "下列哪一项不属于", a superscript, a red word; ``RowLayout.formatted``): the bank keeps their
    text only, as it keeps only the text of HTML from Moodle XML or GIFT, and says so, so that the
    editor can check the question still reads as meant (write the emphasis in words, 【不】 or
    “不”). ``None`` when there are none."""
    read = {position: name for name, position in header.index.items()}
    names = [read[p] for p in sorted(row.layout.formatted) if p in read]
    if not names:
        return None
    return Problem(N_("the formatting inside the text of %(columns)s (bold, italic, underline, colour, superscript …) "
                      "was not kept, only the text; check that the question still reads as meant, and write an "
                      "emphasis that matters in the text itself (such as 【不】)"),
                   {"columns": "、".join(header.text[name] for name in names)},
                   place_of(filename, sheet, row.number, header, names[0]) if len(names) == 1
                   else Place(file=filename, sheet=sheet, row=row.number))


class MergeSpans:
    """The merges down a read column whose value was read on each row they span, gathered row by
    row as the rows stream past (:meth:`see`); :meth:`notices` gives one notice per merge."""

    def __init__(self, header: Header) -> None:
        self.read = {position: name for name, position in header.index.items()}
        self.header = header
        self.spans: dict[str, tuple[str, int, int]] = {}  # range → (column name, first row, last row read)

    def see(self, row: Row) -> None:
        for position in sorted(row.layout.filled):
            merge = row.layout.merges[position]
            if position in self.read:
                self.spans[merge.ref] = (self.read[position], merge.min_row, row.number)

    def notices(self, filename: str, sheet: str) -> list[Problem]:
        """One notice per merge down a read column whose value was read on each row it spans."""
        return [Problem(N_("the merged cells %(range)s show one value over several rows; it was read on each of "
                           "rows %(first)d to %(last)d"), {"range": ref, "first": first, "last": last},
                        place_of(filename, sheet, None, self.header, name))
                for ref, (name, first, last) in self.spans.items()]
