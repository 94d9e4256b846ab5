"""Autosave across pages: two tabs or two devices of one attempt, retries, late arrivals, and
requests the server must refuse without failing."""

from __future__ import annotations

import pytest

from question_bank.models import ResponseStep
from question_bank.services.marking import current_responses
from tests.scenarios import save, single_choice_exam, start_through_web


@pytest.fixture
def exam_page(client, make):
    exam = single_choice_exam(make, count=5)
    client.login(exam.cadre.username)
    return start_through_web(client, exam.sitting)


def test_each_page_gets_its_own_writer_token(client, exam_page):
    tokens = {client.get(f"/me/attempts/{exam_page}").get_data(as_text=True).split('data-writer="')[1].split('"')[0]
              for _ in range(2)}
    assert len(tokens) == 2


def test_a_late_older_save_of_the_same_page_does_not_undo_a_newer_one(client, db, exam_page):
    save(client, exam_page, 1, ["C"], 5)
    late = save(client, exam_page, 1, ["A"], 4).get_json()
    assert late["saved"] is True and late["current"] is False
    assert current_responses(db, exam_page)[1].answer == ["C"]


def test_a_retried_save_is_stored_once(client, db, exam_page):
    for _ in range(3):
        assert save(client, exam_page, 2, ["B"], 1).status_code == 200
    assert db.query(ResponseStep).filter_by(attempt_id=exam_page, slot=2).count() == 1


@pytest.mark.parametrize("body", [
    {"slot": 1, "answer": ["A"], "seq": 10**30, "writer": "p", "base": 0},
    {"slot": 10**30, "answer": ["A"], "seq": 1, "writer": "p", "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 0, "writer": "p", "base": 0},
    {"slot": "1", "answer": ["A"], "seq": 1, "writer": "p", "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 1, "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "<script>", "base": 0},
    {"slot": 1, "answer": {"A": True}, "seq": 1, "writer": "p", "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 1.5, "writer": "p", "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p"},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p", "base": -1},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p", "base": "0"},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p", "base": 3},
    {"slot": 1, "answer": ["A\x00"], "seq": 1, "writer": "p", "base": 0},
    {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p\x00", "base": 0},
])
def test_a_malformed_save_is_refused_with_422_and_stores_nothing(client, db, exam_page, body):
    response = client.api_post(f"/api/attempts/{exam_page}/responses", body)
    assert response.status_code == 422 and response.get_json()["problems"]
    assert db.query(ResponseStep).count() == 0


def test_after_signing_out_elsewhere_a_save_is_refused_as_a_lost_session(client, db, exam_page):
    """What the exam page takes as "signed out": it keeps the change and asks to sign in again."""
    body = {"slot": 1, "answer": ["A"], "seq": 1, "writer": "p", "base": 0}
    page_token = client.csrf
    client.form_post("/logout")
    client.csrf = page_token
    refused = client.api_post(f"/api/attempts/{exam_page}/responses", body)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    assert client.get(f"/api/attempts/{exam_page}/state", headers={"Accept": "application/json"}).status_code == 401
    assert db.query(ResponseStep).count() == 0


def test_a_cadre_whose_paper_cannot_be_drawn_is_told_to_ask_the_administrator(client, make, db):
    make.questions(1, "single_choice")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=[cadre])
    client.login(cadre.username)
    client.form_post("/lang/en")
    refused = client.form_post(f"/me/sittings/{sitting.id}/start", {"pledge": "accepted"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "tell the exam administrator" in page and "requested" not in page
