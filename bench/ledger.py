"""The score record's costs: submitting (marking, the ledger entry with its digests, the audit event),
verifying the chains, reconciling every attempt with the ledger, making a checkpoint, building
the HR score sheet with every score checked, and the appraisal summary of the year with its xlsx
written in openpyxl's write-only mode (time and peak Python memory), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.ledger [--candidates 500] [--pg URL]

Each candidate answers all 20 questions of the paper, then submits; the figures after that are for
the whole database (one sitting of ``--candidates`` attempts).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bench.autosave import CLOCK, _setup as setup_started_attempts
from bench.both_databases import DEFAULT_PG, on_both
from question_bank.db import make_engine, make_session_factory
from question_bank.formats import tabular
from question_bank.models import Attempt, Role, Sitting, User
from question_bank.reports import appraisal as report
from question_bank.services import (
    appraisal, attempts, audit, checkpoints, ledger, people, score_check, score_sheets,
)


def _timed(label: str, work: Callable[[], Any], per: int | None = None) -> Any:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    each = f"  ({1000 * seconds / per:.2f} ms each)" if per else ""
    print(f"  {label:<46} {seconds:>7.2f} s{each}")
    return result


def _run(url: str, candidates: int) -> None:
    pairs = setup_started_attempts(url, candidates)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        users = {u.id: u for u in db.scalars(select(User).where(User.id.in_([p[0] for p in pairs])))}
        for user_id, attempt_id in pairs:
            for slot in range(1, 21):
                attempts.save_response(db, CLOCK, users[user_id], attempt_id, slot, ["B"], slot)
        db.commit()

        def submit_all() -> None:
            for user_id, attempt_id in pairs:
                attempts.submit_attempt(db, CLOCK, users[user_id], attempt_id)
                db.commit()

        _timed(f"submit {candidates} attempts (mark, ledger, audit)", submit_all, per=candidates)
        check = _timed("verify the ledger chain", lambda: ledger.verify(db))
        assert check.ok, check.reason
        problems = _timed("reconcile every attempt (scores, digests)", lambda: score_check.reconcile(db))
        assert not problems, problems[:3]
        assert _timed("verify the audit chain", lambda: audit.verify(db)).ok
        key = checkpoints.signing_key(checkpoints.new_key_pair()[0])
        _timed("make a checkpoint (both chains walked)", lambda: checkpoints.make_checkpoint(db, CLOCK, key))
        db.commit()
        sitting = db.get(Attempt, pairs[0][1]).sitting
        hr = people.create_user(db, CLOCK, None, username="hr", display_name="人事", password="x" * 8,
                                unit=sitting.org_unit, roles=[Role.HR])
        db.commit()
        _, rows = _timed(f"HR score sheet of {candidates} rows, scores checked",
                         lambda: score_sheets.score_sheet(db, CLOCK, db.get(Sitting, sitting.id), hr))
        assert len(rows) == candidates
        chosen = appraisal.make_filter(db, hr, year=CLOCK.now().year, unit_id=hr.org_unit_id)
        summaries = _timed(f"appraisal summary of {candidates} cadres, scores checked",
                           lambda: appraisal.summary(db, hr, chosen, CLOCK.now()))
        assert sum(s.taken for s in summaries) == candidates
        _timed_memory(f"appraisal xlsx of {candidates} cadres (write-only)", lambda: _appraisal_xlsx(summaries))
    engine.dispose()


def _appraisal_xlsx(summaries) -> int:
    headers, rows = report.cadre_table(summaries)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        tabular.write_xlsx_rows(headers, rows, out, preamble=[("考核汇总（按人员）",)])
        return out.tell()


def _timed_memory(label: str, work: Callable[[], Any]) -> Any:
    tracemalloc.start()
    try:
        result = _timed(label, work)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"  {'  peak Python memory':<46} {peak / 1024 / 1024:>7.1f} MiB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    on_both(lambda url: _run(url, args.candidates), args.pg, "examsvc_bench_ledger")


if __name__ == "__main__":
    main()
