"""SEC-T7 against the real Redis production uses (.ci/run starts redis-server on 127.0.0.1:6379):
two instances count one account's failures together, and nothing is counted in the database."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy import func, select

from question_bank.models import Role, SignInFailure
from question_bank.services.throttle import ACCOUNT_WIDE_LIMIT, RedisFailureStore
from tests.examsvc.sign_in_helpers import burst_sign_in, events, instance, try_sign_in
from tests.webclient import PASSWORD

REDIS_URL = os.environ.get("EXAMSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_instances(db_url, session_clock, db, clock, monkeypatch):
    # A prefix of this test's own, so that runs on one Redis never see each other's counts.
    prefix = f"examsvc-test-{uuid.uuid4().hex}:"
    monkeypatch.setattr(RedisFailureStore, "PREFIX", prefix)
    server = redis.Redis.from_url(REDIS_URL)
    server.ping()  # fails, rather than skips, when the Redis CI starts is not there
    yield [instance(db_url, session_clock, db, REDIS_URL=REDIS_URL) for _ in range(2)], server, prefix
    for key in server.scan_iter(prefix + "*"):
        server.delete(key)


def test_sec_t7_a_failures_spread_over_two_instances_are_counted_together_in_redis(redis_instances, make, db):
    (first, second), server, prefix = redis_instances
    cadre = make.cadre()
    for n in range(ACCOUNT_WIDE_LIMIT.failures):
        assert try_sign_in((first, second)[n % 2], cadre.username, "wrong", f"198.51.100.{n}").status_code == 200
    assert try_sign_in(first, cadre.username, PASSWORD, "192.0.2.1").status_code == 429
    assert try_sign_in(second, cadre.username, PASSWORD, "192.0.2.2").status_code == 429
    assert server.zcard(f"{prefix}account:{cadre.id}") == ACCOUNT_WIDE_LIMIT.failures
    assert server.zcard(f"{prefix}account:{cadre.id}@address:198.51.100.0") == 1
    assert 0 < server.ttl(f"{prefix}account:{cadre.id}") <= 16 * 60
    assert db.scalar(select(func.count(SignInFailure.id))) == 0
    assert len(events(db, "auth.sign_in_throttled")) == 2


def test_sec_t7_a_a_success_below_the_limit_clears_the_account_in_redis(redis_instances, make, clock):
    (first, second), server, prefix = redis_instances
    cadre = make.cadre()
    for _ in range(4):
        try_sign_in(first, cadre.username, "wrong")
    assert try_sign_in(second, cadre.username, PASSWORD).status_code == 302
    assert server.exists(f"{prefix}account:{cadre.id}") == 0
    assert server.exists(f"{prefix}account:{cadre.id}@address:203.0.113.9") == 0
    assert server.zcard(f"{prefix}address:203.0.113.9") == 4


def test_sec_t7_a_wrong_passwords_arriving_together_get_no_more_than_the_allowance_in_redis(redis_instances, make,
                                                                                            db):
    (first, second), server, prefix = redis_instances
    cadre = make.cadre()
    statuses = burst_sign_in([first, second], cadre.username, [f"wrong-{n}" for n in range(24)])
    db.commit()  # a fresh snapshot of what the other threads wrote
    assert statuses.count(200) <= ACCOUNT_WIDE_LIMIT.failures and statuses.count(200) + statuses.count(429) == 24
    # What stays counted is the tries that reached the password; the throttled ones were taken back.
    assert server.zcard(f"{prefix}account:{cadre.id}") == statuses.count(200) == len(events(db, "auth.sign_in_failed"))


def test_f10_01_wrong_current_passwords_on_the_change_form_are_counted_in_redis_with_sign_ins(redis_instances, make,
                                                                                               db):
    (first, second), server, prefix = redis_instances
    cadre = make.cadre()
    second.login(cadre.username)
    second.refresh_csrf("/password")
    for n in range(2):
        try_sign_in(first, cadre.username, f"wrong-{n}", f"198.51.100.{n}")
    for n in range(3):
        response = second.form_post("/password", {"current": f"guess-{n}", "new": "Tiger-lily-42",
                                                  "confirm": "Tiger-lily-42"})
        # The third makes the five: the session is signed out at the lock (issue 10).
        assert response.status_code == (422 if n < 2 else 302)
    assert server.zcard(f"{prefix}account:{cadre.id}") == 5
    assert db.scalar(select(func.count(SignInFailure.id))) == 0
    assert try_sign_in(first, cadre.username, PASSWORD, "192.0.2.3").status_code == 302  # the owner, again
    assert len(events(db, "auth.password_change_failed")) == 3 and len(events(db, "auth.password_change_locked")) == 1


def test_issue10_an_administrator_lifts_a_lock_counted_in_redis_from_every_address(redis_instances, make, db):
    (first, second), server, prefix = redis_instances
    cadre = make.cadre()
    admin = make.user(Role.SYSADMIN, username="lifter")
    for n in range(ACCOUNT_WIDE_LIMIT.failures):
        try_sign_in(first, cadre.username, "wrong", f"198.51.100.{n % 2}")
    assert try_sign_in(first, cadre.username, PASSWORD, "192.0.2.9").status_code == 429
    second.login(admin.username)
    assert second.form_post(f"/users/{cadre.id}/lift-sign-in-lock").status_code == 302
    assert list(server.scan_iter(f"{prefix}account:{cadre.id}*")) == []
    assert server.zcard(f"{prefix}address:198.51.100.0") == ACCOUNT_WIDE_LIMIT.failures // 2  # the address's stay
    (lifted,) = events(db, "user.sign_in_lock_lifted")
    assert lifted.after["failures_cleared"] == ACCOUNT_WIDE_LIMIT.failures
    assert try_sign_in(first, cadre.username, PASSWORD, "198.51.100.0").status_code == 302
