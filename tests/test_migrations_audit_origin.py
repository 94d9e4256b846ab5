"""Migration 6d2a9c4e7b13 (issue-10 trial F9): ``audit_event.origin`` added with every older event
still verifying (their hashes cover no origin); events with an origin chained after them; and the
downgrade refused, changing nothing, once any event records an origin, since dropping the column
would lose it. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from examsvc import database
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import AuditEvent
from question_bank.services import audit
from tests import dbsetup
from tests.conftest import at
from tests.migrations import chains, milestones

BEFORE, AFTER = "b7d2e4f1a9c3", "6d2a9c4e7b13"
WEB = {"channel": "web", "address": "192.0.2.8", "agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def revision(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def record(engine, action: str, origin: dict | None = None) -> None:
    """One event through the service, with ``origin`` when given (at the old revision, none)."""
    with make_session_factory(engine)() as session:
        if origin is not None:
            session.info[audit.ORIGIN_KEY] = origin
        audit.record(session, FixedClock(at("10:00:00")), None, action, "sitting", 1, after={"title": "任前考试"})
        session.commit()


def chain_problems(engine) -> list[str]:
    with engine.connect() as conn:
        return chains.problems(conn)


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before, holding two chained events made as the older code made them."""
    with dbsetup.test_database(tmp_path, BEFORE) as url:
        engine = make_engine(url)
        record(engine, "sitting.create")
        record(engine, "sitting.update")
        yield engine
        engine.dispose()


def test_the_upgrade_adds_origin_and_the_events_made_before_still_verify(old_database):
    assert chain_problems(old_database) == []
    database.upgrade(old_database, AFTER)
    assert milestones.AUDIT_ORIGIN == AFTER
    assert chain_problems(old_database) == []
    record(old_database, "sitting.update", WEB)
    record(old_database, "attempt.timed_out", {"channel": "cli", "command": "sweep-overdue"})
    assert chain_problems(old_database) == []
    with make_session_factory(old_database)() as session:
        assert audit.verify(session).ok and audit.verify(session).entries == 4
        origins = [e.origin for e in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert origins == [None, None, WEB, {"channel": "cli", "command": "sweep-overdue"}]


def test_the_downgrade_without_origins_gives_the_old_table_back_still_verifying(old_database):
    database.upgrade(old_database, AFTER)
    database.downgrade(old_database, BEFORE)
    assert revision(old_database) == BEFORE
    assert "origin" not in {c["name"] for c in sa.inspect(old_database).get_columns("audit_event")}
    assert chain_problems(old_database) == []
    database.upgrade(old_database, AFTER)
    assert chain_problems(old_database) == []


def test_the_downgrade_is_refused_once_an_event_has_an_origin_and_changes_nothing(old_database):
    database.upgrade(old_database, AFTER)
    record(old_database, "sitting.update", WEB)
    with pytest.raises(RuntimeError, match=r"1 audit event\(s\), the first id 3, record where they came from"):
        database.downgrade(old_database, BEFORE)
    assert revision(old_database) == AFTER
    with make_session_factory(old_database)() as session:
        assert session.get(AuditEvent, 3).origin == WEB
        assert audit.verify(session).ok
