"""SEC-C3: session lifecycle and revocation. Revocation is stored in the database (the account's
session epoch), so a copied cookie is refused by a second app instance sharing the database just
as by the first; idle and absolute limits never cut off an attempt in progress."""

from __future__ import annotations

import datetime as dt

import pytest

from examsvc import create_app
from sqlalchemy import select

from question_bank.models import ResponseStep, Role
from tests.scenarios import save, single_choice_exam, start_through_web
from tests.webclient import ExamClient, PASSWORD, client_maker


@pytest.fixture
def second_instance(db_url, session_clock, db):
    """Another app process in production's sense: its own engine, the same database and secret."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-key",
                      "CLOCK": session_clock})
    yield client_maker(app, db)


def copy_session(source: ExamClient, target: ExamClient) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def signed_in(client: ExamClient, path: str = "/me/") -> bool:
    response = client.get(path)
    return response.status_code == 200


def test_sec_c3_a_signing_in_gives_a_new_session_and_forgets_the_one_before(client, make):
    cadre = make.cadre()
    before_token = client.refresh_csrf("/login")
    before_cookie = client.get_cookie("session").value
    client.login(cadre.username)
    assert client.get_cookie("session").value != before_cookie
    # The token of the session before sign-in no longer works (the session was replaced, not reused).
    response = client.post("/password", data={"csrf_token": before_token, "current": PASSWORD,
                                              "new": "Another-pass-77", "confirm": "Another-pass-77"})
    assert response.status_code == 400


def test_sec_c3_b_a_cookie_copied_before_sign_out_is_refused_on_every_instance(client, client_factory,
                                                                                 second_instance, make):
    cadre = make.cadre()
    client.login(cadre.username)
    same_worker, other_worker = client_factory(), second_instance()
    copy_session(client, same_worker)
    copy_session(client, other_worker)
    assert signed_in(same_worker) and signed_in(other_worker)
    client.form_post("/logout")
    assert not signed_in(same_worker)
    assert not signed_in(other_worker)
    assert other_worker.get("/me/").headers["Location"].startswith("/login")


def test_sec_c3_c_disabling_an_account_ends_its_live_session_everywhere(client, client_factory, second_instance, make):
    cadre = make.cadre()
    admin = make.user(Role.SYSADMIN, username="root")
    phone = second_instance()
    phone.login(cadre.username)
    assert signed_in(phone)
    client.login(admin.username)
    assert client.form_post(f"/users/{cadre.id}/disable", {"reason": "离职"}).status_code == 302
    assert not signed_in(phone)
    # Nor can the person sign in again while disabled.
    again = client_factory()
    again.refresh_csrf()
    response = again.form_post("/login", {"username": cadre.username, "password": PASSWORD})
    assert response.status_code == 200 and "Location" not in response.headers


def test_sec_c3_d_changing_the_password_on_one_device_signs_out_the_other(client_factory, second_instance, make):
    cadre = make.cadre()
    device1, device2 = client_factory(), second_instance()
    device1.login(cadre.username)
    device2.login(cadre.username)
    response = device1.form_post("/password", {"current": PASSWORD, "new": "Another-pass-77",
                                               "confirm": "Another-pass-77"})
    assert response.status_code == 302
    assert signed_in(device1)  # the device that changed it stays signed in
    assert not signed_in(device2)


def test_sec_c3_d_a_password_reset_signs_out_every_device(client, second_instance, make):
    cadre = make.cadre()
    phone = second_instance()
    phone.login(cadre.username)
    client.login(make.user(Role.SYSADMIN, username="root").username)
    assert client.form_post(f"/users/{cadre.id}/reset-password").status_code == 200
    assert not signed_in(phone)


def test_sec_c3_e_an_idle_session_ends_but_not_during_an_attempt_which_is_kept_to_resume(client, make, clock, app,
                                                                                        monkeypatch, db):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    exam = single_choice_exam(make, minutes=60)
    client.login(exam.cadre.username)
    clock.advance(minutes=31)
    assert not signed_in(client)  # idle with nothing running: a fresh sign-in is needed
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert save(client, attempt_id, 1, "B", 1).status_code == 200
    clock.advance(minutes=40)  # reading the paper for 40 minutes without a save
    assert client.get(f"/me/attempts/{attempt_id}").status_code == 200
    assert save(client, attempt_id, 2, "B", 2).status_code == 200
    client.form_post("/logout")
    client.login(exam.cadre.username)
    assert start_through_web(client, exam.sitting) == attempt_id  # the same attempt, resumed
    answers = db.scalars(select(ResponseStep.answer).where(ResponseStep.attempt_id == attempt_id)).all()
    assert len(answers) == 2


def test_sec_c3_e_steady_use_keeps_a_session_while_its_last_use_is_recorded_to_the_minute(client, make, clock, app,
                                                                                          monkeypatch):
    # The last use is recorded at most once a minute (the cookie is not re-signed on every
    # autosave), so use in steps under a minute, and a minute past one, must both keep it alive.
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 2)
    cadre = make.user(Role.CADRE)
    client.login(cadre.username)
    for _ in range(12):  # six minutes in 30-second steps: three times the idle limit
        clock.advance(seconds=30)
        assert signed_in(client)
    clock.advance(seconds=61)
    assert signed_in(client)
    clock.advance(seconds=119)  # two minutes since the last use was recorded: still within the limit
    assert signed_in(client)
    clock.advance(seconds=121)  # idle for over two minutes since then
    assert not signed_in(client)


def test_sec_c3_e_a_one_minute_idle_limit_still_keeps_a_session_in_steady_use(client, make, clock, app, monkeypatch):
    # Outside trial: with the last use recorded at most once a minute, a one-minute limit signed a
    # session out a minute after sign-in however often it was used.
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 1)
    client.login(make.user(Role.CADRE).username)
    for step in (30, 25, 15, 20, 25, 30):
        clock.advance(seconds=step)
        assert signed_in(client), step
    clock.advance(seconds=61)
    assert not signed_in(client)


def test_sec_c3_f_the_absolute_lifetime_never_cuts_off_a_running_attempt(client, client_factory, make, clock, app,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 1)
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    exam = single_choice_exam(make, minutes=180)  # a 3-hour sitting, longer than the lifetime
    staff = client_factory()
    staff.login(make.user(Role.EXAM_ADMIN, username="kaowu").username)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    start = clock.now()
    for minute in range(20, 180, 20):  # exam activity every 20 minutes for three hours
        clock.set(start + dt.timedelta(minutes=minute))
        assert save(client, attempt_id, 1, "B", minute).status_code == 200, minute
        assert client.get(f"/me/attempts/{attempt_id}").status_code == 200, minute
        staff.get("/")
    assert not signed_in(staff, "/exams/sittings")  # the same lifetime ends a session without an attempt
    # After the attempt's deadline and grace the session ends like any other.
    clock.set(start + dt.timedelta(minutes=185))
    assert not signed_in(client)


def test_a_new_secret_key_ends_every_session_unless_the_old_one_is_a_fallback(db_url, session_clock, db, make):
    # The session cookie's serializer is made once per key (issue 7): a key rotated in a running app
    # must still be the one that signs and checks, and the old key count only as a fallback.
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "old-secret-key",
                      "CLOCK": session_clock})
    client = client_maker(app, db)()
    client.login(make.cadre().username)
    assert signed_in(client)
    app.secret_key = "new-secret-key"
    assert not signed_in(client)
    app.config["SECRET_KEY_FALLBACKS"] = ["old-secret-key"]
    assert signed_in(client)
