"""One active device through the JSON the exam page reads, with two app instances on one database
(two workers or hosts: nothing about who holds an attempt lives in a process), and the proctor's
view of the devices."""

from __future__ import annotations

import pytest

from examsvc import create_app
from question_bank.models import Role
from question_bank.services.marking import current_responses
from tests.scenarios import single_choice_exam, start_through_web
from tests.webclient import ExamClient

PHONE = {"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"}
PC = {"REMOTE_ADDR": "192.0.2.40", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"}


@pytest.fixture(scope="module")
def second_app(db_url, session_clock):
    """Another instance of the service on the same database, as a second gunicorn host runs it."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-key", "CLOCK": session_clock})
    app.test_client_class = ExamClient
    return app


@pytest.fixture
def devices(app, second_app, db, make):
    exam = single_choice_exam(make, count=3, key="C")
    phone, pc = app.test_client(), second_app.test_client()
    for device, environ in ((phone, PHONE), (pc, PC)):
        device.db_session = db
        device.environ_base.update(environ)
        device.login(exam.cadre.username)
    attempt_id = start_through_web(phone, exam.sitting)
    return exam, phone, pc, attempt_id


def _presence(client, attempt_id, page, previous=None, action="presence"):
    return client.api_post(f"/api/attempts/{attempt_id}/{action}", {"page": page, "previous": previous})


def _save(client, attempt_id, page, answer, seq, base):
    return client.api_post(f"/api/attempts/{attempt_id}/responses",
                           {"slot": 1, "answer": answer, "seq": seq, "writer": page, "base": base, "page": page})


def _held_here(client, attempt_id, page):
    return client.get(f"/api/attempts/{attempt_id}/state?page={page}",
                      headers={"Accept": "application/json"}).get_json()["held_here"]


def test_a_second_device_is_asked_and_after_taking_over_the_first_is_read_only(devices, db):
    exam, phone, pc, attempt_id = devices
    assert _presence(phone, attempt_id, "phonePage").get_json()["held_here"] is True
    assert _save(phone, attempt_id, "phonePage", ["A"], 1, 0).status_code == 200

    # The PC, served by the other instance, finds the attempt held: it must ask first.
    assert _presence(pc, attempt_id, "pcPage").get_json()["held_here"] is False
    assert _save(pc, attempt_id, "pcPage", ["B"], 1, 1).get_json()["error"] == "taken_over"
    assert _held_here(pc, attempt_id, "pcPage") is False and _held_here(phone, attempt_id, "phonePage") is True

    assert _presence(pc, attempt_id, "pcPage", action="takeover").get_json()["held_here"] is True
    refused = _save(phone, attempt_id, "phonePage", ["D"], 2, 1)
    assert refused.status_code == 409 and refused.get_json()["error"] == "taken_over"
    assert "另一台设备" in refused.get_json()["message"]
    assert _held_here(phone, attempt_id, "phonePage") is False
    submit = phone.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}, "page": "phonePage"})
    assert submit.status_code == 409 and submit.get_json()["error"] == "taken_over"

    assert _save(pc, attempt_id, "pcPage", ["C"], 1, 1).status_code == 200
    assert current_responses(db, attempt_id)[1].answer == ["C"]


def test_a_reload_in_the_same_tab_is_not_asked(devices):
    _, phone, _, attempt_id = devices
    _presence(phone, attempt_id, "load1")
    assert _presence(phone, attempt_id, "load2", previous="load1").get_json()["held_here"] is True
    assert _save(phone, attempt_id, "load1", ["A"], 1, 0).get_json()["error"] == "taken_over"


def test_a_submitted_attempt_cannot_be_taken_over(devices):
    _, phone, pc, attempt_id = devices
    _presence(phone, attempt_id, "phonePage")
    phone.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}, "page": "phonePage"})
    late = _presence(pc, attempt_id, "pcPage", action="takeover")
    assert late.status_code == 409 and late.get_json()["error"] == "already_submitted"


def test_the_proctor_sees_both_devices_with_addresses_and_browsers(devices, make, client_factory):
    exam, phone, pc, attempt_id = devices
    _presence(phone, attempt_id, "phonePage")
    _presence(pc, attempt_id, "pcPage")
    _presence(pc, attempt_id, "pcPage", action="takeover")
    make.user(Role.EXAM_ADMIN, username="proctor")
    proctor = client_factory()
    proctor.login("proctor")
    page = proctor.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    devices_table = page.split('id="devices"')[1].split("</table>")[0]
    took_over = devices_table.split('data-kind="took_over"')[1].split("</tr>")[0]
    assert "192.0.2.40" in took_over and "Chrome/120.0" in took_over
    assert "10.0.0.7" in took_over and "iPhone" in took_over
    assert "已在此继续作答" in took_over


def test_a_malformed_page_token_is_refused(devices):
    _, phone, _, attempt_id = devices
    reply = _presence(phone, attempt_id, "<script>")
    assert reply.status_code == 422 and reply.get_json()["problems"][0]["place"] == "页面"


def test_a_save_or_submit_that_names_no_page_is_refused_naming_the_field_not_as_taken_over(devices, db):
    """Issue-9 trial: a save without the page's token was answered "taken over", which sent the
    page read-only for a request it had simply malformed."""
    _, phone, _, attempt_id = devices
    _presence(phone, attempt_id, "phonePage")
    missing = phone.api_post(f"/api/attempts/{attempt_id}/responses",
                             {"slot": 1, "answer": ["A"], "seq": 1, "writer": "phonePage", "base": 0})
    body = missing.get_json()
    assert missing.status_code == 422 and body["error"] == "invalid"
    assert [p["place"] for p in body["problems"]] == ["页面"]
    submit = phone.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    assert submit.status_code == 422 and submit.get_json()["error"] == "invalid"
    assert 1 not in current_responses(db, attempt_id)
    assert _held_here(phone, attempt_id, "phonePage") is True
