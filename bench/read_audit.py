"""What auditing a read costs (issue-10 trial F8): the HR score report page of one candidate
(``/reports/attempts/<id>``) requested 200 times with its ``read.score_report`` audit event
(``examsvc.read_audit.audited_read``: one hash-chained audit event and one commit per request)
and 200 times without (the same view undecorated), through the Flask test client (no network), on
SQLite (synchronous=FULL, as served) and PostgreSQL. The two runs alternate in rounds, and the
per-request figure is the median round's.

    .venv/bin/python -m bench.read_audit [--requests 200] [--rounds 3] [--pg URL] [--no-pg]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.autosave import CLOCK, _setup as setup_started_attempts
from bench.both_databases import DEFAULT_PG, on_both
from examsvc import create_app
from question_bank.db import make_engine, make_session_factory
from question_bank.models import AuditEvent, OrgUnit, Role, User
from question_bank.services import attempts, people

ENDPOINT = "score_reports.show"
PASSWORD = "bench-pass-2026"


def _prepare(url: str) -> int:
    """A submitted attempt and an HR account "hr"; returns the attempt's id."""
    ((user_id, attempt_id),) = setup_started_attempts(url, 1)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        attempts.submit_attempt(db, CLOCK, db.get(User, user_id), attempt_id, {slot: ["B"] for slot in range(1, 21)})
        unit = db.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        people.create_user(db, CLOCK, None, username="hr", display_name="人事", password=PASSWORD, unit=unit,
                           roles=[Role.HR])
        db.commit()
    engine.dispose()
    return attempt_id


def _events(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        count = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "read.score_report"))
    engine.dispose()
    return count


def _run(url: str, requests: int, rounds: int) -> None:
    attempt_id = _prepare(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": CLOCK, "WTF_CSRF_ENABLED": False})
    audited = app.view_functions[ENDPOINT]
    plain = audited.__wrapped__
    client = app.test_client()
    assert client.post("/login", data={"username": "hr", "password": PASSWORD}).status_code == 302
    path = f"/reports/attempts/{attempt_id}"
    timings: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(rounds):
        for label, view in (("without", plain), ("with", audited)):
            app.view_functions[ENDPOINT] = view
            started = time.perf_counter()
            for _ in range(requests):
                assert client.get(path).status_code == 200
            timings[label].append(1000 * (time.perf_counter() - started) / requests)
    without, with_ = statistics.median(timings["without"]), statistics.median(timings["with"])
    print(f"  {requests} requests x {rounds} rounds: without {without:6.2f} ms a request, with {with_:6.2f} ms, "
          f"cost {with_ - without:+6.2f} ms ({100 * (with_ - without) / without:+.0f} %); "
          f"{_events(url)} read.score_report events written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    run = lambda url: _run(url, args.requests, args.rounds)  # noqa: E731
    if args.no_pg:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}")
        return
    on_both(run, args.pg, "examsvc_bench_read_audit")


if __name__ == "__main__":
    main()
