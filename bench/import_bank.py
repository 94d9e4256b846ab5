"""Bank imports of 1,000 and 20,000 rows into a 100,000-question bank, as background jobs, on SQLite
and PostgreSQL (issue 5, "big files off the request worker").

    .venv/bin/python -m bench.import_bank [--questions 100000] [--rows 1000 20000] [--pg URL] [--only sqlite|postgresql]
                                          [--files variants|unlike]

The bank is built as ``bench.bank_search`` builds it (the real question sets recycled with
variations, near-duplicate keys and all). Each import file is an .xlsx template of new questions
made from the same sources: new variants (``--files variants``, the default: checked against the
bank and flagged as near-duplicates, not repeats) or texts unlike anything in the bank
(``--files unlike``). Printed per file:

- the upload request's part: estimating the rows, storing the job (milliseconds);
- the job, run by ``import_worker.run_one`` in a fresh process: seconds from claim to commit, the
  process's peak resident memory (``VmHWM``) and how far the job raised it above the process's
  resident memory before the claim, the SQL statements the job's engine sent per row (a
  ``before_cursor_execute`` listener: an executemany is one, the heartbeat's are counted), and the
  outcome. Before and after set-wise writing (issue 7): README, "Set-wise writing".
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy import event

from bench.bank_search import DEFAULT_PG, LAWS, SUBJECTS, built_bank, fresh_database, load_sources, variant
from bench.upload_memory import _status_mb
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.formats.row_estimate import estimate_rows
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.models import ImportJob, User
from question_bank.services import import_jobs, importing

CLOCK = SystemClock()
HEADER = ("题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点", "法律依据", "分类", "分值")
TYPES = {"single_choice": "单选", "multiple_choice": "多选"}


def import_file(sources: list[dict], rows: int, seed: int, kind: str = "variants") -> bytes:
    """An .xlsx template of ``rows`` new questions (openpyxl's streaming writer, as the export uses):
    ``variants`` of the bank's sources (each near-duplicates some thirty questions: the hard case
    for the duplicate check) or ``unlike`` anything in the bank (each text's characters shuffled)."""
    rng = random.Random(seed)
    sources = [s for s in sources if s["qtype"] in TYPES]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("题库")
    sheet.append(HEADER)
    for n in range(rows):
        source = variant(sources[n % len(sources)], 500 + seed + n // len(sources), rng)
        if kind == "unlike":
            source = {**source, "stem": _shuffled(source["stem"], rng),
                      "options": [_shuffled(option, rng) for option in source["options"]]}
        options = (list(source["options"]) + ["", "", "", ""])[:4]
        key = "".join(source["key"])
        sheet.append([TYPES[source["qtype"]], f"{source['stem']}（第{seed}-{n}题）", *options, key, "",
                      "中", "", f"《中华人民共和国{LAWS[n % len(LAWS)]}》第{1 + n % 150}条",
                      f"{LAWS[n % len(LAWS)]}/{SUBJECTS[0]}", 2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shuffled(text: str, rng: random.Random) -> str:
    return "".join(rng.sample(text, len(text)))


def run_job(url: str) -> None:
    """In a fresh process: run the one queued job and print its figures as JSON."""
    from question_bank import import_worker

    engine = make_engine(url)
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    outcome = import_worker.run_one(make_session_factory(engine), CLOCK, "bench")
    seconds = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    with make_session_factory(engine)() as session:
        job = session.get(ImportJob, outcome.job_id)
        result = job.result or {}
        detail = {"imported": result.get("imported"), "errors": len(result.get("errors", [])),
                  "duplicates": len(result.get("duplicates", [])), "failure": job.failure}
    print(json.dumps({"state": outcome.state, "seconds": seconds, "peak_mb": _status_mb("VmHWM"),
                      "before_mb": before,
                      "statements": statements, **detail}))


@dataclass
class ImportFigures:
    """One import file: its rows and KB, the upload request's milliseconds (estimate and enqueue),
    whether that size goes to the background worker, and the job's own figures (``run_job``'s
    JSON: state, seconds, peak_mb, before_mb, statements, imported, errors, duplicates, failure)."""
    rows: int
    kb: int
    request_ms: float
    background: bool
    job: dict

    @property
    def raised_mb(self) -> float:
        return self.job["peak_mb"] - self.job["before_mb"]

    def outcome(self) -> str:
        job = self.job
        return (f"{job['state']}: {job['imported']} imported, {job['errors']} problems, "
                f"{job['duplicates']} flagged as near-duplicates"
                + ("" if self.background else " (this size would be imported in the request)")
                + (f" {job['failure']}" if job["failure"] else ""))


def import_figures(url: str, row_counts: list[int], sources: list[dict], file_kind: str) -> list[ImportFigures]:
    """Import one file of each of ``row_counts`` rows into the bank at ``url`` (already built):
    enqueued here as the upload request does, run by the worker in a fresh process. Exits with
    the child's error output when its process fails."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    found = []
    for seed, rows in enumerate(row_counts, start=1):
        data = import_file(sources, rows, seed, file_kind)
        started = time.perf_counter()
        estimated = estimate_rows(data, MAX_DATA_ROWS + 1)
        with factory() as session:
            import_jobs.enqueue(session, CLOCK, session.get(User, 2), f"bench-{rows}.xlsx", data,
                                importing.VALID_ONLY, importing.KEEP_REPEATS, "auto", estimated)
            session.commit()
        request_ms = (time.perf_counter() - started) * 1000
        child = subprocess.run([sys.executable, "-m", "bench.import_bank", "--run-job", url],
                               capture_output=True, text=True)
        if child.returncode:
            sys.exit(f"the job's process failed:\n{child.stderr}")
        found.append(ImportFigures(rows, len(data) // 1024, request_ms, estimated > 2000,
                                   json.loads(child.stdout.strip().splitlines()[-1])))
    engine.dispose()
    return found


def bench_database(kind: str, url: str, questions: int, row_counts: list[int], sources: list[dict],
                   file_kind: str) -> None:
    engine, _facts, seconds = built_bank(url, questions, sources)
    engine.dispose()
    print(f"\n== {kind}: {questions:,} questions built in {seconds:.0f} s; files of {file_kind} ==")
    print(f"{'rows':>8} {'file KB':>8} {'request ms':>10} {'job s':>8} {'peak MB':>8} {'raised MB':>9} "
          f"{'stmt/row':>8}  outcome")
    for figures in import_figures(url, row_counts, sources, file_kind):
        job = figures.job
        print(f"{figures.rows:8,} {figures.kb:8,} {figures.request_ms:10.0f} {job['seconds']:8.1f} "
              f"{job['peak_mb']:8.0f} {figures.raised_mb:9.0f} {job['statements'] / figures.rows:8.2f}  "
              f"{figures.outcome()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 20_000])
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--files", choices=["variants", "unlike"], default="variants",
                        help="new questions that resemble the bank's (the hard case) or nothing in it")
    parser.add_argument("--run-job", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_job:
        run_job(args.run_job)
        return
    sources = load_sources()
    print(f"{len(sources):,} source questions")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                bench_database(kind, url, args.questions, args.rows, sources, args.files)


if __name__ == "__main__":
    main()
