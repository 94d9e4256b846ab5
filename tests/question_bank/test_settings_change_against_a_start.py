"""An exam admin changing a sitting's settings while a candidate starts it (tester finding: the look
for attempts in ``update_sitting`` took no lock, so a grace change could land beside an attempt
being started under the old grace). The two are applied one after the other, whichever comes first:
a change made while a start is under way waits for it and is then refused as for any started
sitting; a start made while a change is under way waits for it and starts under the new settings.

On PostgreSQL the second runs on its own connection while the first's transaction is open, and must
wait for it; SQLite lets one writer in at a time, so there the two run one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from question_bank.clock import FixedClock
from question_bank.db import make_session_factory
from question_bank.errors import Conflict
from question_bank.models import Attempt, AttemptItem, Paper, QuestionVersion, Role, Sitting, User
from question_bank.services import assembly, attempts, roster, sittings
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.lock_waits import PATIENCE_S, second_during_first

def _spec(paper_id: int, **changes: Any) -> SittingSpec:
    values = dict(title="任前法律知识考试", kind="pre_appointment", paper_id=paper_id, opens_at=at("09:00:00"),
                  closes_at=at("17:00:00"), time_limit_s=3600, grace_s=30)
    values.update(changes)
    return SittingSpec(**values)


def _scene(db: Session, clock, make) -> dict[str, int]:
    """An open sitting (an hour's limit, 30 s of grace) with one cadre on its roster, committed."""
    make.questions(2, "single_choice")
    paper = make.paper()
    admin, cadre = make.user(Role.EXAM_ADMIN), make.cadre()
    sitting = sittings.create_sitting(db, clock, admin, _spec(paper.id))
    roster.add_to_roster(db, clock, admin, sitting, [cadre.id])
    ids = {"admin": admin.id, "cadre": cadre.id, "sitting": sitting.id, "paper": paper.id}
    db.commit()
    return ids


def _start(clock, ids: dict[str, int]) -> Callable[[Session], Any]:
    def start(session: Session):
        return attempts.start_attempt(session, clock, session.get(User, ids["cadre"]),
                                      session.get(Sitting, ids["sitting"])).deadline
    return start


def _change(clock, ids: dict[str, int], **changes: Any) -> Callable[[Session], Any]:
    def change(session: Session):
        return sittings.update_sitting(session, clock, session.get(User, ids["admin"]),
                                       session.get(Sitting, ids["sitting"]), _spec(ids["paper"], **changes))
    return change


def test_a_grace_change_made_while_a_candidate_starts_waits_for_the_start_and_is_refused(db, clock, make, engine):
    ids = _scene(db, clock, make)
    refused = second_during_first(engine, _start(clock, ids), _change(clock, ids, grace_s=120))
    assert isinstance(refused, Conflict), refused
    assert "grace for late saves" in str(refused)
    db.expire_all()
    assert db.get(Sitting, ids["sitting"]).grace_s == 30


def test_a_start_made_while_the_time_limit_changes_waits_for_the_change_and_gets_the_new_limit(db, clock, make, engine):
    ids = _scene(db, clock, make)
    deadline = second_during_first(engine, _change(clock, ids, time_limit_s=1800), _start(clock, ids))
    # Started at 10:00 with the new half hour, not the old hour.
    assert deadline == at("10:30:00")
    db.expire_all()
    assert db.get(Sitting, ids["sitting"]).time_limit_s == 1800



def test_a_phone_and_a_pc_pressing_start_at_once_land_in_the_same_attempt(db, clock, make, engine):
    """The second start waits for the first (the candidate's roster entry is locked while a start
    looks for their attempt), then resumes the attempt the first made: no error, no second attempt."""
    ids = _scene(db, clock, make)
    made: list[int] = []

    def start(session: Session):
        attempt = attempts.start_attempt(session, clock, session.get(User, ids["cadre"]),
                                         session.get(Sitting, ids["sitting"]))
        made.append(attempt.id)
        return attempt.id

    resumed = second_during_first(engine, start, start)
    assert resumed == made[0], resumed
    db.expire_all()
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.sitting_id == ids["sitting"])) == 1


def test_two_cadres_starting_at_once_keep_the_first_start_as_the_questions_first_use(db, clock, make, engine):
    """A question's first use (``used_at``: from then on an edit makes a new version) is the first
    start that drew it. A second cadre whose draw read the questions as unused before the first
    start committed must not move it to their own, later, time."""
    ids = _scene(db, clock, make)
    second_cadre = make.cadre()
    roster.add_to_roster(db, clock, db.get(User, ids["admin"]), db.get(Sitting, ids["sitting"]), [second_cadre.id])
    # The paper's pools are kept before either start, so neither waits at the pool cache row.
    assembly.draw(db, db.get(Paper, ids["paper"]), seed=1)
    db.commit()
    later = FixedClock(at("10:05:00"))

    def second_start(session: Session):
        return attempts.start_attempt(session, later, session.get(User, second_cadre.id),
                                      session.get(Sitting, ids["sitting"])).id

    started = second_during_first(engine, _start(clock, ids), second_start)
    assert isinstance(started, int), started
    db.expire_all()
    first_uses = db.scalars(select(QuestionVersion.used_at)
                            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
                            .where(AttemptItem.attempt_id == started)).all()
    assert first_uses == [at("10:00:00")] * 2


def test_two_cadres_saving_at_once_at_one_sitting_do_not_wait_for_each_other(db, clock, make, engine):
    """A save locks the candidate's attempt row only, not the sitting it joins (every candidate of
    a sitting saves into the same sitting row's attempts: locking it would make them queue). On
    PostgreSQL the second save runs while the first's transaction is still open and must not come
    to wait; SQLite lets one writer in at a time, so there the first commits first."""
    ids = _scene(db, clock, make)
    second_cadre = make.cadre()
    roster.add_to_roster(db, clock, db.get(User, ids["admin"]), db.get(Sitting, ids["sitting"]), [second_cadre.id])
    first_attempt = attempts.start_attempt(db, clock, db.get(User, ids["cadre"]), db.get(Sitting, ids["sitting"])).id
    second_attempt = attempts.start_attempt(db, clock, second_cadre, db.get(Sitting, ids["sitting"])).id
    db.commit()
    sessions = make_session_factory(engine)
    with sessions() as first, sessions() as second:
        attempts.save_response(first, clock, first.get(User, ids["cadre"]), first_attempt, 1, ["A"], 1)
        if engine.dialect.name != "postgresql":
            first.commit()
        else:
            # Waiting at all is the fault; the timeout only turns a wait into an error.
            second.execute(text(f"SET LOCAL lock_timeout = '{PATIENCE_S}s'"))
        receipt = attempts.save_response(second, clock, second.get(User, second_cadre.id), second_attempt, 1, ["B"], 1)
        second.commit()
        first.commit()
    assert receipt.stored_answer == ["B"]
