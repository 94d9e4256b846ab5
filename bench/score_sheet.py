"""The HR score sheet of one big sitting as an .xlsx (issue 7: 50,000 rows in ≤ 6 s and ≤ 200 MB),
on SQLite and PostgreSQL.

    .venv/bin/python -m bench.score_sheet [--rows 50000] [--runs 3] [--db sqlite,postgresql] [--pg URL]
    .venv/bin/python -m bench.score_sheet --rows 10000 --url sqlite:////tmp/sheet.db   # seeded once, kept

Seeds one sitting with ``--rows`` cadres on its roster, spread over 100 units under a province,
each with a sealed ID number and one submitted, marked attempt whose ledger entry is hashed and
chained as ``ledger.append`` would (bulk inserts: COPY on PostgreSQL), so every row's score is
checked against an intact entry. Then, ``--runs`` times, each in a fresh process: what the
``scores.xlsx`` route does after its deadline sweep (``score_sheets.score_sheet``, every score
checked against the ledger, and ``tabular.to_xlsx_bytes``), timed from the first query to the last
byte (wall seconds, and the process's own CPU seconds, which say more on a machine shared with
other work), with the process's resident memory before and its high-water mark (``VmHWM``) after. The
memory figure is how far the sheet raised the process above what it held before (the interpreter
and the imported service), the part that grows with the rows.

``--url`` keeps the seeded database (an SQLite file or an existing, empty PostgreSQL database):
seeded on the first run, measured as it is on later ones, so two versions of the code can be
measured back to back against the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import time
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from bench.bank_search import DEFAULT_PG, bulk, fresh_database
from bench.upload_memory import _status_mb
from examsvc import database
from question_bank import id_vault
from question_bank.clock import SystemClock
from question_bank.db import make_engine, make_session_factory
from question_bank.formats import tabular
from question_bank.id_vault import IdVault
from question_bank.models import (
    Attempt, BlueprintSection, ExamKind, LedgerHead, Paper, Role, RosterEntry, ScoreRecord, Sitting, UnitLevel, User,
)
from question_bank.services import authoring, hashchain, ledger, people, score_sheets
from question_bank.services.hashchain import Chain

CLOCK = SystemClock()
UNITS = 100
#: The bench's own ID-number key: the seeding process and every measuring process use it.
VAULT_KEY = bytes(range(32))


@dataclass
class SheetRun:
    """One sheet written: seconds from the first query to the last byte (wall, and the process's
    CPU), the process's resident MB before, its peak MB, and the file's size in bytes."""
    seconds: float
    cpu_seconds: float
    before_mb: float
    peak_mb: float
    size: int

    @property
    def raised_mb(self) -> float:
        return self.peak_mb - self.before_mb


def seed(url: str, rows: int) -> tuple[int, int]:
    """The sitting of ``rows`` scored candidates described in the module docstring; returns
    (sitting id, id of an HR user of the province who may read its sheet)."""
    engine = make_engine(url)
    database.upgrade(engine)
    id_vault.configure(IdVault(VAULT_KEY))
    now = CLOCK.now()
    with make_session_factory(engine)() as db:
        province = people.create_unit(db, CLOCK, "某省", UnitLevel.PROVINCE)
        units = [people.create_unit(db, CLOCK, f"某市{n}局", UnitLevel.CITY, province) for n in range(UNITS)]
        hr = people.create_user(db, CLOCK, None, username="hr", display_name="人事", password="x" * 12,
                                unit=province, roles=[Role.HR])
        paper = Paper(title="基准试卷", org_unit=province, created_by_id=hr.id, created_at=now, updated_at=now)
        paper.sections.append(BlueprintSection(position=1, qtype="single_choice", count=100, mark=Decimal(1),
                                               category=authoring.ensure_category(db, "基准")))
        sitting = Sitting(title="年度学法用法考试", kind=ExamKind.ANNUAL, paper=paper, org_unit=province,
                          opens_at=now - dt.timedelta(days=1), closes_at=now - dt.timedelta(hours=1),
                          time_limit_s=3600, pass_mark=Decimal(60), excellent_mark=Decimal(90),
                          created_by_id=hr.id, created_at=now)
        db.add(sitting)
        db.flush()
        sitting_id, hr_id, unit_ids = sitting.id, hr.id, [u.id for u in units]
        first_user = hr_id + 1
        users, roster, attempts, records = [], [], [], []
        prev_hash = hashchain.GENESIS_HASH
        started = now - dt.timedelta(hours=20)
        for n in range(rows):
            user_id, score = first_user + n, Decimal(40 + n % 61)
            band = "excellent" if score >= 90 else "pass" if score >= 60 else "fail"
            # Birth year from n % 40 and month from n // 10,000: distinct for up to 120,000 rows.
            sealed, lookup = id_vault.current().seal(f"110101{1960 + n % 40}{1 + n // 10_000 % 12:02d}01{n % 10000:04d}")
            users.append({"id": user_id, "username": f"c{n}", "display_name": f"考生{n}", "password_hash": "x",
                          "org_unit_id": unit_ids[n % UNITS], "is_active": True, "session_epoch": 0,
                          "must_change_password": False, "id_number_sealed": sealed, "id_number_lookup": lookup,
                          "current_post": "科员", "created_at": now})
            roster.append({"id": n + 1, "sitting_id": sitting_id, "user_id": user_id, "extra_time_s": 0,
                           "current_post": "科员", "proposed_post": "副科长", "added_at": now})
            finished = started + dt.timedelta(seconds=1800 + n % 1700)
            attempts.append({"id": n + 1, "sitting_id": sitting_id, "user_id": user_id, "attempt_no": 1, "seed": n,
                             "started_at": started, "deadline": started + dt.timedelta(hours=1), "state": "submitted",
                             "finished_at": finished, "submitted_by_id": user_id, "score": score,
                             "max_score": Decimal(100), "passed": score >= 60, "band": band})
            # Hashed and chained as ledger.append does, so each score is checked against an intact entry.
            entry = ScoreRecord(attempt_id=n + 1, sitting_id=sitting_id, user_id=user_id, score=score,
                                max_score=Decimal(100), band=band, passed=score >= 60, reason="submitted",
                                actor_id=user_id, recorded_at=finished, responses_digest="0" * 64,
                                marks_digest="0" * 64)
            entry_hash = hashchain.digest(ledger.entry_content(entry), prev_hash)
            records.append({"id": n + 1, "attempt_id": n + 1, "sitting_id": sitting_id, "user_id": user_id,
                            "score": score, "max_score": Decimal(100), "band": band, "passed": score >= 60,
                            "reason": "submitted", "actor_id": user_id, "recorded_at": finished,
                            "responses_digest": "0" * 64, "marks_digest": "0" * 64, "law_versions": None,
                            "prev_hash": prev_hash, "entry_hash": entry_hash})
            prev_hash = entry_hash
        db.flush()
        conn = db.connection()
        for model, table_rows in ((User, users), (RosterEntry, roster), (Attempt, attempts), (ScoreRecord, records)):
            bulk(conn, model.__table__, table_rows)
        head = db.get(LedgerHead, int(Chain.SCORES))
        head.last_hash, head.entry_count = prev_hash, rows
        if engine.dialect.name == "postgresql":  # the rows came with their ids: move the sequences past them
            for table in ("user_account", "roster_entry", "attempt", "score_record"):
                db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.commit()
    engine.dispose()
    return sitting_id, hr_id


def _write_sheet(url: str, sitting_id: int, hr_id: int, results) -> None:
    """In a fresh process: the route's work for one sheet, its figures put on ``results``."""
    id_vault.configure(IdVault(VAULT_KEY))
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        before = _status_mb("VmRSS")
        started, cpu_started = time.perf_counter(), time.process_time()
        viewer = db.get(User, hr_id)
        sitting = score_sheets.visible_sitting(db, sitting_id, viewer)
        headers, rows = score_sheets.score_sheet(db, CLOCK, sitting, viewer)
        body = tabular.to_xlsx_bytes(headers, rows, sheet_title=sitting.title)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        results.put(SheetRun(seconds, cpu_seconds, before, _status_mb("VmHWM"), len(body)))
    engine.dispose()


def measure(url: str, sitting_id: int, hr_id: int, runs: int) -> list[SheetRun]:
    """``runs`` sheets of the seeded sitting, each in a fresh process (so its peak is its own)."""
    context = multiprocessing.get_context("spawn")
    found = []
    for _ in range(runs):
        results = context.Queue()
        child = context.Process(target=_write_sheet, args=(url, sitting_id, hr_id, results))
        child.start()
        found.append(results.get())
        child.join()
        if child.exitcode:
            raise RuntimeError(f"the sheet's process failed (exit code {child.exitcode})")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (a database is created and dropped there)")
    parser.add_argument("--url", help="a database to seed on the first run and measure as it is on later ones")
    args = parser.parse_args(argv)
    if args.url:
        _seed_and_measure(args.url, args.url.split(":")[0].split("+")[0], args.rows, args.runs)
        return
    for kind in args.db.split(","):
        with fresh_database(kind, args.pg) as url:
            _seed_and_measure(url, kind, args.rows, args.runs)


def _seeded(url: str) -> tuple[int, int] | None:
    """(sitting id, HR user id) of a database this bench seeded before, or None."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT s.id, s.created_by_id FROM sitting s WHERE s.title = '年度学法用法考试'")).first()
    except Exception:  # noqa: BLE001  (no schema yet: not seeded)
        found = None
    engine.dispose()
    return tuple(found) if found is not None else None


def _seed_and_measure(url: str, kind: str, rows: int, runs: int) -> None:
    started = time.perf_counter()
    ids = _seeded(url)
    if ids is None:
        ids = seed(url, rows)
        print(f"\n== {kind}: {rows:,} rows seeded in {time.perf_counter() - started:.0f} s ({os.cpu_count()} cores) ==")
    else:
        print(f"\n== {kind}: measured on the rows seeded before ({os.cpu_count()} cores) ==")
    for run in measure(url, *ids, runs):
        print(f"xlsx {run.seconds:6.2f} s wall, {run.cpu_seconds:6.2f} s CPU, {run.size // 1024:,} KB; "
              f"peak {run.peak_mb:.0f} MB, raised {run.raised_mb:.0f} MB above the process before")


if __name__ == "__main__":
    main()
