"""SEC-A2 (writing into another candidate's attempt) and SEC-A4 (mass assignment and client-computed
values): whatever a signed-in candidate adds to a request, it lands in their own attempt only, and
only as an answer; scores come from the server's marking of stored answers."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.idnumbers import check_character
from question_bank.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    ChangeState,
    Mark,
    RefusedChange,
    ResponseStep,
    Role,
    RosterEntry,
    ScoreChange,
    ScoreRecord,
    User,
)
from question_bank.services import attempts, score_changes
from tests.factories import roster_xlsx
from tests.scenarios import save, start_through_web, submit

def extra_fields(victim: User, victim_attempt: int) -> dict:
    """Every field SEC-A4 names, with values that claim a finished, fully scored attempt of someone else."""
    return {"score": 100, "is_correct": True, "status": "graded", "state": "submitted",
            "deadline": "2099-01-01T00:00:00+08:00", "started_at": "2000-01-01T00:00:00+08:00",
            "user_id": victim.id, "candidate_id": victim.id, "attempt_id": victim_attempt, "role": "sysadmin",
            "roles": "sysadmin", "is_admin": True, "approved_by": victim.id, "attempt_no": 7, "max_score": 1}


def rows_checksum(db, attempt_id: int) -> str:
    """A digest of every stored row of the attempt: the attempt, its items, answers (steps and refused
    changes), marks and score records."""
    db.expire_all()
    item_ids = select(AttemptItem.id).where(AttemptItem.attempt_id == attempt_id)
    queries = [select(Attempt).where(Attempt.id == attempt_id),
               select(AttemptItem).where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.id),
               select(ResponseStep).where(ResponseStep.attempt_id == attempt_id).order_by(ResponseStep.id),
               select(RefusedChange).where(RefusedChange.attempt_id == attempt_id).order_by(RefusedChange.id),
               select(Mark).where(Mark.attempt_item_id.in_(item_ids)).order_by(Mark.id),
               select(ScoreRecord).where(ScoreRecord.attempt_id == attempt_id).order_by(ScoreRecord.id)]
    digest = hashlib.sha256()
    for query in queries:
        for row in db.scalars(query):
            digest.update(repr(sorted((c.key, getattr(row, c.key)) for c in row.__table__.columns)).encode())
    return digest.hexdigest()


@pytest.fixture
def two_candidates(make, db, clock, client_factory):
    """U1 signed in with an attempt in progress; U2 on the same sitting with an attempt in progress and
    one saved answer. Returns (client of U1, U1's attempt id, U2, U2's attempt id)."""
    make.questions(2, "single_choice", key=["B"])
    u1, u2 = make.cadre(), make.cadre()
    sitting = make.sitting(roster=[u1, u2], shuffle=False)
    theirs = attempts.start_attempt(db, clock, u2, sitting)
    attempts.save_response(db, clock, u2, theirs.id, 1, ["C"], 1)
    db.commit()
    client = client_factory()
    client.login(u1.username)
    mine = start_through_web(client, sitting)
    return client, mine, u2, theirs.id


def test_sec_a2_a_save_or_submit_naming_anothers_attempt_in_the_url_is_refused(two_candidates, db):
    client, _, _, theirs = two_candidates
    before = rows_checksum(db, theirs)
    assert save(client, theirs, 1, ["B"], 5).status_code == 404
    assert submit(client, theirs, {1: ["B"], 2: ["B"]}).status_code == 404
    assert client.api_post(f"/api/attempts/{theirs}/takeover", {"page": "x"}).status_code == 404
    assert client.api_post(f"/api/attempts/{theirs}/presence", {"page": "x"}).status_code == 404
    assert rows_checksum(db, theirs) == before
    assert db.get(Attempt, theirs).state == AttemptState.IN_PROGRESS


def test_sec_a2_anothers_ids_in_the_body_write_into_ones_own_attempt_only(two_candidates, db):
    client, mine, u2, theirs = two_candidates
    before = rows_checksum(db, theirs)
    body = {"slot": 1, "answer": ["B"], "seq": 1, "writer": "page", "base": 0,
            "user_id": u2.id, "attempt_id": theirs, "candidate_id": u2.id}
    assert client.api_post(f"/api/attempts/{mine}/responses", body).status_code == 200
    reply = client.api_post(f"/api/attempts/{mine}/submit",
                            {"answers": {}, "user_id": u2.id, "attempt_id": theirs, "candidate_id": u2.id})
    assert reply.status_code == 200 and reply.get_json()["attempt_id"] == mine
    assert rows_checksum(db, theirs) == before
    own = db.get(Attempt, mine)
    assert own.user_id != u2.id and own.state == AttemptState.SUBMITTED
    assert db.scalar(select(func.count(ResponseStep.id)).where(ResponseStep.attempt_id == mine)) == 1


def test_sec_a2_a_submitted_attempt_of_another_stays_as_it_was(two_candidates, db, clock):
    client, _, u2, theirs = two_candidates
    attempts.submit_attempt(db, clock, u2, theirs)
    db.commit()
    before = rows_checksum(db, theirs)
    assert save(client, theirs, 1, ["B"], 9).status_code == 404
    assert submit(client, theirs, {1: ["B"]}).status_code == 404
    assert client.get(f"/api/attempts/{theirs}/state").status_code == 404
    assert rows_checksum(db, theirs) == before


def test_sec_a4_extra_fields_in_saves_and_submit_are_ignored_and_the_score_is_the_servers(two_candidates, db):
    client, mine, u2, theirs = two_candidates
    own = db.get(Attempt, mine)
    kept = (own.started_at, own.deadline, own.user_id, own.sitting_id)
    before_theirs = rows_checksum(db, theirs)
    extras = extra_fields(u2, theirs)
    # A wrong answer to slot 1 (the key is B), claimed as right and worth 100 points.
    reply = client.api_post(f"/api/attempts/{mine}/responses",
                            {**extras, "slot": 1, "answer": ["C"], "seq": 1, "writer": "page", "base": 0})
    assert reply.status_code == 200
    assert not {"score", "is_correct", "status", "role", "is_admin"} & reply.get_json().keys()
    final = client.api_post(f"/api/attempts/{mine}/submit", {**extras, "answers": {
        "2": {**extras, "answer": ["C"], "seq": 2, "writer": "page", "base": 0}}})
    assert final.status_code == 200
    db.expire_all()
    own = db.get(Attempt, mine)
    assert (own.started_at, own.deadline, own.user_id, own.sitting_id) == kept
    assert own.state == AttemptState.SUBMITTED and own.score == Decimal(0)
    assert [r.score for r in db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == mine))] == [Decimal(0)]
    assert rows_checksum(db, theirs) == before_theirs
    person = db.get(User, own.user_id)
    assert person.roles == {Role.CADRE}


def test_sec_a4_extra_fields_when_starting_and_on_the_password_form_change_nothing(make, db, client_factory):
    make.questions(2, "single_choice", key=["B"])
    cadre, other = make.cadre(), make.cadre()
    sitting = make.sitting(roster=[cadre, other], shuffle=False, minutes=30)
    client = client_factory()
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting, **extra_fields(other, 1))
    attempt = db.get(Attempt, attempt_id)
    assert attempt.user_id == cadre.id and attempt.attempt_no == 1
    assert (attempt.deadline - attempt.started_at).total_seconds() == 30 * 60
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == other.id)) == 0
    # The one form a candidate has about themselves: extra fields do not give roles or rename anyone.
    response = client.form_post("/password", {**extra_fields(other, 1), "display_name": "管理员", "current": "wrong"})
    assert response.status_code == 422
    db.expire_all()
    assert db.get(User, cadre.id).roles == {Role.CADRE} and db.get(User, cadre.id).display_name != "管理员"


def _id_number(n: int) -> str:
    body = f"32010219800101{n:03d}"
    return body + check_character(body)


def test_sec_a4_extra_roster_columns_are_not_read_into_anything(make, db, client_factory):
    admin = make.user(Role.EXAM_ADMIN)
    cadre = make.cadre(display_name="张三", id_number=_id_number(1))
    sitting = make.sitting()
    header = ("姓名", "身份证号", "单位", "现任职务", "拟任职务", "手机", "角色", "score", "is_admin", "user_id", "deadline")
    workbook = roster_xlsx([("张三", _id_number(1), "某单位", "科员", "科长", "13800000000", "sysadmin", "100",
                             "TRUE", str(admin.id), "2099-01-01")], header=header)
    client = client_factory()
    client.login(admin.username)
    response = client.form_post(f"/exams/sittings/{sitting.id}/roster/import",
                                {"file": (io.BytesIO(workbook), "名单.xlsx")}, content_type="multipart/form-data")
    # The columns the import reads are taken; the others are not read into anything.
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, cadre.id).roles == {Role.CADRE}
    entries = list(db.scalars(select(RosterEntry).where(RosterEntry.sitting_id == sitting.id)))
    assert [(e.user_id, e.current_post, e.proposed_post) for e in entries] == [(cadre.id, "科员", "科长")]
    assert all(e.extra_time_s == 0 for e in entries)


def test_sec_a4_a_replayed_approval_with_another_score_applies_the_proposed_one(make, db, clock, client_factory):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    proposer, approver = make.user(Role.EXAM_ADMIN), make.user(Role.EXAM_ADMIN)
    item = next(i for i in attempt.items if i.slot == 2)
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(25), "评分复核")
    db.commit()
    client = client_factory()
    client.login(approver.username)
    response = client.form_post(f"/exams/score-changes/{change.id}/decide",
                                {"decision": "approve", "note": "同意", "new_score": "50", "score": "50",
                                 "old_score": "0", "state": "approved"})
    assert response.status_code == 302
    db.expire_all()
    change = db.get(ScoreChange, change.id)
    assert change.state == ChangeState.APPROVED and change.new_score == Decimal(25)
    assert db.get(Attempt, attempt.id).score == Decimal(25)
