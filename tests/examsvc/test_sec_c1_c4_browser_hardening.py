"""SEC-C1 (forged cross-site requests) and SEC-C4 (cookie flags and headers on every kind of response)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examsvc import create_app
from question_bank.models import Attempt, AttemptState, ResponseStep, Role
from tests.examsvc.route_matrix import client_as, requests_of
from tests.scenarios import save, single_choice_exam, start_through_web
from tests.webclient import PASSWORD, client_maker

ROOT = Path(__file__).resolve().parents[2]


# --- SEC-C1 -----------------------------------------------------------------------------------------------


@pytest.fixture
def exam_in_progress(make, client_factory):
    """A cadre signed in, with an attempt in progress and one saved answer: (client, attempt id)."""
    exam = single_choice_exam(make)
    client = client_factory()
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert save(client, attempt_id, 1, ["B"], 1).status_code == 200
    return client, attempt_id


def _stored(db, attempt_id: int) -> tuple:
    attempt = db.get(Attempt, attempt_id)
    steps = db.scalar(select(func.count(ResponseStep.id)).where(ResponseStep.attempt_id == attempt_id))
    return attempt.state, attempt.score, steps


@pytest.mark.parametrize("role_name", ["anonymous", "cadre", "exam_admin", "sysadmin"])
def test_sec_c1_every_write_without_a_token_is_refused_before_the_view(role_name, app, make, client_factory):
    """An auto-submitting form from another origin carries the session cookie but no token: every route
    that takes POST (all blueprints, the API, sign-out, password change) answers 400, whoever is signed in."""
    client = client_as(role_name, make, client_factory)
    for rule, method, url in requests_of(app):
        if method == "GET" or rule.endpoint == "auth.login":
            continue
        form = client.open(url, method=method, data={"next": "/"})
        assert form.status_code == 400, f"{method} {url}: {form.status_code}"
        plain = client.open(url, method=method, data='{"answers": {}}', content_type="text/plain",
                            headers={"Origin": "https://evil.example"})
        assert plain.status_code == 400, f"{method} {url} as text/plain: {plain.status_code}"


def test_sec_c1_the_sign_in_form_needs_its_token_too(client, make):
    cadre = make.cadre()
    response = client.post("/login", data={"username": cadre.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/me/").status_code == 302


def test_sec_c1_forged_save_submit_and_sign_out_change_nothing(exam_in_progress, db):
    client, attempt_id = exam_in_progress
    before = _stored(db, attempt_id)
    for path, body in ((f"/api/attempts/{attempt_id}/responses", '{"slot": 1, "answer": ["C"], "seq": 2}'),
                       (f"/api/attempts/{attempt_id}/submit", '{"answers": {}}')):
        for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/json"},
                        {"Content-Type": "application/json", "X-CSRFToken": "forged"}):
            assert client.post(path, data=body, headers=headers).status_code == 400
    assert client.post("/logout").status_code == 400
    assert _stored(db, attempt_id) == before
    assert db.get(Attempt, attempt_id).state == AttemptState.IN_PROGRESS
    assert client.get(f"/me/attempts/{attempt_id}").status_code == 200  # still signed in


def test_sec_c1_a_token_from_another_persons_session_is_refused(exam_in_progress, make, client_factory, db):
    client, attempt_id = exam_in_progress
    other = client_factory()
    other.login(make.cadre().username)
    before = _stored(db, attempt_id)
    client.csrf, own = other.csrf, client.csrf
    assert save(client, attempt_id, 1, ["C"], 2).status_code == 400
    assert client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}}).status_code == 400
    assert client.form_post("/password", {"current": PASSWORD, "new": "Another-pass-77",
                                          "confirm": "Another-pass-77"}).status_code == 400
    assert _stored(db, attempt_id) == before
    client.csrf = own
    assert save(client, attempt_id, 1, ["C"], 2).status_code == 200  # the session's own token still works


def test_sec_c1_no_write_is_reachable_by_get_head_or_options(app, make, client_factory, exam_in_progress, db):
    """Routes that change state take POST only: GET and HEAD get 405, OPTIONS runs no view."""
    client, attempt_id = exam_in_progress
    before = _stored(db, attempt_id)
    readable = {url for _, method, url in requests_of(app) if method == "GET"}
    post_only = [(rule, url) for rule, method, url in requests_of(app) if url not in readable]
    assert post_only, "no POST-only route found"
    for rule, url in post_only:
        url = url.replace("987654", str(attempt_id)) if rule.endpoint.startswith("api.") else url
        for method in ("GET", "HEAD"):
            assert client.open(url, method=method).status_code == 405, f"{method} {url}"
        # OPTIONS lists the methods (or is refused by the route's guard); it never runs the view.
        options = client.open(url, method="OPTIONS")
        assert options.status_code in (200, 302, 401, 403), f"OPTIONS {url}: {options.status_code}"
    assert client.get("/logout").status_code == 405
    assert _stored(db, attempt_id) == before


def test_sec_c1_no_view_is_exempt_from_csrf():
    """A static check: nothing in the service exempts a view from the token, or turns the check off."""
    for path in (ROOT / "examsvc").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "csrf.exempt" not in text and "@exempt" not in text, path
        assert not re.search(r"WTF_CSRF_(ENABLED|CHECK_DEFAULT)[\"']?\s*[:=]\s*False", text), path


# --- SEC-C4 -----------------------------------------------------------------------------------------------


@pytest.fixture
def production(db_url, session_clock, db, id_number_keys):
    """The service with the production configuration, and a route that fails, to see a real 500."""
    app = create_app({"PRODUCTION": True, "DATABASE_URL": db_url, "SECRET_KEY": "production-secret-key",
                      "ID_KEY": id_number_keys,
                      "CLOCK": session_clock})

    def fail():
        raise RuntimeError("forced failure for SEC-C4")

    app.add_url_rule("/forced-500", "forced_500", fail)
    return client_maker(app, db)


def _assert_hardened(response, what: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in policy, f"{what}: CSP lacks {directive}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what
    hsts = headers.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    assert match and int(match.group(1)) >= 365 * 24 * 3600, f"{what}: HSTS {hsts!r}"


def test_sec_c4_the_session_cookie_is_host_only_secure_httponly_and_samesite(production, make):
    client = production()
    cadre = make.cadre()
    client.refresh_csrf("/login")
    response = client.post("/login", data={"username": cadre.username, "password": PASSWORD,
                                           "csrf_token": client.csrf})
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie")]
    session = [c for c in cookies if c.startswith("__Host-session=")]
    assert session, cookies
    flags = [part.strip().lower() for part in session[0].split(";")]
    assert "secure" in flags and "httponly" in flags and "path=/" in flags
    assert "samesite=lax" in flags or "samesite=strict" in flags
    assert not any(flag.startswith("domain=") for flag in flags)
    assert not [c for c in cookies if c.startswith("session=")], "a cookie without the __Host- prefix"


def test_sec_c4_every_kind_of_response_carries_the_headers(production, make, db):
    exam = single_choice_exam(make)
    hr = make.user(Role.HR)
    candidate, officer, anonymous = production(), production(), production()
    _assert_hardened(anonymous.get("/login"), "the sign-in page")
    not_found = anonymous.get("/static/no-such-file.css")
    assert not_found.status_code == 404
    _assert_hardened(not_found, "a 404")
    failed = anonymous.get("/forced-500")
    assert failed.status_code == 500
    _assert_hardened(failed, "a 500")
    assert "forced failure" not in failed.get_data(as_text=True) and "Traceback" not in failed.get_data(as_text=True)

    candidate.login(exam.cadre.username)
    attempt_id = start_through_web(candidate, exam.sitting)
    page = candidate.get(f"/me/attempts/{attempt_id}")
    assert page.status_code == 200
    _assert_hardened(page, "the attempt page")
    assert page.headers["Cache-Control"] == "no-store"
    api = candidate.get(f"/api/attempts/{attempt_id}/state", headers={"Accept": "application/json"})
    assert api.status_code == 200 and api.is_json
    _assert_hardened(api, "a JSON reply")
    assert api.headers["Cache-Control"] == "no-store"
    candidate.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})

    officer.login(hr.username)
    for ext in ("csv", "xlsx"):
        export = officer.get(f"/reports/sittings/{exam.sitting.id}/scores.{ext}")
        assert export.status_code == 200
        _assert_hardened(export, f"the {ext} export")
        assert export.headers["Cache-Control"] == "no-store"
        assert export.headers["Content-Disposition"].startswith("attachment;")
