"""Case C-16: a candidate sees only their own results, and cannot call staff functions; nobody
unauthenticated gets anything."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from question_bank.models import Attempt, Role, User
from question_bank.services import attempts
from tests.scenarios import save, submit
from tests.webclient import without_csrf_tokens


@pytest.fixture
def two_results(make, db, clock, client_factory):
    """U1 and U2 each with a submitted attempt at the same sitting; returns (u1 client, a1, a2, sitting)."""
    make.questions(2, "single_choice", key=["B"])
    u1, u2 = make.cadre(), make.cadre()
    sitting = make.sitting(roster=[u1, u2], show_answers=True)
    ids = []
    for user, answer in ((u1, ["B"]), (u2, ["C"])):
        attempt = attempts.start_attempt(db, clock, user, sitting)
        attempts.save_response(db, clock, user, attempt.id, 1, answer, 1)
        attempts.submit_attempt(db, clock, user, attempt.id)
        ids.append(attempt.id)
    db.commit()
    client = client_factory()
    client.login(u1.username)
    return client, ids[0], ids[1], sitting


def _without_token(page: str) -> str:
    """The page without what differs by request, not by object: the signed CSRF token and the
    language switch's return address (the URL asked for)."""
    page = without_csrf_tokens(page)
    return re.sub(r'name="next" value="[^"]*"', "", page)


CANDIDATE_VIEWS = ["/me/attempts/{id}", "/me/attempts/{id}/result", "/me/attempts/{id}/review"]


def test_c16_a_candidate_reads_only_their_own_results(two_results):
    client, mine, theirs, _ = two_results
    for view in CANDIDATE_VIEWS:
        own = client.get(view.format(id=mine), follow_redirects=True)
        assert own.status_code == 200
        other = client.get(view.format(id=theirs))
        missing = client.get(view.format(id=theirs + 1000))
        assert other.status_code == missing.status_code == 404
        # "Not yours" looks exactly like "no such thing" (the per-render CSRF token aside).
        assert _without_token(other.get_data(as_text=True)) == _without_token(missing.get_data(as_text=True))
    state = client.get(f"/api/attempts/{theirs}/state", headers={"Accept": "application/json"})
    assert state.status_code == 404 and "score" not in state.get_json()


def test_c16_a_candidate_cannot_write_into_another_attempt(two_results, db):
    client, _, theirs, _ = two_results
    before = db.get(Attempt, theirs).score
    assert save(client, theirs, 1, ["B"], 99).status_code == 404
    assert submit(client, theirs, {1: ["B"]}).status_code == 404
    db.expire_all()
    assert db.get(Attempt, theirs).score == before


def test_c16_a_candidate_cannot_create_an_admin(two_results, db, make):
    client, *_ = two_results
    count = db.scalar(select(func.count(User.id)))
    response = client.form_post("/users/new", {"username": "evil", "display_name": "evil", "password": "x" * 12,
                                               "unit": make.root().id, "roles": "sysadmin"})
    assert response.status_code == 403
    assert db.scalar(select(func.count(User.id))) == count


def test_c16_a_candidate_cannot_edit_a_bank_question(two_results, db, make):
    client, *_ = two_results
    question = make.question("single_choice", key=["A"])
    stem = question.current_version.stem
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                {"qtype": "single_choice", "stem": "改过的题干", "option_a": "甲", "option_b": "乙",
                                 "key": "B", "category": "行政处罚法", "difficulty": 3})
    assert response.status_code == 403
    db.expire_all()
    assert question.current_version.stem == stem and question.current_version.key == ["A"]


def test_c16_a_candidate_cannot_export_a_score_sheet(two_results):
    client, _, _, sitting = two_results
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/sittings/{sitting.id}/scores.{fmt}")
        assert response.status_code == 403
        assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_c16_unauthenticated_requests_get_nothing(two_results, client_factory, make):
    _, mine, _, sitting = two_results
    anonymous = client_factory()
    question = make.question()
    pages = [v.format(id=mine) for v in CANDIDATE_VIEWS] + [
        "/users/new", f"/bank/questions/{question.id}/edit", f"/reports/sittings/{sitting.id}/scores.csv",
        "/exams/sittings", "/bank/import",
    ]
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page
    api = anonymous.get(f"/api/attempts/{mine}/state")
    assert api.status_code == 401 and "score" not in api.get_json()


def test_c16_staff_without_the_role_are_refused_too(make, client_factory, two_results):
    _, _, _, sitting = two_results
    editor = make.user(Role.BANK_EDITOR)
    client = client_factory()
    client.login(editor.username)
    assert client.get(f"/reports/sittings/{sitting.id}/scores.csv").status_code == 403
    assert client.get("/exams/sittings").status_code == 403
    assert client.get("/users/new").status_code == 403
