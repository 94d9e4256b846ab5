"""Where the shared datasets are: ``../shared`` beside the checkout (where CI has them), or the
folder ``EXAMSVC_SHARED_DIR`` names. They are read in place, never copied into the repo."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

SHARED = Path(os.environ.get("EXAMSVC_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
BANK_FILES = SHARED / "datasets" / "bank-files"


def check_available() -> str | None:
    """Why the datasets cannot be read, or None when they can."""
    if (BANK_FILES / "jecqa-kd.xlsx").is_file():
        return None
    return (f"the shared datasets are not at {SHARED} (expected ../shared beside the checkout); "
            "set EXAMSVC_SHARED_DIR to the folder that holds datasets/bank-files")
LAW_TEXTS = SHARED / "datasets" / "laws-lawrefbook"



def bank_file_rows(path: Path, rows: int | Sequence[int]) -> bytes:
    """The bank file at ``path`` (.xlsx, or a GB18030 .csv) cut to its header and ``rows``, in the
    same format (the sheet keeps its name): its first ``rows`` rows, or the rows numbered in
    ``rows`` (as a spreadsheet numbers them: the header is row 1), in the order named. Rows named
    in order from 2 keep their numbers, so that what an import says of a row says it of the same
    question as for the whole file."""
    import csv
    import io

    from openpyxl import Workbook, load_workbook

    numbers = range(2, rows + 2) if isinstance(rows, int) else rows
    if path.suffix == ".csv":
        lines = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerows([lines[0], *(lines[n - 1] for n in numbers)])
        return out.getvalue().encode("gb18030")
    sheet = load_workbook(path, read_only=True).worksheets[0]
    whole = list(sheet.iter_rows(max_row=max(numbers, default=1), values_only=True))
    cut = Workbook()
    cut.active.title = sheet.title
    for n in (1, *numbers):
        cut.active.append(whole[n - 1])
    out = io.BytesIO()
    cut.save(out)
    return out.getvalue()
