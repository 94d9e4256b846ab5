"""App-wide behaviour: URLs with numbers no id can have, the language kept across sign-in and
sign-out, headers on every response."""

from __future__ import annotations

import pytest

from question_bank.models import Role

HUGE = 99999999999999999999


@pytest.mark.parametrize("path", [
    f"/me/attempts/{HUGE}", f"/me/attempts/{HUGE}/result", f"/api/attempts/{HUGE}/state",
    f"/bank/questions/{HUGE}", f"/bank/batches/{HUGE}", f"/exams/sittings/{HUGE}", f"/exams/papers/{HUGE}",
    f"/reports/sittings/{HUGE}", f"/reports/sittings/{HUGE}/scores.csv",
])
def test_a_number_too_large_for_an_id_is_simply_not_found(client, make, path):
    staff = make.user(Role.CADRE, Role.BANK_EDITOR, Role.BANK_REVIEWER, Role.EXAM_ADMIN, Role.HR)
    client.login(staff.username)
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 404


def test_the_chosen_language_survives_signing_in_and_out(client, make):
    cadre = make.cadre()
    client.refresh_csrf("/login")
    client.form_post("/lang/en")
    client.login(cadre.username)
    assert "My exams" in client.get("/me/").get_data(as_text=True)
    client.form_post("/logout")
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_pages_send_a_strict_content_security_policy_and_no_caching(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_dashboard_shows_when_a_running_attempt_ends(client, make):
    from tests.scenarios import single_choice_exam, start_through_web

    exam = single_choice_exam(make, minutes=30)
    client.login(exam.cadre.username)
    client.form_post("/lang/en")
    start_through_web(client, exam.sitting)
    assert "Your attempt ends at 10:30:00." in client.get("/me/").get_data(as_text=True)


def test_a_json_body_nested_thousands_deep_is_refused_by_name_not_failed(client, make):
    # Outside trial: ten kilobytes of brackets raised a RecursionError past every handler (a 500).
    deep = '{"a":' + "[" * 5000 + "]" * 5000 + "}"
    client.refresh_csrf("/login")
    for path in ("/login", "/api/attempts/2/responses"):
        refused = client.post(path, data=deep, headers={"Content-Type": "application/json", "Accept": "application/json",
                                                        "X-CSRFToken": client.csrf or ""})
        assert refused.status_code == 422, path
        [problem] = refused.get_json()["problems"]
        assert problem["place"] == "请求内容" and "嵌套层数过多" in problem["message"], problem


def test_a_nul_character_in_a_search_or_a_form_is_refused_naming_the_field_on_both_databases(client, make, db):
    """PostgreSQL cannot store NUL; SQLite can. Refused before anything runs, so that both answer alike."""
    editor = make.user(Role.BANK_EDITOR)
    client.login(editor.username)
    search = client.get("/bank/questions?category=a%00b", headers={"Accept": "application/json"})
    assert search.status_code == 422 and [p["place"] for p in search.get_json()["problems"]] == ["分类"]
    page = client.get("/bank/questions?q=%00").get_data(as_text=True)
    assert "U+0000" in page
    signed_out = client.__class__(client.application, use_cookies=True)
    signed_out.refresh_csrf("/login")
    refused = signed_out.post("/login", data={"username": "x\x00", "password": "p", "csrf_token": signed_out.csrf},
                              headers={"Accept": "application/json"})
    assert refused.status_code == 422 and [p["place"] for p in refused.get_json()["problems"]] == ["用户名"]
