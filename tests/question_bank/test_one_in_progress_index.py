"""One attempt in progress per candidate per sitting is held by the database (the partial unique
index ``uq_attempt_one_in_progress``, domain.md §6), not only by the service's checks: two starts
that both got past every check (two workers, a phone and a PC pressing Start at once) still leave
one attempt in progress, and the other start fails instead of making a second one.

The service's own guards (the roster entry's row lock, the look for an open attempt and the count of
attempts used, one read) are switched off here so that only the index stands between the two starts; the
two starts number their attempts differently, so the (sitting, user, attempt_no) constraint cannot
be what stops them."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from question_bank.db import make_session_factory
from question_bank.models import Attempt, AttemptState, Sitting, User
from question_bank.services import attempts


def _without_the_services_guards(monkeypatch, barrier: threading.Barrier | None) -> None:
    """Each start sees no open attempt and numbers its attempt by its thread (1 or 2); with a
    barrier, both starts wait there until both are past the checks, so they insert concurrently."""
    numbers = {}
    original_entry = attempts.roster_entry

    def entry_unlocked(session, sitting, candidate, *, lock=False):
        return original_entry(session, sitting, candidate, lock=False)

    def none_open(session, sitting, candidate):
        numbers.setdefault(threading.get_ident(), len(numbers))
        if barrier is not None:
            barrier.wait(timeout=60)
        return None, numbers[threading.get_ident()]

    monkeypatch.setattr(attempts, "roster_entry", entry_unlocked)
    monkeypatch.setattr(attempts, "attempts_so_far", none_open)


def test_two_starts_past_every_check_leave_one_attempt_in_progress(db, clock, make, engine, monkeypatch):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], attempts_allowed=2)
    sitting_id, cadre_id = sitting.id, cadre.id
    db.commit()
    # SQLite lets one writer in at a time, so there the two starts cannot meet inside the checks:
    # they run one after the other, the second still past every check of the service.
    concurrent = engine.dialect.name == "postgresql"
    _without_the_services_guards(monkeypatch, threading.Barrier(2) if concurrent else None)
    sessions = make_session_factory(engine)
    outcomes: list[object] = []

    def press_start() -> None:
        with sessions() as session:
            try:
                attempts.start_attempt(session, clock, session.get(User, cadre_id), session.get(Sitting, sitting_id))
                session.commit()
                outcomes.append("started")
            except IntegrityError as exc:
                session.rollback()
                outcomes.append(exc)

    threads = [threading.Thread(target=press_start) for _ in range(2)]
    for thread in threads:
        thread.start()
        if not concurrent:
            thread.join(timeout=120)
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    assert outcomes.count("started") == 1
    refused = [o for o in outcomes if isinstance(o, IntegrityError)]
    assert len(refused) == 1
    # PostgreSQL names the index; SQLite names its columns.
    assert re.search(r"uq_attempt_one_in_progress|attempt\.sitting_id, attempt\.user_id$", str(refused[0].orig))
    db.expire_all()
    in_progress = db.scalar(select(func.count(Attempt.id)).where(
        Attempt.sitting_id == sitting_id, Attempt.user_id == cadre_id, Attempt.state == AttemptState.IN_PROGRESS))
    assert in_progress == 1

