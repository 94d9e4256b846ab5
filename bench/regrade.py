"""A regrade's cost on a whole sitting: previewing and applying "void a question and remove it from
the total" when every attempt changes (a mark added, the total set, a ledger entry and digests per
attempt), then reconciling every attempt with the ledger, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.regrade [--candidates 500] [--pg URL]
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bench.autosave import CLOCK, _setup as setup_started_attempts
from bench.both_databases import DEFAULT_PG, on_both
from bench.ledger import _timed
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Attempt, RegradeKind, Role, User
from question_bank.services import attempts, people, regrade, score_check


def _run(url: str, candidates: int) -> None:
    pairs = setup_started_attempts(url, candidates)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        users = {u.id: u for u in db.scalars(select(User).where(User.id.in_([p[0] for p in pairs])))}
        for user_id, attempt_id in pairs:
            for slot in range(1, 21):
                attempts.save_response(db, CLOCK, users[user_id], attempt_id, slot, ["B"], slot)
            attempts.submit_attempt(db, CLOCK, users[user_id], attempt_id)
        db.commit()
        first = db.get(Attempt, pairs[0][1])
        sitting, question_id = first.sitting, first.items[0].question_version.question_id
        admin = people.create_user(db, CLOCK, None, username="admin", display_name="考务", password="x" * 8,
                                   unit=sitting.org_unit, roles=[Role.EXAM_ADMIN])
        db.commit()
        shown = _timed(f"preview: void a question for {candidates} attempts",
                       lambda: regrade.preview(db, admin, sitting.id, question_id, RegradeKind.VOID_REMOVED, "作废"),
                       per=candidates)
        assert len(shown.changes) == candidates
        db.rollback()

        def apply() -> None:
            regrade.apply(db, CLOCK, admin, sitting.id, question_id, RegradeKind.VOID_REMOVED, "作废")
            db.commit()

        _timed(f"apply it ({candidates} marks, totals, ledger entries)", apply, per=candidates)
        assert _timed("reconcile every attempt afterwards", lambda: score_check.reconcile(db)) == []
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    on_both(lambda url: _run(url, args.candidates), args.pg, "examsvc_bench_regrade")


if __name__ == "__main__":
    main()
