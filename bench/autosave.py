"""Concurrent autosaves: throughput, latency and lost saves, on SQLite (IMMEDIATE transactions
with synchronous=FULL as the service runs, and for comparison synchronous=NORMAL and deferred
transactions) and PostgreSQL.

    .venv/bin/python -m bench.autosave [--candidates 40] [--seconds 10] [--pg URL]

Each candidate is a thread that saves an answer to its own attempt as fast as the database lets
it (the worst case of many phones autosaving at once). A save that fails is counted by its error;
"database is locked" is the failure IMMEDIATE transactions exist to prevent. FULL against NORMAL is
the price of an acknowledged save surviving power loss (SQLite syncs the WAL on every commit).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from examsvc import database
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import BlueprintSection, ExamKind, Paper, Role, RosterEntry, Sitting, UnitLevel
from question_bank.services import attempts, authoring, people
from question_bank.drafts import QuestionDraft

CLOCK = SystemClock()


def _setup(url: str, candidates: int) -> list[tuple[int, int]]:
    """Make a bank, a sitting and one started attempt per candidate; returns (user id, attempt id)."""
    engine = make_engine(url)
    database.upgrade(engine)
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    with make_session_factory(engine)() as db:
        unit = people.create_unit(db, CLOCK, "某省", UnitLevel.PROVINCE)
        editor = people.create_user(db, CLOCK, None, username="editor", display_name="编辑", password="x" * 8,
                                    unit=unit, roles=[Role.BANK_EDITOR])
        for n in range(20):
            authoring.create_question(db, CLOCK, editor, QuestionDraft(
                qtype="single_choice", stem=f"第{n}题", options=["甲", "乙", "丙", "丁"], key=["B"],
                category_path="测试"), status="published")
        now = CLOCK.now()
        paper = Paper(title="基准", org_unit=unit, created_by_id=editor.id, created_at=now, updated_at=now)
        paper.sections.append(BlueprintSection(position=1, qtype="single_choice", count=20, mark=Decimal(5),
                                               category=authoring.ensure_category(db, "测试")))
        sitting = Sitting(title="基准", kind=ExamKind.ANNUAL, paper=paper, org_unit=unit, opens_at=now,
                          closes_at=now.replace(year=now.year + 1), time_limit_s=7200, pass_mark=Decimal(60),
                          excellent_mark=Decimal(90), created_by_id=editor.id, created_at=now)
        db.add(sitting)
        pairs = []
        for n in range(candidates):
            cadre = people.create_user(db, CLOCK, None, username=f"c{n}", display_name="考生", password="x" * 8,
                                       unit=unit, roles=[Role.CADRE])
            sitting.roster.append(RosterEntry(user_id=cadre.id, added_at=now))
            db.flush()
            pairs.append((cadre.id, attempts.start_attempt(db, CLOCK, cadre, sitting).id))
        db.commit()
    engine.dispose()
    return pairs


def _run(url: str, pairs: list[tuple[int, int]], seconds: float, immediate: bool, synchronous: str = "FULL") -> dict:
    options = {"sqlite_synchronous": synchronous} if url.startswith("sqlite") else {}
    engine = make_engine(url, sqlite_immediate=immediate, pool_size=len(pairs), max_overflow=0, **options)
    factory = make_session_factory(engine)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def candidate(user_id: int, attempt_id: int) -> None:
        from question_bank.models import User

        seq = 0
        while time.monotonic() < stop:
            seq += 1
            started = time.perf_counter()
            try:
                with factory() as db:
                    user = db.get(User, user_id)
                    attempts.save_response(db, CLOCK, user, attempt_id, seq % 20 + 1, ["ABCD"[seq % 4]], seq)
                    db.commit()
                with lock:
                    latencies.append(time.perf_counter() - started)
            except Exception as exc:  # counted, not hidden: the figure this bench exists for
                with lock:
                    errors[str(exc.__class__.__name__) + ": " + str(exc).splitlines()[0][:60]] += 1

    threads = [threading.Thread(target=candidate, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    latencies.sort()
    return {
        "saves": len(latencies),
        "per_s": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else 0,
        "errors": dict(errors),
    }


def _report(name: str, result: dict) -> None:
    print(f"{name:<28} {result['saves']:>7} saves  {result['per_s']:>8.0f}/s  p50 {result['p50_ms']:>6.1f} ms  "
          f"p95 {result['p95_ms']:>7.1f} ms  failed {sum(result['errors'].values())}")
    for error, count in result["errors"].items():
        print(f"{'':<30}{count} × {error}")


def candidate_arguments(description: str) -> argparse.ArgumentParser:
    """The command line every autosave bench takes: --candidates and --seconds."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10)
    return parser


@contextmanager
def sqlite_candidates(candidates: int, seconds: float) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """A temporary SQLite database with ``candidates`` started attempts: (URL, (user, attempt) pairs)."""
    print(f"{candidates} candidates autosaving for {seconds:.0f} s each run")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        yield url, _setup(url, candidates)


def main() -> None:
    parser = candidate_arguments(__doc__)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with sqlite_candidates(args.candidates, args.seconds) as (url, pairs):
        _report("SQLite, IMMEDIATE, FULL", _run(url, pairs, args.seconds, immediate=True))
        _report("SQLite, IMMEDIATE, NORMAL", _run(url, pairs, args.seconds, immediate=True, synchronous="NORMAL"))
        _report("SQLite, deferred, FULL", _run(url, pairs, args.seconds, immediate=False))
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = "examsvc_bench"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        pairs = _setup(url, args.candidates)
        _report("PostgreSQL", _run(url, pairs, args.seconds, immediate=True))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
