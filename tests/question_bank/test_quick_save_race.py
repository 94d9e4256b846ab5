"""Two autosaves of one slot at once (outside trial, issue 7): the second waits for the first's lock
on the attempt and must then see the step the first committed. On PostgreSQL a read that began
before the lock was granted did not (read committed reads each table as of the statement's start),
so both saves were "taken" and the older change replaced the newer one. SQLite lets one writer in at
a time, so there the two run one after the other and the outcome must be the same."""

from __future__ import annotations

from sqlalchemy.orm import Session

from question_bank.models import User
from question_bank.services import attempts, quick_save
from question_bank.services.marking import current_responses
from question_bank.services.slot_changes import Change, Outcome
from tests.lock_waits import second_during_first


def _open_attempt(db, clock, make) -> tuple[int, int]:
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    return cadre.id, attempt.id


def _save(clock, cadre_id: int, attempt_id: int, change: Change):
    def save(session: Session):
        claimant = quick_save.Claimant.of(session.get(User, cadre_id))
        return quick_save.save(session, clock, claimant, attempt_id, change, None, None)
    return save


def test_a_second_device_saving_the_same_slot_at_once_is_refused_not_taken(db, clock, make, engine):
    cadre_id, attempt_id = _open_attempt(db, clock, make)
    second = second_during_first(engine, _save(clock, cadre_id, attempt_id, Change(1, ["A"], "pc", 1, 0)),
                                 _save(clock, cadre_id, attempt_id, Change(1, ["C"], "phone", 1, 0)))
    # Based on version 0 while the PC's change is version 1: the fast path stores nothing and the
    # general path records the refusal and answers "stale".
    assert second is None
    db.expire_all()
    assert current_responses(db, attempt_id)[1].answer == ["A"]


def test_an_older_change_of_the_same_page_arriving_second_is_kept_as_superseded(db, clock, make, engine):
    cadre_id, attempt_id = _open_attempt(db, clock, make)
    second = second_during_first(engine, _save(clock, cadre_id, attempt_id, Change(1, ["B"], "page", 2, 0)),
                                 _save(clock, cadre_id, attempt_id, Change(1, ["A"], "page", 1, 0)))
    assert second is not None and second.outcome == Outcome.SUPERSEDED
    db.expire_all()
    assert current_responses(db, attempt_id)[1].answer == ["B"]

