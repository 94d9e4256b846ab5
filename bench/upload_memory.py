"""Peak memory and time of the guarded upload reader (``question_bank.formats.guarded``) on the
largest legitimate files it accepts and the worst hostile ones we could build.

    .venv/bin/python -m bench.upload_memory            # every file, each in a fresh process
    .venv/bin/python -m bench.upload_memory --only "a million shared strings"

Each file is built here, written to a temporary folder, and read by a fresh process with the
question bank's limits (the largest any importer uses): every row of every sheet, so that the
high-water mark of its resident memory (``VmHWM``) is that file's alone. Printed per file: its
size, seconds (wall clock, and CPU: on a busy machine the second says more), the peak RSS of the process, how far reading raised it, and the outcome (rows read,
or the start of the refusal).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "bank-files" / "jecqa-kd.xlsx"
LEGIT_ROWS = 20_000


def _status_mb(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (its high-water mark) of this process, in MB. Not
    ``ru_maxrss``: Linux carries that over from the parent across fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _question_rows() -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(SHARED, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def legit_workbook(shared_strings: bool, formula: bool = False) -> bytes:
    """20,000 question rows (the bank's cap) made of the real jecqa-kd rows: inline strings as
    openpyxl's streaming writer makes them, or a shared-string table as Excel does."""
    from openpyxl import Workbook

    rows = _question_rows()
    book = Workbook(write_only=not shared_strings)
    sheet = book.create_sheet("题库") if not shared_strings else book.active
    sheet.append(list(rows[0]))
    body = rows[1:]
    for n in range(LEGIT_ROWS):
        row = list(body[n % len(body)])
        if formula and n == 0:
            row[-1] = "=1+1"
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shared_strings_at_the_caps() -> bytes:
    """A shared-string table just inside the bank's caps: 400,000 texts, 60 MB inflated."""
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import MAIN_NS, sheet, skeleton, xlsx

    count = LIMITS.max_cells
    text = "行政处罚" * ((LIMITS.max_part_bytes - 4 * 1024 * 1024) // count // 12 - 2)
    table = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">' + f"<si><t>{text}</t></si>" * count + "</sst>"
    return xlsx(skeleton(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), table))


def sheet_at_the_caps_read_twice() -> bytes:
    """A 60 MB sheet of rows of 40 cells of 32,767 characters (Excel's longest), with a formula so
    that it is read twice: the most one sheet can cost."""
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import SHEET_HEAD, SHEET_TAIL, Entry, raw_zip, skeleton, text_cell

    from openpyxl.utils import get_column_letter

    long_text = "法" * 32_767
    row = "".join(text_cell(f"{get_column_letter(c)}{{r}}", long_text) for c in range(1, LIMITS.max_columns))
    row += '<c r="AN{r}"><f>1+1</f></c>'
    one = len(f'<row r="1">{row}</row>'.format(r=1).encode())
    rows = (LIMITS.max_part_bytes - 4 * 1024 * 1024) // one
    xml = (SHEET_HEAD + "".join(f'<row r="{r}">' + row.format(r=r) + "</row>" for r in range(1, rows + 1))
           + SHEET_TAIL).encode()
    parts = skeleton("")
    parts["xl/worksheets/sheet1.xml"] = xml
    return raw_zip([Entry(name, data) for name, data in parts.items()])


def empty_cells_at_the_caps_read_twice() -> bytes:
    """A sheet listing just under two million empty (formatted) cells, with a formula so that it is
    read twice: the most parsing work the bank's limits let one sheet cost."""
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import SHEET_HEAD, SHEET_TAIL, skeleton, text_cell, xlsx

    per_row = 10_000
    rows = LIMITS.max_cell_elements // per_row - 1
    xml = (SHEET_HEAD + '<row r="1">' + text_cell("A1", "题型") + '<c r="B1"><f>1+1</f></c></row>'
           + "".join(f'<row r="{r}">' + '<c s="1"/>' * per_row + "</row>" for r in range(2, rows + 2)) + SHEET_TAIL)
    parts = skeleton("")
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    return xlsx(parts)


def cell_formats_at_the_cap() -> bytes:
    """Styles of just under the cap on XML elements outside the sheets, one empty cell format each:
    what openpyxl may be asked to build at most from the parts it parses whole."""
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import STYLES_HEAD, with_other_part

    count = LIMITS.max_other_elements - 1_000
    return with_other_part("xl/styles.xml", STYLES_HEAD + f'<cellXfs count="{count}">', '<xf numFmtId="0"/>', count,
                           "</cellXfs></styleSheet>")


def defined_names_at_the_cap() -> bytes:
    """A workbook part defining just under the cap's number of names, each its own."""
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import WORKBOOK_HEAD, _plain, xlsx

    count = LIMITS.max_other_elements - 1_000
    parts = _plain()
    parts["xl/workbook.xml"] = (WORKBOOK_HEAD + "<definedNames>" + "".join(
        f'<definedName name="区域{n}">名单!$A${n % 1000 + 1}</definedName>' for n in range(count))
        + "</definedNames></workbook>").encode()
    return xlsx(parts)


def _files() -> dict[str, object]:
    from tests.hostile_files import CATALOGUE

    files: dict[str, object] = {
        "20,000 questions, inline strings": lambda: legit_workbook(False),
        "20,000 questions, shared strings": lambda: legit_workbook(True),
        "20,000 questions, one formula (read twice)": lambda: legit_workbook(False, formula=True),
        "shared strings at the caps (400,000 texts, 60 MB)": shared_strings_at_the_caps,
        "sheet at the caps, read twice (60 MB of 32,767-character cells)": sheet_at_the_caps_read_twice,
        "two million empty cells at the caps, read twice": empty_cells_at_the_caps_read_twice,
        "99,000 cell formats (just under the cap outside the sheets)": cell_formats_at_the_cap,
        "99,000 defined names (just under the cap outside the sheets)": defined_names_at_the_cap,
    }
    for name, (case, build, _) in CATALOGUE.items():
        if case in ("SEC-U1", "SEC-U2", "SEC-U4"):
            files[f"{case}: {name}"] = build
    return files


def measure(name: str, path: Path) -> dict:
    """Read the file at ``path`` through the guarded reader; run in a process of its own."""
    from question_bank.errors import InvalidInput
    from question_bank.formats.guarded import open_upload
    from question_bank.formats.spreadsheet import LIMITS

    data = path.read_bytes()
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    cpu = time.process_time()
    try:
        upload = open_upload("bench.xlsx", data, LIMITS)
        rows = sum(1 for sheet in upload.sheets for _ in sheet.rows())
        outcome = f"read, {rows:,} rows"
    except InvalidInput as exc:
        outcome = "refused: " + str(exc).split(": ", 1)[-1][:60]
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = _status_mb("VmHWM")
    return {"name": name, "bytes": len(data), "outcome": outcome, "seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_mb": peak, "growth_mb": peak - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="measure this file only")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], Path(args.one[1]))))
        return
    files = _files()
    names = [args.only] if args.only else list(files)
    print(f"{'file':<62} {'size':>9} {'time':>7} {'CPU':>7} {'peak RSS':>9} {'growth':>7}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for n, name in enumerate(names):
            path = Path(folder) / f"{n}.bin"
            path.write_bytes(files[name]())
            done = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.upload_memory", "--one", name, str(path)],
                                  capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{name[:62]:<62} {result['bytes'] / 1e6:>7.2f}MB {result['seconds']:>6.2f}s {result['cpu_seconds']:>6.2f}s "
                  f"{result['peak_rss_mb']:>7.0f}MB {result['growth_mb']:>5.0f}MB  {result['outcome']}")
    print("\npeak RSS: the reading process's high-water mark (interpreter, SQLAlchemy, openpyxl and the file's "
          "bytes included); growth: how far reading the file raised it.")


if __name__ == "__main__":
    main()
