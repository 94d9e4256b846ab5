"""Shared fixtures: a migrated database per test session (SQLite or PostgreSQL, see dbsetup), a
session per test with everything removed afterwards, a FixedClock, the app and its client."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from examsvc import create_app
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Role, User
from tests import dbsetup
from tests.factories import Factory
from tests.webclient import ExamClient

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
#: Every test starts at 2026-05-11 10:00:00 Asia/Shanghai unless it moves the clock.
TEST_DAY = dt.date(2026, 5, 11)


def at(hms: str, day: dt.date = TEST_DAY) -> dt.datetime:
    """"10:29:59" on the test day, Asia/Shanghai (the server times the cases speak of)."""
    h, m, s = (int(x) for x in hms.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, s, tzinfo=SHANGHAI)


def pytest_report_header(config: pytest.Config) -> str:
    return f"examsvc test database: {dbsetup.backend()}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dbsetup.test_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str):
    """The test's own session reads without SQLite's write lock (deferred transactions), so a
    test that looks at the database between requests never blocks the app; the app and the
    services under test keep their IMMEDIATE transactions."""
    engine = make_engine(db_url, sqlite_immediate=False)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_clock() -> FixedClock:
    return FixedClock(at("10:00:00"))


@pytest.fixture
def clock(session_clock: FixedClock) -> FixedClock:
    session_clock.set(at("10:00:00"))
    return session_clock


@pytest.fixture(scope="session")
def cleanup_engine(db_url: str):
    """Empties the tables after each test with IMMEDIATE transactions on SQLite (as the app writes):
    a deferred one that has read would fail at once with "database is locked" when a browser
    test's last request committed in between, instead of waiting its turn."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine, cleanup_engine) -> Iterator[Session]:
    session = make_session_factory(engine)()
    yield session
    session.rollback()
    session.close()
    dbsetup.empty_all_tables(cleanup_engine)


@pytest.fixture
def make(db: Session, clock: FixedClock) -> Factory:
    return Factory(db, clock)


@pytest.fixture
def editor(make: Factory) -> User:
    """A bank editor named "editor" (the author in the bank's four-eyes review)."""
    return make.user(Role.BANK_EDITOR, username="editor")


@pytest.fixture
def reviewer(make: Factory) -> User:
    """A bank reviewer named "reviewer" (the second pair of eyes)."""
    return make.user(Role.BANK_REVIEWER, username="reviewer")


@pytest.fixture(scope="session")
def app(db_url: str, session_clock: FixedClock, tmp_path_factory: pytest.TempPathFactory):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key",
        "CLOCK": session_clock,
        # Tests move the clock by hours between one person's requests; the session limits are
        # tried with their own values in tests/examsvc/test_sessions_sec_c3.py.
        "SESSION_IDLE_MINUTES": 30 * 24 * 60,
        "SESSION_ABSOLUTE_HOURS": 365 * 24,
    })
    app.test_client_class = ExamClient
    return app


@pytest.fixture
def client(app, db: Session, clock: FixedClock) -> ExamClient:
    client = app.test_client()
    client.db_session = db
    return client


@pytest.fixture
def client_factory(app, db: Session, clock: FixedClock):
    """More clients (other people, other devices) sharing the test's session."""

    def new() -> ExamClient:
        c = app.test_client()
        c.db_session = db
        return c

    return new


@pytest.fixture(scope="session", autouse=True)
def id_number_keys():
    """ID numbers are sealed with the instance folder's key (made on first use), as the demo does,
    before any test makes an account, with or without the app (SEC-P5). Its value is the key, for an
    app made in production mode (which reads no key file): one made with another key would
    seal and look up with that one from then on, in this whole process."""
    from examsvc import config, id_keys

    key = id_keys.key_text(False, config.INSTANCE_DIR)
    id_keys.configure(key)
    return key


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """scrypt with small parameters: the same code path, a fraction of the CPU time per account."""
    from question_bank.services import people

    saved = people.PASSWORD_METHOD
    people.PASSWORD_METHOD = "scrypt:1024:8:1"
    yield
    people.PASSWORD_METHOD = saved


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``EXAMSVC_BROWSER_TESTS_LAST=1`` the browser tests (tests/e2e) run after all others,
    in their usual order. ``make test`` runs the PostgreSQL suite so beside the SQLite one, so
    that the two suites' Chromium phases do not fall on the same minutes of a two-core machine."""
    if os.environ.get("EXAMSVC_BROWSER_TESTS_LAST") == "1":
        items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, saying why, when the shared datasets the suite reads are missing."""
    from tests.shared_data import check_available

    problem = check_available()
    if problem:
        raise pytest.UsageError(problem)
