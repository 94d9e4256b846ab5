"""Time to compute the review stamp of a 20,000-question import batch (``review_stamps.batch_stamp``,
worked out on every view of the batch page), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.review_stamp [--questions 20000] [--runs 5] [--pg URL] [--only sqlite|postgresql]

The bank is built as ``bench.bank_search`` builds it (the real question sets recycled with
variations); then every question is put in review in one batch. Printed per database: the median
and the spread of ``--runs`` stamps, each in a fresh session.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import text

from bench.bank_search import DEFAULT_PG, build, fresh_database, load_sources
from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import ImportBatch
from question_bank.services import review_stamps

CLOCK = SystemClock()


def bench_database(kind: str, url: str, questions: int, runs: int, sources: list[dict]) -> None:
    engine = make_engine(url)
    database.upgrade(engine)
    build(engine, questions, sources)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO import_batch (id, filename, file_format, mode, encoding, uploaded_by_id, "
                          "uploaded_at, status, review_note, question_count, report) VALUES (1, 'bench.xlsx', "
                          "'xlsx', 'valid_only', '', 1, :t, 'in_review', '', :n, '{}')"), {"t": CLOCK.now(), "n": questions})
        conn.execute(text("UPDATE question SET import_batch_id = 1, status = 'in_review'"))
    factory = make_session_factory(engine)
    seconds = []
    for _ in range(runs):
        with factory() as session:
            batch = session.get(ImportBatch, 1)
            started = time.perf_counter()
            review_stamps.batch_stamp(session, batch)
            seconds.append(time.perf_counter() - started)
    print(f"{kind:<11} {questions:,} questions: stamp median {statistics.median(seconds) * 1000:.0f} ms "
          f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}, {runs} runs)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sources = load_sources()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            with fresh_database(kind, args.pg) as url:
                bench_database(kind, url, args.questions, args.runs, sources)


if __name__ == "__main__":
    main()
