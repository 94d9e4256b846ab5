"""Every JSON write of the exam page needs the page's CSRF token (SEC, Flask-WTF's CSRFProtect):
a signed-in candidate's request without the token, or with one that is not this session's, is
refused with 400 "csrf" and changes nothing in the database: no answer, no submission, no focus
event, no device claim. The endpoints are found in the app's URL map, so a JSON endpoint added
later (or one exempted from CSRF by mistake) is covered too."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from question_bank.models import Attempt
from question_bank.db import Base
from tests.scenarios import WRITER, single_choice_exam, start_through_web

#: A valid body for each JSON write, as the exam page sends it.
BODIES = {
    "api.save_response": {"slot": 1, "answer": ["B"], "seq": 1, "writer": WRITER, "base": 0},
    "api.submit": {"answers": {"1": {"answer": ["B"], "seq": 2, "writer": WRITER, "base": 0}}},
    "api.focus": {"change": "left"},
    "api.claim": {"page": "another-page-token", "previous": None},
    "api.take_over": {"page": "another-page-token"},
}


def json_writes(app) -> list[str]:
    """Every endpoint of the JSON API that takes a POST, PUT, PATCH or DELETE."""
    return sorted(rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"})


def test_every_json_write_has_a_body_here(app):
    assert json_writes(app) == sorted(BODIES)


def _everything_stored(db) -> dict[str, object]:
    db.expire_all()
    counts = {table.name: db.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables}
    attempt = db.scalars(select(Attempt)).one()
    counts["attempt row"] = (attempt.state, attempt.finished_at, attempt.score, attempt.active_page)
    return counts


@pytest.fixture
def exam_page(client, make):
    exam = single_choice_exam(make, count=2)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    client.get(f"/me/attempts/{attempt_id}")
    return attempt_id


@pytest.mark.parametrize("endpoint", sorted(BODIES))
@pytest.mark.parametrize("token", ["none", "wrong", "another session's"])
def test_a_json_write_without_this_sessions_token_is_refused_and_stores_nothing(app, client, client_factory, make,
                                                                                 db, exam_page, endpoint, token):
    with app.test_request_context():
        path = url_for(endpoint, attempt_id=exam_page)
    headers = {"Accept": "application/json"}
    if token == "wrong":
        headers["X-CSRFToken"] = client.csrf[:-4] + ("AAAA" if not client.csrf.endswith("AAAA") else "BBBB")
    elif token == "another session's":
        other = client_factory()
        other.login(make.cadre().username)
        headers["X-CSRFToken"] = other.csrf
    before = _everything_stored(db)
    response = client.post(path, json=BODIES[endpoint], headers=headers)
    assert response.status_code == 400 and response.get_json()["error"] == "csrf", endpoint
    assert _everything_stored(db) == before
    # The same request with the page's own token is taken: the refusal was the token's doing.
    accepted = client.post(path, json=BODIES[endpoint], headers={**headers, "X-CSRFToken": client.csrf})
    assert accepted.status_code == 200, (endpoint, accepted.get_data(as_text=True))
