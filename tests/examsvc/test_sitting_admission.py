"""A sitting's access code and allowed networks: the code is kept hashed and wrong codes are
throttled by a count in the database; the client address comes only from the configured trusted
proxy hops, so spoofed X-Forwarded-For, X-Real-IP and Forwarded headers change nothing; every
refusal is audited and committed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from examsvc import create_app
from question_bank.errors import InvalidInput
from question_bank.models import AccessCodeFailure, Attempt, AuditEvent
from question_bank.services import admission
from tests.conftest import at
from tests.scenarios import WRITER, save, single_choice_exam, state, submit
from tests.webclient import ExamClient

START = {"pledge": "accepted"}


def _start(client, sitting, **form):
    return client.form_post(f"/me/sittings/{sitting.id}/start", {**START, **form})


def _refusals(db, reason: str) -> list[AuditEvent]:
    db.rollback()
    return [e for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "sitting.admission_refused"))
            if e.after["reason"] == reason]


def _attempts(db, cadre) -> int:
    db.rollback()
    return db.query(Attempt).filter_by(user_id=cadre.id).count()


@pytest.fixture
def coded_exam(make, db):
    exam = single_choice_exam(make, access_code_hash=admission.hash_code("7391"))
    return exam


def test_the_access_code_is_kept_only_as_a_hash(coded_exam):
    assert "7391" not in coded_exam.sitting.access_code_hash


def test_a_wrong_access_code_is_refused_audited_and_counted(client, coded_exam, db):
    client.login(coded_exam.cadre.username)
    page = client.get(f"/me/sittings/{coded_exam.sitting.id}/start").get_data(as_text=True)
    assert 'name="access_code"' in page
    refused = _start(client, coded_exam.sitting, access_code="1234")
    assert refused.status_code == 403 and "4" in refused.get_data(as_text=True)
    assert _attempts(db, coded_exam.cadre) == 0
    assert len(_refusals(db, "access_code_wrong")) == 1
    assert db.query(AccessCodeFailure).count() == 1
    missing = _start(client, coded_exam.sitting)
    assert missing.status_code == 403 and len(_refusals(db, "access_code_missing")) == 1
    assert _start(client, coded_exam.sitting, access_code=" 7391 ").status_code == 302
    assert _attempts(db, coded_exam.cadre) == 1


def test_a_wrong_access_code_shows_the_form_again_as_filled_in_saying_what_was_wrong(client, coded_exam, db):
    """Issue-9 trial: a wrong code lost the accepted pledge (and the code typed) on an error page."""
    client.login(coded_exam.cadre.username)
    refused = _start(client, coded_exam.sitting, access_code="7319")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    form = page.split('id="start-confirmation"')[1]
    assert re.search(r'<input type="checkbox" id="pledge"[^>]* checked', form)
    assert re.search(r'id="access_code"[^>]*value="7319"', form)
    problems = page.split('id="problems"')[1].split("</div>")[0]
    assert "考试口令" in problems and "不正确" in problems and "4" in problems
    # Without the pledge ticked, the code typed is kept too.
    unticked = client.form_post(f"/me/sittings/{coded_exam.sitting.id}/start", {"access_code": "7391"})
    assert unticked.status_code == 422
    assert re.search(r'id="access_code"[^>]*value="7391"', unticked.get_data(as_text=True))
    assert not re.search(r'id="pledge"[^>]* checked', unticked.get_data(as_text=True))
    assert _attempts(db, coded_exam.cadre) == 0


def test_five_wrong_codes_lock_out_even_the_right_one_until_the_window_passes(client, coded_exam, clock, db):
    client.login(coded_exam.cadre.username)
    for n in range(admission.MAX_CODE_FAILURES):
        clock.set(at("10:00:00") + dt.timedelta(minutes=n))
        assert _start(client, coded_exam.sitting, access_code=f"000{n}").status_code == 403
    clock.set(at("10:05:00"))
    locked = _start(client, coded_exam.sitting, access_code="7391")
    assert locked.status_code == 403 and _attempts(db, coded_exam.cadre) == 0
    assert "10:15" in locked.get_data(as_text=True)  # the oldest wrong code leaves the 15-minute window then
    assert _refusals(db, "access_code_throttled")
    clock.set(at("10:15:01"))
    assert _start(client, coded_exam.sitting, access_code="7391").status_code == 302


def test_another_candidates_wrong_codes_do_not_lock_me_out(client, client_factory, make, coded_exam, db):
    other = make.cadre()
    coded_exam.sitting.roster.append(type(coded_exam.sitting.roster[0])(user_id=other.id, added_at=at("09:00:00")))
    db.commit()
    guesser = client_factory()
    guesser.login(other.username)
    for n in range(admission.MAX_CODE_FAILURES):
        _start(guesser, coded_exam.sitting, access_code=f"9{n}")
    client.login(coded_exam.cadre.username)
    assert _start(client, coded_exam.sitting, access_code="7391").status_code == 302


@pytest.fixture
def room_exam(make):
    return single_choice_exam(make, allowed_networks="10.20.0.0/16\n2001:db8:20::/48")


SPOOFS = [
    {"X-Forwarded-For": "10.20.1.5"},
    {"X-Real-IP": "10.20.1.5"},
    {"Forwarded": "for=10.20.1.5"},
    {"X-Forwarded-For": "10.20.1.5", "X-Real-IP": "10.20.1.5", "Forwarded": "for=10.20.1.5;proto=https"},
]


@pytest.mark.parametrize("headers", SPOOFS)
def test_spoofed_forwarding_headers_change_nothing_without_a_trusted_proxy(client, room_exam, db, headers):
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    client.login(room_exam.cadre.username)
    refused = client.form_post(f"/me/sittings/{room_exam.sitting.id}/start", START, headers=headers)
    assert refused.status_code == 403
    assert _attempts(db, room_exam.cadre) == 0
    events = _refusals(db, "address_not_allowed")
    assert events and events[-1].after["ip"] == "203.0.113.9"


@pytest.mark.parametrize("remote", ["10.20.255.1", "2001:db8:20:1::9", "::ffff:10.20.3.4"])
def test_a_candidate_inside_an_allowed_network_starts(client, room_exam, db, remote):
    client.environ_base["REMOTE_ADDR"] = remote
    client.login(room_exam.cadre.username)
    assert _start(client, room_exam.sitting).status_code == 302


@pytest.fixture
def behind_one_proxy(db_url, session_clock, db):
    """The app as deployed behind one reverse proxy (PROXY_HOPS = 1)."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-key",
                      "CLOCK": session_clock, "PROXY_HOPS": 1})
    app.test_client_class = ExamClient
    client = app.test_client()
    client.db_session = db
    client.environ_base["REMOTE_ADDR"] = "10.99.0.1"  # the proxy itself
    return client


def test_behind_a_trusted_proxy_the_address_it_saw_counts(behind_one_proxy, room_exam, db):
    behind_one_proxy.login(room_exam.cadre.username)
    assert _start(behind_one_proxy, room_exam.sitting).status_code == 403  # no header: the proxy's own address
    assert behind_one_proxy.form_post(f"/me/sittings/{room_exam.sitting.id}/start", START,
                                      headers={"X-Forwarded-For": "10.20.1.5"}).status_code == 302


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-For": "10.20.1.5, 203.0.113.9"},  # the client's own entry, then what the proxy saw
    {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "10.20.1.5"},
    {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=10.20.1.5"},
])
def test_behind_a_trusted_proxy_spoofed_entries_beyond_it_change_nothing(behind_one_proxy, room_exam, db, headers):
    behind_one_proxy.login(room_exam.cadre.username)
    refused = behind_one_proxy.form_post(f"/me/sittings/{room_exam.sitting.id}/start", START, headers=headers)
    assert refused.status_code == 403
    assert _refusals(db, "address_not_allowed")[-1].after["ip"] == "203.0.113.9"


def test_the_exam_page_is_refused_outside_the_allowed_networks(client, room_exam, db):
    client.environ_base["REMOTE_ADDR"] = "10.20.0.7"
    client.login(room_exam.cadre.username)
    attempt_id = int(_start(client, room_exam.sitting).headers["Location"].rsplit("/", 1)[1])
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert client.get(f"/me/attempts/{attempt_id}").status_code == 403
    assert _refusals(db, "address_not_allowed")[-1].after["ip"] == "198.51.100.4"


@pytest.mark.parametrize("text, message", [
    ("10.20.1.5/16", "10.20.0.0/16"),
    ("10.300.0.0/16", "not an IP address"),
    ("2001:db8::/129", "not an IP address"),
])
def test_a_bad_network_is_refused_naming_its_line(text, message):
    with pytest.raises(InvalidInput) as refused:
        admission.parse_networks("10.0.0.0/8\n" + text)
    problem = refused.value.problems[0]
    assert problem.params["line"] == 2 and problem.place == "allowed_networks" and message in str(problem)


def test_networks_are_stored_in_standard_form_without_comments():
    assert admission.networks_text("10.20.0.0/16  # 考场一\n\n2001:DB8::/32\n192.168.1.7") == \
        "10.20.0.0/16\n2001:db8::/32\n192.168.1.7/32"


def _started_in_the_room(client, room_exam) -> int:
    client.environ_base["REMOTE_ADDR"] = "10.20.0.7"
    client.login(room_exam.cadre.username)
    return int(_start(client, room_exam.sitting).headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("outside", ["198.51.100.4", "2001:db8:99::1", "::ffff:198.51.100.4"])
def test_a_save_from_outside_the_allowed_networks_is_refused_saying_why_and_audited(client, room_exam, db, outside):
    attempt_id = _started_in_the_room(client, room_exam)
    client.environ_base["REMOTE_ADDR"] = outside
    refused = save(client, attempt_id, 1, ["B"], seq=1)
    assert refused.status_code == 403
    body = refused.get_json()
    assert body["error"] == "forbidden" and outside in body["message"]  # says why, with the address seen
    assert "saved" not in body and "stored" not in body
    event = _refusals(db, "address_not_allowed")[-1]
    assert event.after["ip"] == outside and event.after["during"] == "save"
    # Nothing stored: back in the room, the very same change (same page, same number) is taken.
    client.environ_base["REMOTE_ADDR"] = "10.20.0.7"
    assert state(client, attempt_id)["answered"] == 0
    taken = save(client, attempt_id, 1, ["B"], seq=1)
    assert taken.status_code == 200 and taken.get_json()["saved"] is True
    assert state(client, attempt_id)["responses"] == {"1": ["B"]}


@pytest.mark.parametrize("headers", SPOOFS)
def test_spoofed_forwarding_headers_do_not_admit_a_save_or_submit(client, room_exam, db, headers):
    attempt_id = _started_in_the_room(client, room_exam)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    path = f"/api/attempts/{attempt_id}/responses"
    body = {"slot": 1, "answer": ["B"], "seq": 1, "writer": WRITER, "base": 0}
    assert client.post(path, json=body, headers={"X-CSRFToken": client.csrf, **headers}).status_code == 403
    submit_path = f"/api/attempts/{attempt_id}/submit"
    assert client.post(submit_path, json={"answers": {}}, headers={"X-CSRFToken": client.csrf, **headers}).status_code == 403
    assert [e.after["ip"] for e in _refusals(db, "address_not_allowed")][-2:] == ["203.0.113.9", "203.0.113.9"]


def test_a_submit_from_outside_the_allowed_networks_is_refused_and_the_attempt_stays_open(client, room_exam, db):
    attempt_id = _started_in_the_room(client, room_exam)
    assert save(client, attempt_id, 1, ["A"], seq=1).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    refused = submit(client, attempt_id, {2: ["B"]})
    assert refused.status_code == 403 and "198.51.100.4" in refused.get_json()["message"]
    event = _refusals(db, "address_not_allowed")[-1]
    assert event.after["during"] == "submit"
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.is_open and attempt.finished_at is None
    client.environ_base["REMOTE_ADDR"] = "10.20.0.7"
    assert state(client, attempt_id)["responses"] == {"1": ["A"]}  # the refused payload stored nothing
    handed_in = submit(client, attempt_id, {2: ["B"]})
    assert handed_in.status_code == 200 and handed_in.get_json()["state"] == "submitted"


def test_a_stale_tab_outside_the_network_is_told_the_attempt_is_closed_not_refused(client, room_exam, db):
    """Once handed in nothing can be written from anywhere: the page is told so (409) and goes to
    its result, rather than retrying a refusal for ever."""
    attempt_id = _started_in_the_room(client, room_exam)
    assert submit(client, attempt_id).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert save(client, attempt_id, 1, ["B"], seq=5).status_code == 409
    assert not _refusals(db, "address_not_allowed")


def test_a_late_save_from_outside_the_network_is_refused_and_still_closes_the_attempt_at_its_deadline(
        client, room_exam, clock, db):
    attempt_id = _started_in_the_room(client, room_exam)
    assert save(client, attempt_id, 1, ["B"], seq=1).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    clock.set(at("10:30:31"))  # deadline 10:30:00 + 30 s grace + 1 s
    assert save(client, attempt_id, 2, ["B"], seq=2).status_code == 403
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == "auto_submitted" and attempt.finished_at == at("10:30:00")
    assert attempt.score == 20  # the answer held by the deadline, nothing of the refused save


@pytest.mark.parametrize("typed", ["７３９１", "7 3 9 1", "７３９１\u3000"])
def test_the_right_code_typed_in_full_width_or_with_spaces_starts(client, coded_exam, db, typed):
    """Issue-9 trial, finding 3: a phone's Chinese input method in full-width mode wrote the right
    code, which was refused and counted as a wrong try."""
    client.login(coded_exam.cadre.username)
    assert _start(client, coded_exam.sitting, access_code=typed).status_code == 302
    assert not _refusals(db, "access_code_wrong")


@pytest.fixture
def lettered_exam(make, db):
    exam = single_choice_exam(make, access_code_hash=admission.hash_code("Ab12"))
    db.commit()
    return exam


@pytest.mark.parametrize("typed", ["ab12", "AB12", "Ａｂ１２", "ａｂ１２"])
def test_a_lettered_code_is_taken_in_any_letter_case_and_width(client, lettered_exam, db, typed):
    client.login(lettered_exam.cadre.username)
    assert _start(client, lettered_exam.sitting, access_code=typed).status_code == 302
    assert not _refusals(db, "access_code_wrong")


def test_a_code_in_another_width_is_still_a_wrong_code_when_its_characters_differ(client, lettered_exam, db):
    client.login(lettered_exam.cadre.username)
    refused = _start(client, lettered_exam.sitting, access_code="Ａｂ１３")
    assert refused.status_code == 403 and len(_refusals(db, "access_code_wrong")) == 1


def test_a_code_stored_before_codes_were_folded_still_matches_as_typed_and_in_full_width():
    from werkzeug.security import generate_password_hash

    stored = generate_password_hash("Ab12", method="scrypt:1024:8:1")
    assert admission.code_matches(stored, " Ab12 ") and admission.code_matches(stored, "Ａｂ１２")
    assert not admission.code_matches(stored, "Ab13")
