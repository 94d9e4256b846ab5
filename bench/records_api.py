"""The records API's cost: paging through a sitting's score records (every score checked against
the ledger, with each candidate's ledger history), its roster, the appraisal summary per cadre
and per unit (the current year), and through the audit log, over HTTP (the
Flask test client, so no network), on SQLite and PostgreSQL. Each request also writes its
``api_token.use`` audit event, as in production.

    .venv/bin/python -m bench.records_api [--candidates 1000] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import select

from bench.autosave import CLOCK, _setup as setup_started_attempts
from bench.both_databases import DEFAULT_PG, on_both
from examsvc import create_app
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, OrgUnit, Role, User
from question_bank.services import api_tokens, attempts, people


def _prepare(url: str, candidates: int) -> tuple[int, str]:
    """Submitted attempts for ``candidates`` cadres; returns the sitting id and a token for every scope."""
    pairs = setup_started_attempts(url, candidates)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        users = {u.id: u for u in db.scalars(select(User).where(User.id.in_([p[0] for p in pairs])))}
        for user_id, attempt_id in pairs:
            attempts.submit_attempt(db, CLOCK, users[user_id], attempt_id, {slot: ["B"] for slot in range(1, 21)})
        db.commit()
        unit = db.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        admin = people.create_user(db, CLOCK, None, username="sysadmin", display_name="管理员", password="x" * 12,
                                   unit=unit, roles=[Role.SYSADMIN])
        _token, secret = api_tokens.create_token(db, CLOCK, admin, api_tokens.TokenSpec(
            "基准", api_tokens.SCOPES, unit.id, 30))
        sitting_id = db.get(Attempt, pairs[0][1]).sitting_id
        db.commit()
    engine.dispose()
    return sitting_id, secret


def _page_through(client, path: str, secret: str) -> tuple[int, list[float]]:
    """Items read and the milliseconds of each page, following ``next_after`` to the end."""
    after, items, times = 0, 0, []
    while after is not None:
        started = time.perf_counter()
        response = client.get(f"{path}?limit=200&after={after}", headers={"Authorization": f"Bearer {secret}"})
        times.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += len(body["items"])
        after = body["next_after"]
    return items, times


def _run(url: str, candidates: int) -> None:
    sitting_id, secret = _prepare(url, candidates)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": CLOCK})
    client = app.test_client()
    for label, path in (("score records", f"/api/v1/sittings/{sitting_id}/scores"),
                        ("roster", f"/api/v1/sittings/{sitting_id}/roster"),
                        ("appraisal cadres", "/api/v1/appraisal/cadres"), ("appraisal units", "/api/v1/appraisal/units"),
                        ("audit events", "/api/v1/audit-events")):
        for round_no in (1, 2):
            items, times = _page_through(client, path, secret)
            print(f"  {label:<16} round {round_no}: {items:>5} items in {len(times):>2} pages of 200, "
                  f"median {statistics.median(times):7.1f} ms a page, slowest {max(times):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    on_both(lambda url: _run(url, args.candidates), args.pg, "examsvc_bench_records_api")


if __name__ == "__main__":
    main()
