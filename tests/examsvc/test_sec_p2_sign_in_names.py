"""SEC-P2: a cadre may type their resident ID number as the sign-in name, so what is kept of a typed
name (the access log's ``name``, the throttle's key for a name no account has) never holds a number
in clear: the audit log is append-only and read by auditors and API tokens, and would keep it for
good. The throttle still counts the variants of one number (full width, spaces, lower-case x) as one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, SignInFailure
from tests.examsvc.sign_in_helpers import events, instance, try_sign_in
from tests.webclient import PASSWORD

#: A cadre's number, and one nobody in the test has (both with valid check characters).
HELD = "11010519491231002X"
NOBODYS = "110105194912310038"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def kept_text(db) -> str:
    """Everything the database keeps of sign-in attempts: audit events and throttle keys."""
    audit = [json.dumps([e.before, e.after, e.detail, e.object_id], ensure_ascii=False)
             for e in db.scalars(select(AuditEvent))]
    return "\n".join(audit + list(db.scalars(select(SignInFailure.key))))


@pytest.fixture
def client(db_url, session_clock, db, clock):
    return instance(db_url, session_clock, db)


@pytest.mark.parametrize("typed", [HELD, HELD.lower(), full_width(HELD), "110105 19491231 002X"])
def test_sec_p2_a_cadres_own_number_typed_with_a_wrong_password_is_logged_masked(client, make, db, typed):
    cadre = make.cadre(id_number=HELD)
    assert try_sign_in(client, typed, "wrong-password").status_code == 200
    (failed,) = events(db, "auth.sign_in_failed")
    assert failed.object_id == str(cadre.id)
    assert failed.after["name"] == "110105********002X"
    assert "19491231" not in kept_text(db)


def test_sec_p2_a_number_nobody_has_is_neither_logged_nor_counted_in_clear_and_its_variants_count_together(
        client, make, db):
    make.cadre(id_number=HELD)
    variants = [NOBODYS, full_width(NOBODYS), "110105 19491231 0038", NOBODYS, full_width(NOBODYS)]
    for typed in variants:
        response = try_sign_in(client, typed, "wrong-password", "198.51.100.7")
        assert response.status_code == 200
    # The sixth try of the same number from that address is throttled: one key for all its forms
    # (the account's allowance from one address; issue-10 trial).
    assert try_sign_in(client, NOBODYS, "wrong-password", "198.51.100.7").status_code == 429
    assert [e.after["name"] for e in events(db, "auth.sign_in_failed")] == ["110105********0038"] * 5
    assert "19491231" not in kept_text(db)
    assert "11010519491231" not in kept_text(db)


def test_sec_p2_a_name_that_is_no_number_is_still_logged_as_typed(client, make, db):
    try_sign_in(client, "zhang.san-2026", "wrong-password")
    try_sign_in(client, "1234567890123456789", "wrong-password")  # 19 digits: no ID number
    assert [e.after["name"] for e in events(db, "auth.sign_in_failed")] == ["zhang.san-2026", "1234567890123456789"]
