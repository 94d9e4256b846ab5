"""Case C-16: nobody unauthenticated writes anything. Every POST, PUT, PATCH and DELETE route of
the app's URL map (so a route added later is covered without touching this test), sent with a
valid CSRF token (so that the token is not what refuses it) and at real objects, is answered with
the sign-in page (pages) or 401 (the JSON API), and the database is exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.db import Base
from question_bank.models import Role
from question_bank.services import attempts

#: The writes anyone may send: signing in, signing out (a no-op without a session), choosing the
#: interface language (kept in the browser session only) and looking up a printed score report's
#: verification code (public by design; it stores only the lookup, for its rate limit) and using a
#: one-time reset link (the link is the credential; a made-up one is refused, tests/examsvc/test_reset_links_sec_t7.py).
PUBLIC_WRITES = {"auth.login", "auth.logout", "auth.set_language", "verification.lookup", "auth.reset_with_link"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _write_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & WRITE_METHODS),
                  key=lambda rule: rule.rule)


def _everything_stored(db) -> dict[str, int]:
    db.expire_all()
    return {table.name: db.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables}


@pytest.fixture
def objects(make, db, clock):
    """Real objects for the routes' ids: a sitting with a submitted attempt, a question, users."""
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(roster=[cadre])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    question = make.question()
    admin = make.user(Role.SYSADMIN)
    ids = {"attempt_id": attempt.id, "sitting_id": sitting.id, "paper_id": sitting.paper_id,
           "question_id": question.id, "user_id": admin.id, "unit_id": admin.org_unit_id,
           "category_id": question.category_id, "entry_id": sitting.roster[0].id, "item_id": attempt.items[0].id}
    return ids


def test_c16_anonymous_writes_to_every_write_route_are_refused_and_store_nothing(app, client_factory, db, objects):
    anonymous = client_factory()
    token = anonymous.refresh_csrf("/login")
    rules = [rule for rule in _write_rules(app) if rule.endpoint not in PUBLIC_WRITES]
    assert len(rules) > 60  # the walk found the app's routes
    before = _everything_stored(db)
    for rule in rules:
        with app.test_request_context():
            path = rule.build({name: objects.get(name, 1) for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & WRITE_METHODS):
            if path.startswith("/api/"):
                response = anonymous.open(path, method=method, json={"slot": 1, "answer": ["B"], "seq": 9},
                                          headers={"X-CSRFToken": token, "Accept": "application/json"})
                assert response.status_code == 401, (method, path, response.status_code)
                assert set(response.get_json()) <= {"error", "message", "login_url"}, path
            else:
                response = anonymous.open(path, method=method, data={"csrf_token": token, "title": "x"})
                assert response.status_code == 302, (method, path, response.status_code)
                assert response.headers["Location"].split("?")[0].endswith("/login"), (method, path)
    assert _everything_stored(db) == before
