"""The score-record migrations keep data (issue 6): marks in hundredths on SQLite, the audit log
chained, ledger entries made before digests still verifying, the append-only triggers; upgraded
and downgraded with data present, on SQLite and PostgreSQL. A rollback below the digests keeps
them, leaves a ledger the older code verifies, and upgrading again restores every hash (SEC-F5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from examsvc import database
from question_bank.clock import FixedClock
from question_bank.db import UTCDateTime, make_engine, make_session_factory
from question_bank.models import Attempt, AuditEvent, LedgerHead, Sitting
from question_bank.services import audit, hashchain, ledger, score_check
from question_bank.services.hashchain import GENESIS_HASH, Chain, digest
from tests import dbsetup
from tests.migrations import chains, milestones

#: The last revision before the score-record work.
BEFORE = "6e2a9c4d8f13"
NOW = dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.timezone.utc)
LATER = NOW + dt.timedelta(days=1)


def table(name: str, *columns: tuple[str, sa.types.TypeEngine]) -> sa.TableClause:
    return sa.table(name, *(sa.column(n, t) for n, t in columns))


ORG = table("org_unit", ("id", sa.Integer()), ("name", sa.String()), ("level", sa.String()), ("path", sa.String()),
            ("created_at", UTCDateTime()))
USER = table("user_account", ("id", sa.Integer()), ("username", sa.String()), ("display_name", sa.String()),
             ("password_hash", sa.String()), ("org_unit_id", sa.Integer()), ("is_active", sa.Boolean()),
             ("session_epoch", sa.Integer()), ("created_at", UTCDateTime()))
PAPER = table("paper", ("id", sa.Integer()), ("title", sa.String()), ("description", sa.Text()), ("multi_rule", sa.String()),
              ("org_unit_id", sa.Integer()), ("created_by_id", sa.Integer()), ("created_at", UTCDateTime()),
              ("updated_at", UTCDateTime()))
SITTING = table("sitting", ("id", sa.Integer()), ("title", sa.String()), ("kind", sa.String()), ("paper_id", sa.Integer()),
                ("org_unit_id", sa.Integer()), ("opens_at", UTCDateTime()), ("closes_at", UTCDateTime()),
                ("time_limit_s", sa.Integer()), ("grace_s", sa.Integer()), ("pass_mark", sa.Numeric(6, 2)),
                ("excellent_mark", sa.Numeric(6, 2)), ("attempts_allowed", sa.Integer()),
                ("shuffle_questions", sa.Boolean()), ("shuffle_options", sa.Boolean()), ("results_policy", sa.String()),
                ("show_answers", sa.Boolean()), ("created_by_id", sa.Integer()), ("created_at", UTCDateTime()))
ATTEMPT = table("attempt", ("id", sa.Integer()), ("sitting_id", sa.Integer()), ("user_id", sa.Integer()),
                ("attempt_no", sa.Integer()), ("seed", sa.BigInteger()), ("started_at", UTCDateTime()),
                ("deadline", UTCDateTime()), ("state", sa.String()), ("finished_at", UTCDateTime()),
                ("score", sa.Numeric(8, 2)), ("max_score", sa.Numeric(8, 2)), ("passed", sa.Boolean()), ("band", sa.String()))
RECORD = table("score_record", ("id", sa.Integer()), ("attempt_id", sa.Integer()), ("sitting_id", sa.Integer()),
               ("user_id", sa.Integer()), ("score", sa.Numeric(8, 2)), ("max_score", sa.Numeric(8, 2)),
               ("band", sa.String()), ("passed", sa.Boolean()), ("reason", sa.Text()), ("actor_id", sa.Integer()),
               ("recorded_at", UTCDateTime()), ("prev_hash", sa.String()), ("entry_hash", sa.String()))
HEAD = table("ledger_head", ("id", sa.Integer()), ("last_hash", sa.String()), ("entry_count", sa.Integer()))
EVENT = table("audit_event", ("id", sa.Integer()), ("occurred_at", UTCDateTime()), ("actor_id", sa.Integer()),
              ("action", sa.String()), ("object_type", sa.String()), ("object_id", sa.String()),
              ("before", sa.JSON()), ("after", sa.JSON()), ("detail", sa.Text()))


def old_entry_hash() -> str:
    """The hash the service gave a ledger entry before entries carried digests."""
    return digest({"attempt_id": 1, "sitting_id": 1, "user_id": 1, "score": "59.99", "max_score": "100.00",
                   "band": "fail", "passed": False, "reason": "submitted", "actor_id": 1,
                   "recorded_at": NOW.isoformat()}, GENESIS_HASH)


def fill(conn, pass_mark: str = "59.99") -> None:
    """A sitting, an attempt scored 59.99 with its ledger entry, and two audit events, as the
    schema before the score-record work held them."""
    conn.execute(ORG.insert().values(id=1, name="某省", level="province", path="/1/", created_at=NOW))
    conn.execute(USER.insert().values(id=1, username="zhangsan", display_name="张三", password_hash="x", org_unit_id=1,
                                      is_active=True, session_epoch=0, created_at=NOW))
    conn.execute(PAPER.insert().values(id=1, title="试卷", description="", multi_rule="all_or_nothing", org_unit_id=1,
                                       created_by_id=1, created_at=NOW, updated_at=NOW))
    conn.execute(SITTING.insert().values(
        id=1, title="任前考试", kind="pre_appointment", paper_id=1, org_unit_id=1, opens_at=NOW,
        closes_at=NOW + dt.timedelta(hours=3), time_limit_s=3600, grace_s=30, pass_mark=Decimal(pass_mark),
        excellent_mark=Decimal("90"), attempts_allowed=1, shuffle_questions=False, shuffle_options=False,
        results_policy="immediately", show_answers=False, created_by_id=1, created_at=NOW))
    conn.execute(ATTEMPT.insert().values(id=1, sitting_id=1, user_id=1, attempt_no=1, seed=1, started_at=NOW,
                                         deadline=NOW + dt.timedelta(hours=1), state="submitted", finished_at=NOW,
                                         score=Decimal("59.99"), max_score=Decimal("100"), passed=False, band="fail"))
    entry_hash = old_entry_hash()
    conn.execute(RECORD.insert().values(id=1, attempt_id=1, sitting_id=1, user_id=1, score=Decimal("59.99"),
                                        max_score=Decimal("100"), band="fail", passed=False, reason="submitted",
                                        actor_id=1, recorded_at=NOW, prev_hash=GENESIS_HASH, entry_hash=entry_hash))
    conn.execute(HEAD.update().where(HEAD.c.id == 1).values(last_hash=entry_hash, entry_count=1))
    for n, action in enumerate(("user.create", "attempt.submitted"), start=1):
        conn.execute(EVENT.insert().values(id=n, occurred_at=NOW, actor_id=1, action=action, object_type="user",
                                           object_id="1", before=None, after={"n": n, "名": "张三"}, detail=""))


@pytest.fixture
def old_database(tmp_path):
    with dbsetup.test_database(tmp_path, BEFORE) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_upgrading_keeps_marks_exact_chains_the_audit_log_and_keeps_old_entries_verifying(old_database):
    engine = old_database
    with engine.begin() as conn:
        fill(conn)
    database.upgrade(engine)

    session = make_session_factory(engine)()
    assert session.get(Sitting, 1).pass_mark == Decimal("59.99")
    assert ledger.verify(session).ok and score_check.reconcile(session) == []
    check = audit.verify(session)
    assert check.ok and check.entries == 2 and session.get(LedgerHead, 2).entry_count == 2
    assert session.get(AuditEvent, 2).after == {"n": 2, "名": "张三"}
    session.close()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(sa.text("SELECT pass_mark, typeof(pass_mark) FROM sitting")).one() == (5999, "integer")
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(sa.text("DELETE FROM audit_event"))


def test_downgrading_gives_the_data_back_as_it_was_and_upgrading_again_works(old_database):
    engine = old_database
    with engine.begin() as conn:
        fill(conn)
    database.upgrade(engine)
    database.downgrade(engine, BEFORE)
    with engine.begin() as conn:
        assert conn.execute(sa.select(SITTING.c.pass_mark)).scalar() == Decimal("59.99")
        assert conn.execute(sa.select(ATTEMPT.c.score)).scalar() == Decimal("59.99")
        assert conn.execute(sa.select(sa.func.count()).select_from(HEAD)).scalar() == 1
        conn.execute(sa.text("DELETE FROM audit_event WHERE id = 2"))  # no trigger any more
    database.upgrade(engine)
    session = make_session_factory(engine)()
    assert audit.verify(session).entries == 1 and session.get(Sitting, 1).pass_mark == Decimal("59.99")
    session.close()


def test_a_stored_mark_with_more_than_two_decimals_stops_the_upgrade_naming_it_where_the_old_column_held_one(old_database):
    """SQLite's old NUMERIC kept 59.995 as a float: the upgrade refuses to round it and names it.
    PostgreSQL's old NUMERIC(6, 2) never held a third decimal (it stored 60.00), so there the upgrade
    has nothing to refuse and keeps what was stored."""
    engine = old_database
    with engine.begin() as conn:
        fill(conn, pass_mark="59.995")
    if engine.dialect.name == "sqlite":
        with pytest.raises(RuntimeError, match=r"sitting.pass_mark holds values with more than two decimals: id 1 \(59.995\)"):
            database.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pass_mark FROM sitting")).scalar() == 59.995
        return
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT pass_mark FROM sitting")).scalar()
    assert stored == Decimal("60.00")
    database.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pass_mark FROM sitting")).scalar() == stored


def below_digests() -> str:
    """The revision just below the one that gives ledger entries their digests."""
    return ScriptDirectory.from_config(database.alembic_config()).get_revision(milestones.LEDGER_DIGESTS).down_revision


def append_as_the_older_code(engine) -> None:
    """A ledger entry for attempt 1 as the code before the digests made it: no digests in what it
    hashes, chained on the head row."""
    with engine.begin() as conn:
        scale = milestones.points_scale(conn)
        head = conn.execute(sa.select(HEAD.c.last_hash, HEAD.c.entry_count).where(HEAD.c.id == 1)).one()
        content = {"attempt_id": 1, "sitting_id": 1, "user_id": 1, "score": "59.99", "max_score": "100.00",
                   "band": "fail", "passed": False, "reason": "regrade", "actor_id": 1, "recorded_at": LATER.isoformat()}
        entry_hash = digest(content, head.last_hash)
        conn.execute(RECORD.insert().values(
            attempt_id=1, sitting_id=1, user_id=1, score=Decimal("59.99") * scale, max_score=Decimal("100") * scale,
            band="fail", passed=False, reason="regrade", actor_id=1, recorded_at=LATER, prev_hash=head.last_hash,
            entry_hash=entry_hash))
        conn.execute(HEAD.update().where(HEAD.c.id == 1).values(last_hash=entry_hash, entry_count=head.entry_count + 1))


@pytest.fixture
def ledger_with_digests(old_database):
    """Entry 1 made before the digests, upgraded; entries 2 and 3 made at head, with digests.
    Yields (engine, the score ledger's point at head as a checkpoint would keep it)."""
    engine = old_database
    with engine.begin() as conn:
        fill(conn)
        if conn.dialect.name == "postgresql":  # fill() gave the ids itself
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('score_record', 'id'), 1)"))
    database.upgrade(engine)
    with make_session_factory(engine)() as session:
        attempt = session.get(Attempt, 1)
        for reason in ("regrade", "regrade"):
            ledger.append(session, FixedClock(LATER), attempt, reason, None)
        session.commit()
        point = hashchain.head_point(session, Chain.SCORES)
    assert point.entries == 3
    yield engine, point


def test_sec_f5_rolling_back_below_the_digests_keeps_them_and_the_older_ledger_verifies(ledger_with_digests):
    engine, point = ledger_with_digests
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT id, responses_digest, marks_digest FROM score_record ORDER BY id")).all()
    database.downgrade(engine, below_digests())
    with engine.connect() as conn:
        assert chains.problems(conn) == []  # what the older code's verify-ledger finds
        kept = conn.execute(sa.text("SELECT id, responses_digest, marks_digest FROM score_record ORDER BY id")).all()
    assert kept == before and kept[1].responses_digest is not None


def test_sec_f5_upgrading_again_gives_every_entry_its_hashes_back_and_chains_entries_made_meanwhile(ledger_with_digests):
    engine, point = ledger_with_digests
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT * FROM score_record ORDER BY id")).all()
    database.downgrade(engine, below_digests())
    append_as_the_older_code(engine)
    database.upgrade(engine)
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT * FROM score_record ORDER BY id")).all()
        assert "digest_chain_entry_hash" not in {c["name"] for c in sa.inspect(conn).get_columns("score_record")}
    assert after[:3] == before and after[3].responses_digest is None
    with make_session_factory(engine)() as session:
        assert ledger.verify(session, point).ok and ledger.verify(session).entries == 4


def test_sec_f5_an_entry_changed_while_rolled_back_stops_the_upgrade_naming_it(ledger_with_digests):
    engine, _ = ledger_with_digests
    database.downgrade(engine, below_digests())
    with engine.begin() as conn:  # no append-only triggers below the digests: the older schema has none
        conn.execute(sa.text("UPDATE score_record SET reason = 'changed' WHERE id = 2"))
    with pytest.raises(RuntimeError, match="the score ledger does not verify.*entry 2 does not match"):
        database.upgrade(engine)
    with engine.connect() as conn:
        assert milestones.LEDGER_DIGESTS not in milestones.applied(conn)


def test_sec_f5_a_broken_ledger_stops_the_rollback_instead_of_being_chained_again(ledger_with_digests):
    engine, _ = ledger_with_digests
    with engine.begin() as conn, dbsetup.append_only_lifted(conn):
        conn.execute(sa.text("UPDATE score_record SET band = 'pass' WHERE id = 3"))
    with pytest.raises(RuntimeError, match="the score ledger does not verify.*entry 3 does not match"):
        database.downgrade(engine, below_digests())
    with engine.connect() as conn:
        assert milestones.LEDGER_DIGESTS in milestones.applied(conn)
