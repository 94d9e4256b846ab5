"""Time to read and parse a question file of 20,000 rows with every cell read as Excel shows it
(number formats applied, ``question_bank.formats.cell_display``), against openpyxl's bare walk of the
same sheet with and without number formats: what reading cells as shown costs; and the same file
with its 分类 merged down every three rows and every tenth row hidden: what the layout pass
(``guarded.layout``: hidden rows and columns, merged cells) adds.

    .venv/bin/python -m bench.import_reading
"""

from __future__ import annotations

import io
import time

from openpyxl import Workbook, load_workbook

from question_bank.formats import spreadsheet, template_sheets

ROWS = 20_000
HEADER = ("题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点", "法律依据", "分类", "分值")


def _workbook(layout: bool = False) -> bytes:
    book = Workbook(write_only=not layout)
    sheet = book.create_sheet("题库")
    sheet.append(list(HEADER))
    for n in range(ROWS):
        sheet.append(["单选", f"第{n}题：行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易",
                      "种类", "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则" if not layout or n % 3 == 0 else None, 2])
    if layout:
        for first in range(2, ROWS + 2, 3):
            sheet.merge_cells(start_row=first, end_row=min(first + 2, ROWS + 1), start_column=12, end_column=12)
        for row in range(11, ROWS + 2, 10):
            sheet.row_dimensions[row].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    data = _workbook()
    started = time.perf_counter()
    # The background job's time limit: the figure is what matters here, not a refusal on a busy box.
    limits = spreadsheet.BACKGROUND_LIMITS
    parsed = template_sheets.parse_file("bench.xlsx", spreadsheet.read_table("bench.xlsx", data, limits))
    print(f"read and parse {len(parsed.rows):,} rows, cells as shown: {time.perf_counter() - started:.2f} s")
    laid_out = _workbook(layout=True)
    started = time.perf_counter()
    parsed = template_sheets.parse_file("bench.xlsx", spreadsheet.read_table("bench.xlsx", laid_out, limits))
    refused = sum(1 for row in parsed.rows if row.draft is None)
    print(f"the same with merged 分类 and {refused:,} hidden rows (layout pass): {time.perf_counter() - started:.2f} s")
    for label, walk in (("values only", lambda s: s.iter_rows(values_only=True)),
                        ("with number formats", lambda s: ([c.number_format for c in r] for r in s.iter_rows()))):
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True)["题库"]
        started = time.perf_counter()
        count = sum(1 for _ in walk(sheet))
        print(f"openpyxl walk of {count:,} rows, {label}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
