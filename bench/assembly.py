"""Paper assembly from a 100,000-question bank (issue 7: p50 ≤ 5 ms), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.assembly [--questions 100000] [--runs 50] [--db sqlite,postgresql] [--pg URL]

The bank is ``bench.bank_search``'s (the real question sets recycled with variations). On it, a
100-question paper of five drawn sections, 20 single-choice questions each from the subtree of
one law's category (about 5,000 published candidates each in the full bank). Each run draws one
candidate's paper as starting an attempt does (``assembly.draw(..., for_attempt=True)``, every
pool read, the shortfall check, the draw and the drawn versions loaded), with a new seed, in a
fresh session holding the paper and its sections already (a start has loaded them with the
sitting) and committed afterwards, as a start commits; printed: p50 and p95 of the draws'
milliseconds (wall clock, and the process's CPU), and the first draw's, which reads the pools from
the bank and keeps them for the paper (``services.pool_cache``): what the first start after a
change of the bank or of the paper costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bench.bank_search import DEFAULT_PG, LAWS, built_bank, fresh_database, load_sources, p50_p95
from question_bank.db import make_session_factory
from question_bank.models import BlueprintSection, Category, Paper
from question_bank.services import assembly

SECTIONS = 5
PER_SECTION = 20


def make_paper(engine: Engine) -> int:
    """The paper described in the module docstring, on a bank that ``bank_search.build`` filled
    (its org unit 1 and editor 1); returns its id."""
    now = dt.datetime.now(dt.timezone.utc)
    with make_session_factory(engine)() as session:
        paper = Paper(title="组卷基准", org_unit_id=1, created_by_id=1, created_at=now, updated_at=now)
        for position, law in enumerate(LAWS[:SECTIONS], start=1):
            category = session.scalar(select(Category).where(Category.path == law))
            paper.sections.append(BlueprintSection(position=position, qtype="single_choice", count=PER_SECTION,
                                                   mark=Decimal(1), category=category))
        session.add(paper)
        session.commit()
        return paper.id


def draw_times(engine: Engine, paper_id: int, runs: int, cpu: list[float] | None = None,
               first: list[float] | None = None) -> list[float]:
    """Milliseconds of each of ``runs`` draws of the paper (after one warm-up draw, the first,
    which reads the pools from the bank), seeds 1, 2, …, each committed as a start commits. The
    process CPU milliseconds of each go to ``cpu``, the warm-up's wall milliseconds to ``first``,
    when given. Raises ``AssertionError`` when a draw does not give the paper's 100 questions."""
    factory = make_session_factory(engine)
    times = []
    for seed in range(runs + 1):
        with factory() as session:
            paper = session.get(Paper, paper_id)
            for section in paper.sections:
                section.category  # loaded before the clock starts, as a start has them
            started, cpu_started = time.perf_counter(), time.process_time()
            drawn = assembly.draw(session, paper, seed, for_attempt=True)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu_started) * 1000
            assert len({item.version.id for item in drawn}) == SECTIONS * PER_SECTION
            session.commit()
        if seed:
            times.append(elapsed)
            if cpu is not None:
                cpu.append(cpu_ms)
        elif first is not None:
            first.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    args = parser.parse_args(argv)
    sources = load_sources()
    for kind in args.db.split(","):
        with fresh_database(kind, args.pg) as url:
            engine, _facts, seconds = built_bank(url, args.questions, sources)
            cpu: list[float] = []
            first: list[float] = []
            p50, p95 = p50_p95(draw_times(engine, make_paper(engine), args.runs, cpu, first))
            cpu50, cpu95 = p50_p95(cpu)
            print(f"{kind}: {args.questions:,} questions built in {seconds:.0f} s; draw of a "
                  f"{SECTIONS * PER_SECTION}-question paper p50 {p50:.1f} ms, p95 {p95:.1f} ms, process CPU "
                  f"p50 {cpu50:.1f} ms, p95 {cpu95:.1f} ms ({args.runs} draws); the first (pools read from "
                  f"the bank and kept) {first[0]:.0f} ms")
            engine.dispose()


if __name__ == "__main__":
    main()
