"""Autosave latency while uploads are being read (SEC-U4): the same autosave load as
``bench.autosave`` (SQLite, IMMEDIATE, synchronous=FULL), first alone, then while another process
reads the worst uploads over and over, as another gunicorn worker would.

    .venv/bin/python -m bench.import_interference [--candidates 40] [--seconds 10]

Printed: saves per second and p50/p95 latency of each run. The reading process has a CPU of its
own to take on a 2-core machine; the guarded reader's limits bound how long any one file holds it.
"""

from __future__ import annotations

import multiprocessing

from bench.autosave import _report, _run, candidate_arguments, sqlite_candidates


def _read_uploads(ready, stop, counts) -> None:
    """Read the worst files in a loop until told to stop: a 20,000-question workbook with a
    formula, and the zip bomb, the row trap and the shared-string bomb."""
    import warnings

    from bench.upload_memory import legit_workbook
    from question_bank.errors import InvalidInput
    from question_bank.formats.guarded import open_upload
    from question_bank.formats.spreadsheet import LIMITS
    from tests.hostile_files import hostile

    warnings.simplefilter("ignore")
    files = [legit_workbook(False, formula=True)] + [hostile(name) for name in (
        "sheet inflating to 2 GiB", "row numbered 300 million", "a million shared strings", "three million empty cells")]
    ready.set()
    while not stop.is_set():
        for data in files:
            try:
                for sheet in open_upload("bench.xlsx", data, LIMITS).sheets:
                    for _ in sheet.rows():
                        pass
            except InvalidInput:
                pass
            counts.value += 1


def main() -> None:
    args = candidate_arguments(__doc__).parse_args()
    with sqlite_candidates(args.candidates, args.seconds) as (url, pairs):
        _report("no upload being read", _run(url, pairs, args.seconds, immediate=True))
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        counts = multiprocessing.Value("i", 0)
        reader = multiprocessing.Process(target=_read_uploads, args=(ready, stop, counts))
        reader.start()
        ready.wait()  # the reader has built its files and is reading
        try:
            _report("worst uploads read meanwhile", _run(url, pairs, args.seconds, immediate=True))
        finally:
            stop.set()
            reader.join()
        print(f"files read or refused meanwhile: {counts.value}")


if __name__ == "__main__":
    main()
