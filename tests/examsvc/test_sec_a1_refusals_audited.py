"""SEC-A1: candidate U1 walks U2's objects by id (and ids that do not exist). Each
refusal answers as "not found" does, reveals nothing of U2, and writes exactly one failed-authorisation
entry (``auth.refused``, with status, path, account, roles, address and agent), so an auditor sees
ids being walked; a refusal by role (403) writes exactly one as well (SEC-P3)."""

from __future__ import annotations

import pytest
from question_bank.models import AuditEvent
from tests.examsvc.sign_in_helpers import events
from tests.scenarios import WRITER, single_choice_exam, start_through_web

AGENT = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile"


@pytest.fixture
def others_attempt(client_factory, make):
    """U2's attempt in progress with a saved answer, and U1 (another cadre of the sitting) signed in."""
    exam = single_choice_exam(make, count=5, minutes=30)
    owner = client_factory()
    owner.login(exam.cadre.username)
    attempt_id = start_through_web(owner, exam.sitting)
    intruder_account = make.cadre(display_name="入侵者")
    intruder = client_factory()
    intruder.login(intruder_account.username)
    return attempt_id, exam.cadre, intruder, intruder_account


def walk(client, attempt_id: int) -> list[tuple[str, int, object]]:
    """Every candidate route that takes an attempt id, as U1 would call it: (path, status, body shape)."""
    out = []
    for path in (f"/me/attempts/{attempt_id}", f"/me/attempts/{attempt_id}/result",
                 f"/me/attempts/{attempt_id}/review", f"/api/attempts/{attempt_id}/state"):
        response = client.get(path, headers={"User-Agent": AGENT})
        out.append((path, response.status_code, sorted(response.get_json(silent=True) or {})))
    for path, body in ((f"/api/attempts/{attempt_id}/responses",
                        {"slot": 1, "answer": ["A"], "seq": 1, "writer": WRITER, "base": 0}),
                       (f"/api/attempts/{attempt_id}/submit", {"answers": {}})):
        response = client.post(path, json=body, headers={"X-CSRFToken": client.csrf, "User-Agent": AGENT})
        out.append((path, response.status_code, sorted(response.get_json(silent=True) or {})))
    return out


def test_sec_a1_walking_another_candidates_attempt_ids_answers_not_found_and_audits_each_refusal(others_attempt, db):
    attempt_id, owner, intruder, intruder_account = others_attempt
    theirs = walk(intruder, attempt_id)
    missing = walk(intruder, attempt_id + 1000)
    assert [status for _, status, _ in theirs] == [404] * 6
    # "Not yours" and "does not exist" look alike: same status, same body shape.
    assert [(s, shape) for _, s, shape in theirs] == [(s, shape) for _, s, shape in missing]
    refused = events(db, "auth.refused")
    assert [e.after["path"] for e in refused] == [path for path, _, _ in theirs + missing]
    assert {(e.actor_id, e.after["status"], e.after["agent"]) for e in refused} == {(intruder_account.id, 404, AGENT)}
    assert all(e.after["roles"] == ["cadre"] and e.after["address"] for e in refused)
    assert all(owner.display_name not in str(e.after) for e in refused)


def test_sec_p3_a_refusal_by_role_writes_one_entry_naming_the_roles_it_needed(others_attempt, db):
    _attempt_id, _owner, intruder, intruder_account = others_attempt
    assert intruder.get("/reports/sittings", headers={"User-Agent": AGENT}).status_code == 403
    (entry,) = [e for e in db.query(AuditEvent).all() if e.action.endswith("refused")]
    assert entry.action == "auth.refused" and entry.actor_id == intruder_account.id
    assert entry.after["status"] == 403 and entry.after["roles_needed"] == ["hr"] and entry.after["agent"] == AGENT


def test_sec_a1_a_page_that_is_no_route_is_not_taken_for_a_refusal(others_attempt, db):
    _attempt_id, _owner, intruder, _ = others_attempt
    assert intruder.get("/no-such-page").status_code == 404
    assert intruder.get("/static/no-such-file.css").status_code == 404
    assert events(db, "auth.refused") == []
