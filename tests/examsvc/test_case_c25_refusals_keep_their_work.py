"""Case C-25: a refused request keeps the work done on the way to the refusal: a late save closes
the attempt at its deadline and that closure is committed, and an authorisation refusal leaves its
audit entry."""

from __future__ import annotations

import pytest

from question_bank.models import Attempt, AttemptState, AuditEvent, ResponseStep, Role
from tests.conftest import at
from tests.scenarios import save, single_choice_exam, start_through_web


def test_a_save_refused_after_the_deadline_leaves_the_attempt_closed_at_its_deadline(client, make, clock, db):
    exam = single_choice_exam(make, count=5, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)  # 10:00, deadline 10:30
    assert save(client, attempt_id, 1, ["B"], 1).status_code == 200
    clock.set(at("10:35:00"))
    refused = save(client, attempt_id, 2, ["B"], 2)
    assert refused.status_code == 409 and refused.get_json()["error"] == "deadline_passed"
    # Straight from the database, with no further request touching the attempt.
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")
    assert attempt.score is not None
    assert [s.slot for s in db.query(ResponseStep).filter_by(attempt_id=attempt_id)] == [1]
    assert db.query(AuditEvent).filter_by(action="attempt.auto_submitted", object_id=str(attempt_id)).count() == 1


def test_a_refused_submit_after_the_deadline_reports_the_payload_not_taken(client, make, clock, db):
    exam = single_choice_exam(make, count=5, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    clock.set(at("10:40:00"))
    reply = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {
        "1": {"answer": ["B"], "writer": "late-page", "seq": 1, "base": 0}}}).get_json()
    assert reply["state"] == "auto_submitted" and reply["payload_ignored"] == "deadline_passed"
    assert [(n["slot"], n["answer"], n["stored"]) for n in reply["not_taken"]] == [(1, ["B"], {"answer": None, "version": 0})]
    db.expire_all()
    assert db.get(Attempt, attempt_id).finished_at == at("10:30:00")


def test_an_authorisation_refusal_leaves_an_audit_entry(client, make, db):
    cadre = make.cadre()
    client.login(cadre.username)
    assert client.get("/exams/sittings").status_code == 403
    db.expire_all()
    entry = db.query(AuditEvent).filter_by(action="auth.refused").one()  # one entry per refusal (SEC-P3)
    assert entry.actor_id == cadre.id and entry.after["path"] == "/exams/sittings"
    assert str(Role.EXAM_ADMIN) in entry.after["roles_needed"] and entry.after["status"] == 403


@pytest.mark.parametrize("slot", ["²", "١", "1.0", "-1"])
def test_a_submit_naming_a_slot_that_is_not_a_plain_number_is_refused_not_a_crash(client, make, db, slot):
    """"²" passes str.isdigit() but int() refuses it: the payload is refused (422) and nothing is stored."""
    exam = single_choice_exam(make, count=5, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    reply = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {
        slot: {"answer": ["B"], "writer": "page", "seq": 1, "base": 0}}})
    assert reply.status_code == 422
    db.expire_all()
    assert db.query(ResponseStep).filter_by(attempt_id=attempt_id).count() == 0
    assert db.get(Attempt, attempt_id).finished_at is None
