"""Exporting a 100,000-question bank to every format, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.export_formats [--questions 100000] [--pg URL] [--only sqlite|postgresql]
                                             [--formats xlsx,csv,moodle_xml,gift,jsonl]

Builds the bank as ``bench.bank_search`` does (the real question sets of ../shared/datasets,
recycled with variations, bulk-inserted into a migrated database), then exports every question
through ``services.exporting.export_questions`` (the same path as the export page) into a temporary
file, once per format, and prints per format:

- seconds for the whole export (reading the database and writing the file);
- the peak of Python memory allocated during a second run (tracemalloc; the first run is timed
  without it, as tracing slows allocation down);
- the file's size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc

from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import User
from question_bank.services import exporting
from question_bank.services.exporting import FORMATS, Selection
from bench.bank_search import DEFAULT_PG, build, fresh_database, load_sources

CLOCK = SystemClock()
MB = 1024 * 1024


def export_once(session_factory, file_format: str, traced: bool) -> tuple[float, int, int, int]:
    """(seconds, questions, bytes written, peak traced bytes or 0) of one export."""
    with session_factory() as session, tempfile.TemporaryFile() as out:
        actor = session.get(User, 1)  # a bank editor (bench.bank_search.build)
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        count = exporting.export_questions(session, CLOCK, actor, file_format, Selection(), out)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        size = out.tell()
        session.rollback()  # the audit event of a measurement is not kept
    return seconds, count, size, peak


def run(kind: str, url: str, count: int, formats: list[str], sources: list[dict]) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    database.upgrade(engine)
    build(engine, count, sources)
    print(f"\n== {kind}: {count:,} questions built in {time.perf_counter() - started:.0f} s ==")
    factory = make_session_factory(engine)
    print(f"{'format':12} {'seconds':>8} {'questions':>10} {'file MB':>8} {'peak MB (Python)':>17}")
    for file_format in formats:
        seconds, exported, size, _ = export_once(factory, file_format, traced=False)
        _, _, _, peak = export_once(factory, file_format, traced=True)
        print(f"{file_format:12} {seconds:8.1f} {exported:10,} {size / MB:8.1f} {peak / MB:17.1f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
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
