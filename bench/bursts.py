"""Start and submit bursts (issue 7): ``--candidates`` cadres (2,000 by default) start a sitting of
a ``--questions``-question paper (100) at the same moment, answer every question, then hand in at
the same moment, on PostgreSQL (and SQLite with ``--db sqlite``).

    .venv/bin/python -m bench.bursts [--db postgresql] [--candidates 2000] [--questions 100]
        [--workers 4] [--warmup 3] [--profile start,submit] [--pg URL]

The driver is the server: ``--workers`` processes, like gunicorn's sync workers, each takes its
share of the candidates and runs the code the routes run (``starting.confirm_start`` then
commit; ``attempts.submit_attempt`` then commit), one request after another, all released by
one barrier. No HTTP and no session cookie: the figures are the service's own, and no load
generator takes CPU from what is measured. The answers between the bursts are written straight
into ``response_step`` (every slot answered once, as autosave stores it), so the submit burst
marks full papers.

Prints, per burst: wall time from release to the last commit, the workers' CPU per request (ms,
``time.process_time`` around each request, so waiting for the database or a lock is not
counted), SQL statements per request (counted by a SQLAlchemy event, deterministic), and the
load average before and after. The ledger and audit chains are verified after the submits.
``--profile start`` (or ``submit``) runs worker 0 under cProfile and prints its top 25 functions
by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import multiprocessing
import os
import pstats
import time
from dataclasses import dataclass

from sqlalchemy import event, insert, select

from bench.bank_search import DEFAULT_PG, fresh_database
from bench.sitting_load import CLOCK, seed
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, AttemptItem, ResponseSource, ResponseStep, Sitting, User
from question_bank.services import attempts, audit, ledger, starting

PLEDGE = "我承诺诚信考试。"


@dataclass
class BurstFigures:
    """One burst: requests served, wall seconds from the release to the last commit, the workers'
    CPU ms and SQL statements per request, and the 1-minute load average before and after."""
    kind: str
    requests: int
    wall_s: float
    cpu_ms: float
    statements: float
    load_before: float
    load_after: float


@dataclass
class Share:
    """One worker's figures for one burst."""
    requests: int
    cpu_s: float
    statements: int
    profile: str = ""


def _request(factory, kind: str, user_id: int, sitting_id: int, attempt_id: int) -> None:
    """One start or submit as its route runs it: the user and the sitting loaded, the service
    called, the transaction committed."""
    with factory() as db:
        user = db.get(User, user_id)
        if kind == "start":
            sitting = db.get(Sitting, sitting_id)
            outcome = starting.confirm_start(db, CLOCK, user, sitting, accepted=True, pledge_shown=PLEDGE)
            assert outcome.attempt is not None, outcome.refusal
        else:
            assert attempts.submit_attempt(db, CLOCK, user, attempt_id).closed_now
        db.commit()


def _worker(url: str, kind: str, warm: list[tuple[int, int]], share: list[tuple[int, int]], sitting_id: int,
            barrier, results, index: int, profile: bool) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    count = [0]

    def counter(*_args) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counter)
    # Warm the pool, the mappers and the statement caches outside the measured loop, as a
    # gunicorn worker is warm after its first requests.
    for user_id, attempt_id in warm:
        _request(factory, kind, user_id, sitting_id, attempt_id)
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does in a worker that has loaded the app
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not a busy machine's wall time
    cpu = 0.0
    barrier.wait()
    count[0] = 0
    for user_id, attempt_id in share:
        started = time.process_time()
        if profiler:
            profiler.enable()
        _request(factory, kind, user_id, sitting_id, attempt_id)
        if profiler:
            profiler.disable()
        cpu += time.process_time() - started
    text = ""
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(25)
        text = out.getvalue()
    results.put((index, Share(len(share), cpu, count[0], text)))
    engine.dispose()


def burst(url: str, kind: str, pairs: list[tuple[int, int]], sitting_id: int, workers: int, warmup: int,
          profile: bool) -> BurstFigures:
    """Run one burst of ``pairs`` (user id, attempt id: 0 to start), print its line and return its
    figures; the first ``warmup`` pairs of each worker run before the release and are not counted.
    Raises ``AssertionError`` when a worker failed."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    results = context.Queue()
    procs = []
    for w in range(workers):
        mine = pairs[w::workers]
        procs.append(context.Process(target=_worker, args=(url, kind, mine[:warmup], mine[warmup:], sitting_id,
                                                           barrier, results, w, profile and w == 0)))
    for proc in procs:
        proc.start()
    barrier.wait()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    shares = [results.get() for _ in procs]
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0, f"a {kind} worker failed"
    load_after = os.getloadavg()[0]
    total = sum(s.requests for _, s in shares)
    cpu_ms = 1000 * sum(s.cpu_s for _, s in shares) / total
    sql = sum(s.statements for _, s in shares) / total
    print(f"| {kind} | {total} | {wall:.1f} s | {total / wall:.0f}/s | {cpu_ms:.1f} | {sql:.1f} | "
          f"{load_before:.1f} → {load_after:.1f} |", flush=True)
    for _, share in sorted(shares, key=lambda s: s[0]):
        if share.profile:
            print(f"\ncProfile of worker 0 ({share.requests} {kind}s, CPU time):\n{share.profile}")
    return BurstFigures(kind, total, wall, cpu_ms, sql, load_before, load_after)


def answer_everything(url: str, attempt_ids: list[int]) -> None:
    """One autosaved step per slot of every attempt, answering "B" (the key of every question)."""
    engine = make_engine(url)
    now = CLOCK.now()
    with engine.begin() as conn:
        slots = conn.execute(select(AttemptItem.attempt_id, AttemptItem.slot)
                             .where(AttemptItem.attempt_id.in_(attempt_ids))).all()
        for start in range(0, len(slots), 20_000):
            conn.execute(insert(ResponseStep), [
                {"attempt_id": a, "slot": s, "writer": "direct", "client_seq": 1, "superseded": False,
                 "base_version": None, "answer": ["B"], "received_at": now, "source": ResponseSource.AUTOSAVE}
                for a, s in slots[start:start + 20_000]])
    engine.dispose()


def run(kind: str, args: argparse.Namespace) -> tuple[BurstFigures, BurstFigures]:
    """Both bursts on a fresh ``kind`` database ("sqlite" or "postgresql"), printed as a table;
    returns (start, submit). ``args`` as :func:`main` parses them. Raises ``AssertionError`` when
    a chain does not verify or an attempt did not score full marks."""
    with fresh_database(kind, args.pg) as url:
        seed(url, args.candidates + args.workers * args.warmup, args.questions, start=False)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            user_ids = list(db.scalars(select(User.id).where(User.username.like("c%")).order_by(User.id)))
            sitting_id = db.scalar(select(Sitting.id))
        print(f"\n{kind}: {os.cpu_count()} cores, {args.candidates} candidates, {args.questions}-question paper, "
              f"{args.workers} workers (each warmed by {args.warmup} requests first)\n")
        print("| burst | requests | wall | rate | CPU ms/request | SQL/request | load 1 min before → after |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        started = burst(url, "start", [(u, 0) for u in user_ids], sitting_id, args.workers, args.warmup,
              "start" in args.profile.split(","))
        with factory() as db:
            by_user = dict(db.execute(select(Attempt.user_id, Attempt.id)).all())
        answer_everything(url, list(by_user.values()))
        submitted = burst(url, "submit", [(u, by_user[u]) for u in user_ids], sitting_id, args.workers, args.warmup,
              "submit" in args.profile.split(","))
        with factory() as db:
            for name, check in (("ledger", ledger.verify(db)), ("audit", audit.verify(db))):
                assert check.ok, f"{name}: {check.reason}"
            scored = db.scalar(select(Attempt.id).where(Attempt.score != args.questions))
            assert scored is None, f"attempt {scored} did not score full marks"
        print("\nledger and audit chains verified; every attempt scored full marks")
        engine.dispose()
    return started, submitted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgresql")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3, help="requests per worker before the release, not counted")
    parser.add_argument("--profile", default="", help="start, submit or start,submit: profile worker 0")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    args = parser.parse_args(argv)
    for kind in args.db.split(","):
        run(kind, args)


if __name__ == "__main__":
    main()
