"""SEC-P3 and SEC-A1: sign-in, sign-out, failed sign-in and refused authorisation are audit events
with the time, account, roles, client address and user agent. The address is the one the
configured proxies saw: headers a client adds itself change nothing. Injected text stays data."""

from __future__ import annotations

import pytest

from question_bank.models import Role
from tests.examsvc.sign_in_helpers import events, instance, try_sign_in
from tests.webclient import PASSWORD

AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0"


def test_sec_p3_signing_in_and_out_is_audited_with_address_agent_and_roles(db_url, session_clock, db, clock, make):
    officer = make.user(Role.EXAM_ADMIN, Role.HR)
    client = instance(db_url, session_clock, db)
    assert try_sign_in(client, officer.username, PASSWORD, "192.0.2.10", **{"User-Agent": AGENT}).status_code == 302
    client.refresh_csrf("/exams/sittings")
    client.post("/logout", data={"csrf_token": client.csrf}, environ_base={"REMOTE_ADDR": "192.0.2.11"})
    (sign_in,), (sign_out,) = events(db, "auth.sign_in"), events(db, "auth.sign_out")
    assert (sign_in.actor_id, sign_in.object_id) == (officer.id, str(officer.id))
    assert sign_in.after == {"address": "192.0.2.10", "agent": AGENT, "roles": ["exam_admin", "hr"]}
    assert sign_in.occurred_at == clock.now()
    assert sign_out.actor_id == officer.id and sign_out.after["address"] == "192.0.2.11"


def test_sec_p3_a_failed_sign_in_names_the_typed_name_without_letting_it_forge_anything(db_url, session_clock, db,
                                                                                      clock, make):
    client = instance(db_url, session_clock, db)
    forged = "x\r\n2026-05-11 auth.sign_in admin OK\x1b[2J" + "A" * 10_000
    try_sign_in(client, forged, "wrong", "192.0.2.12")
    (failed,) = events(db, "auth.sign_in_failed")
    assert failed.actor_id is None and failed.object_id == ""
    assert failed.after["name"] == forged[:100]  # kept as data, bounded
    assert events(db, "auth.sign_in") == []


@pytest.mark.parametrize("spoof", [
    {"X-Forwarded-For": "6.6.6.6"},
    {"X-Real-IP": "6.6.6.6"},
    {"Forwarded": "for=6.6.6.6"},
])
def test_sec_p3_without_a_trusted_proxy_forwarding_headers_change_nothing(db_url, session_clock, db, clock, make,
                                                                          spoof):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db)
    try_sign_in(client, cadre.username, PASSWORD, "192.0.2.20", **spoof)
    assert events(db, "auth.sign_in")[0].after["address"] == "192.0.2.20"


def test_sec_p3_behind_one_proxy_the_address_it_appended_is_taken_not_the_clients_own(db_url, session_clock, db,
                                                                                      clock, make):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db, PROXY_HOPS=1)
    # What nginx sends on: the client's forged value first, the address nginx saw appended last.
    try_sign_in(client, cadre.username, PASSWORD, "10.0.0.2",
                **{"X-Forwarded-For": "6.6.6.6, 198.51.100.77", "X-Real-IP": "6.6.6.6", "Forwarded": "for=6.6.6.6"})
    assert events(db, "auth.sign_in")[0].after["address"] == "198.51.100.77"
    # And the throttle counts that address, so forging the header does not escape the address limit.
    for _ in range(3):
        try_sign_in(client, cadre.username, "wrong", "10.0.0.2", **{"X-Forwarded-For": "6.6.6.6, 198.51.100.77"})
    assert [e.after["address"] for e in events(db, "auth.sign_in_failed")] == ["198.51.100.77"] * 3


def test_sec_a1_a_refused_request_writes_a_failed_authorisation_entry(client, make, db):
    cadre = make.cadre()
    client.login(cadre.username)
    response = client.get("/users", headers={"User-Agent": AGENT})
    assert response.status_code == 403
    (refused,) = events(db, "auth.refused")
    assert refused.actor_id == cadre.id
    assert refused.after["path"] == "/users" and refused.after["method"] == "GET"
    assert refused.after["roles"] == ["cadre"] and refused.after["agent"] == AGENT
