"""SEC-T7: credential attacks. Failed sign-ins are counted per account, per account and address, and
per address in storage the instances share (the database here, Redis in production: see
test_sign_in_redis.py), so spreading the guesses over two instances and many addresses gains nothing
past the account's cap; refusals look the same whether or not the account exists; temporary passwords
work once; look-alike names are duplicates. What the issue-10 trial found (an office locked out by one
address, a cadre by a stranger): tests/examsvc/test_accounts_issue10_t10.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.models import Role, SignInFailure, UnitLevel, User
from question_bank.services.throttle import ACCOUNT_WIDE_LIMIT
from tests.examsvc.sign_in_helpers import burst_sign_in, events, instance, try_sign_in
from tests.webclient import PASSWORD, without_csrf_tokens

SAMPLE = "11010519491231002X"


@pytest.fixture
def instances(db_url, session_clock, db, clock):
    return instance(db_url, session_clock, db), instance(db_url, session_clock, db)


def test_sec_t7_a_wrong_passwords_from_rotating_addresses_over_two_instances_lock_the_account(instances, make, db):
    cadre = make.cadre()
    first, second = instances
    cap = ACCOUNT_WIDE_LIMIT.failures
    for n in range(cap):
        response = try_sign_in((first, second)[n % 2], cadre.username, "wrong-password", f"198.51.100.{n}")
        assert response.status_code == 200 and "Wrong username or password." in response.get_data(as_text=True)
    for n in range(cap, 20):
        response = try_sign_in((first, second)[n % 2], cadre.username, "wrong-password", f"198.51.100.{n}")
        assert response.status_code == 429
    # The right password, from a new address on either instance, is refused too, with the time to retry.
    response = try_sign_in(second, cadre.username, PASSWORD, "192.0.2.77")
    assert response.status_code == 429 and "Location" not in response.headers
    assert ("Too many failed sign-ins. Try again after 2026-05-11 10:15, or ask an administrator to lift the lock."
            in response.get_data(as_text=True))
    assert len(events(db, "auth.sign_in_failed")) == cap
    throttled = events(db, "auth.sign_in_throttled")
    assert len(throttled) == 20 - cap + 1 and throttled[-1].object_id == str(cadre.id)
    assert throttled[-1].after["address"] == "192.0.2.77"


def test_sec_t7_a_wrong_passwords_arriving_together_on_three_instances_get_no_more_than_the_allowance(
        db_url, session_clock, db, clock, make):
    cadre = make.cadre()
    clients = [instance(db_url, session_clock, db) for _ in range(3)]
    statuses = burst_sign_in(clients, cadre.username, [f"wrong-{n}" for n in range(24)])
    db.commit()  # a fresh snapshot of what the other threads wrote
    # Counted before checking: at most the account's cap (each from its own address) of the 24 ever
    # reach the password (an issue-10 trial saw eight of 30 through an allowance of five on four
    # gunicorn workers on PostgreSQL when the count came first).
    assert statuses.count(200) <= ACCOUNT_WIDE_LIMIT.failures and statuses.count(200) + statuses.count(429) == 24
    assert len(events(db, "auth.sign_in_failed")) == statuses.count(200)
    assert db.scalar(select(func.count(SignInFailure.id)).where(SignInFailure.key == f"account:{cadre.id}")) \
        == statuses.count(200)
    # Throttled tries are taken back: once the failures that counted leave the window, the right password works.
    clock.advance(minutes=15, seconds=1)
    assert try_sign_in(clients[0], cadre.username, PASSWORD).status_code == 302


def test_sec_t7_a_the_account_opens_again_when_the_failures_leave_the_window(instances, make, clock):
    cadre = make.cadre()
    first, second = instances
    for n in range(5):
        try_sign_in(first, cadre.username, "wrong-password")
    assert try_sign_in(second, cadre.username, PASSWORD).status_code == 429
    clock.advance(minutes=15, seconds=1)
    assert try_sign_in(second, cadre.username, PASSWORD).status_code == 302


def test_sec_t7_a_a_cadre_signs_in_by_id_number_and_those_failures_count_with_the_username(instances, make):
    cadre = make.cadre(id_number=SAMPLE)
    first, second = instances
    assert try_sign_in(first, SAMPLE.lower(), PASSWORD).status_code == 302
    for name in (SAMPLE, cadre.username, SAMPLE, cadre.username, SAMPLE):
        try_sign_in(second, name, "wrong-password")
    assert try_sign_in(first, cadre.username, PASSWORD).status_code == 429


def test_sec_t7_a_staff_cannot_sign_in_by_id_number(instances, make):
    officer = make.user(Role.EXAM_ADMIN, id_number=SAMPLE)
    assert try_sign_in(instances[0], SAMPLE, PASSWORD).status_code == 200
    assert try_sign_in(instances[0], officer.username, PASSWORD).status_code == 302


def test_sec_t7_b_one_common_password_tried_across_many_accounts_from_one_address_gets_one_try_each(instances,
                                                                                                       make, db):
    cadres = [make.cadre() for _ in range(30)]
    names = [c.username for c in cadres] + [f"nobody{n}" for n in range(30)]
    statuses = [try_sign_in(instances[n % 2], name, "123456", "203.0.113.50").status_code
                for n, name in enumerate(names)]
    assert statuses == [200] * 60  # all wrong; the address count never refuses an account in good standing
    # Past the address's allowance it is stepped up: an account (or a made-up name) that failed from
    # it gets no second guess there, where below the allowance it would have had five.
    for name in (names[0], names[45]):
        assert try_sign_in(instances[0], name, "654321", "203.0.113.50").status_code == 429
    # An account that did not fail there signs in from it; another address is not held back.
    assert try_sign_in(instances[0], make.cadre().username, PASSWORD, "203.0.113.50").status_code == 302
    assert try_sign_in(instances[1], names[0], PASSWORD, "203.0.113.51").status_code == 302


def test_sec_t7_refusals_do_not_tell_whether_the_account_exists(instances, make):
    cadre = make.cadre()
    first, _second = instances
    pages = {}
    for name in (cadre.username, "no-such-person"):
        statuses, bodies = [], []
        for n in range(6):
            response = try_sign_in(first, name, "wrong-password", f"198.51.100.{n}")
            statuses.append(response.status_code)
            bodies.append(without_csrf_tokens(response.get_data(as_text=True)).replace(name, "NAME"))
        pages[name] = (statuses, bodies)
    assert pages[cadre.username] == pages["no-such-person"]


def test_sec_t7_c_a_temporary_password_works_once_and_a_new_reset_replaces_it(client, client_factory, make, db):
    cadre = make.cadre()
    client.login(make.user(Role.SYSADMIN, username="root").username)

    def reset() -> str:
        page = client.form_post(f"/users/{cadre.id}/reset-password").get_data(as_text=True)
        return page.split('<code class="temporary-password">')[1].split("</code>")[0]

    first = reset()
    second = reset()
    device = client_factory()
    device.refresh_csrf()
    assert try_sign_in(device, cadre.username, first).status_code == 200  # replaced by the second reset
    assert try_sign_in(device, cadre.username, second).status_code == 302
    device.refresh_csrf("/password")
    assert device.get("/me/").headers["Location"].endswith("/password")  # nothing else until it is changed
    assert device.form_post("/password", {"current": second, "new": "My-own-pass-2026",
                                          "confirm": "My-own-pass-2026"}).status_code == 302
    assert device.get("/me/").status_code == 200
    other = client_factory()
    other.refresh_csrf()
    assert try_sign_in(other, cadre.username, second).status_code == 200  # the temporary password is spent
    assert db.scalar(select(User.password_hash).where(User.id == cadre.id)).startswith("scrypt:")


@pytest.mark.parametrize("look_alike", ["admin ", "ａｄｍｉｎ", "Admin", "ad\u200bmin"])
def test_sec_t7_d_a_name_that_looks_like_a_taken_one_is_refused(client, make, db, look_alike):
    root = make.root()
    make.user(Role.SYSADMIN, username="admin", unit=root)
    client.login("admin")
    count = db.scalar(select(func.count(User.id)))
    response = client.form_post("/users/new", {"username": look_alike, "display_name": "冒名", "password": "Tiger-lily-42",
                                               "unit": root.id, "roles": "cadre"})
    assert response.status_code == 422
    assert db.scalar(select(func.count(User.id))) == count


def test_sec_t7_failures_are_counted_in_the_database_not_in_the_process(instances, make, db):
    cadre = make.cadre()
    try_sign_in(instances[0], cadre.username, "wrong-password", "198.51.100.1")
    keys = sorted(db.scalars(select(SignInFailure.key)))
    assert keys == sorted([f"account:{cadre.id}", f"account:{cadre.id}@address:198.51.100.1", "address:198.51.100.1"])
    assert try_sign_in(instances[1], cadre.username, PASSWORD, "198.51.100.1").status_code == 302
    # A success clears the account's counts (from every address), not the address's.
    assert sorted(db.scalars(select(SignInFailure.key))) == ["address:198.51.100.1"]
