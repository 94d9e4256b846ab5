"""Exporting a 100,000-question bank to every format, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.export_formats [--questions 100000] [--pg URL] [--only sqlite|postgresql]
                                             [--formats xlsx,csv,moodle_xml,gift,jsonl]

Builds the bank as ``bench.bank_search`` does (the real question sets of ../shared/datasets,
recycled with variations, bulk-inserted into a migrated database), then exports every question
through ``services.exporting.export_questions`` (the same path as the export page) into a temporary
file, each format in a fresh Python process (so that one export's memory says nothing of the build's
or another's), and prints per format:

- seconds for the whole export (reading the database and writing the file);
- the exporting process's peak resident memory, and how far it rose above where it stood just
  before the export (the interpreter, the application's modules and an open session);
- the file's size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import User
from question_bank.services import exporting
from question_bank.services.exporting import FORMATS, Selection
from bench.bank_search import DEFAULT_PG, build, fresh_database, load_sources

CLOCK = SystemClock()
MB = 1024 * 1024


def _high_water_kb() -> int:
    """This process's peak resident memory in kB (Linux's VmHWM: unlike ru_maxrss, it starts afresh
    in a new program rather than carrying over the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def export_once(url: str, file_format: str) -> dict:
    """Run one export in this process: ``{"seconds", "questions", "bytes", "rss_mb", "rise_mb"}``."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session, tempfile.TemporaryFile() as out:
        actor = session.get(User, 1)  # a bank editor (bench.bank_search.build)
        before = _high_water_kb()
        started = time.perf_counter()
        count = exporting.export_questions(session, CLOCK, actor, file_format, Selection(), out)
        seconds = time.perf_counter() - started
        peak = _high_water_kb()
        size = out.tell()
        session.rollback()  # the audit event of a measurement is not kept
    engine.dispose()
    return {"seconds": seconds, "questions": count, "bytes": size, "rss_mb": peak / 1024,
            "rise_mb": (peak - before) / 1024}


def run(kind: str, url: str, count: int, formats: list[str], sources: list[dict]) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    database.upgrade(engine)
    build(engine, count, sources)
    engine.dispose()
    print(f"\n== {kind}: {count:,} questions built in {time.perf_counter() - started:.0f} s ==")
    print(f"{'format':12} {'seconds':>8} {'questions':>10} {'file MB':>8} {'peak RSS MB':>12} {'rise MB':>8}")
    for file_format in formats:
        child = subprocess.run([sys.executable, "-m", "bench.export_formats", "--export", url, file_format],
                               capture_output=True, text=True, check=True)
        got = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{file_format:12} {got['seconds']:8.1f} {got['questions']:10,} {got['bytes'] / MB:8.1f} "
              f"{got['rss_mb']:12.0f} {got['rise_mb']:8.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--export", nargs=2, metavar=("URL", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        print(json.dumps(export_once(*args.export)))
        return
    formats = [f for f in args.formats.split(",") if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        parser.error(f"unknown formats: {', '.join(unknown)}")
    sources = load_sources()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                run(kind, url, args.questions, formats, sources)


if __name__ == "__main__":
    main()
