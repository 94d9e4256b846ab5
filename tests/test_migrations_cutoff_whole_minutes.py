"""Migration f3a8c2d61b57: the table keeps a sitting's late-start cut-off to whole minutes, never
negative, as the sittings service always has (the refusal a late candidate reads names it in whole
minutes). An upgrade finding a cut-off that breaks the rule stops, names the sitting and its value,
and changes nothing; nothing is rounded for the administrator. On SQLite and PostgreSQL (SQLite
rebuilds the table for the new constraint, and must keep the older ones)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from examsvc import database
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from tests import dbsetup
from tests.conftest import at
from tests.factories import Factory

BEFORE, AFTER = "9c2f4b7d1e60", "f3a8c2d61b57"


def revision(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def set_sitting(engine, sitting_id: int, **values) -> None:
    """Write ``values`` into the sitting's row directly, as a batch job or a hand edit would."""
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE sitting SET {assignments} WHERE id = :id"), {**values, "id": sitting_id})


@pytest.fixture
def migrated(tmp_path):
    """A database at head holding one sitting with a 30-minute cut-off; (engine, sitting id)."""
    with dbsetup.test_database(tmp_path) as url:
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            sitting = Factory(session, FixedClock(at("10:00:00"))).sitting(late_start_cutoff_s=1800)
            session.commit()
            sitting_id = sitting.id
        yield engine, sitting_id
        engine.dispose()


@pytest.mark.parametrize("cutoff_s", [90, -60, 59])
def test_the_table_refuses_a_cut_off_that_is_not_whole_minutes_or_is_negative(migrated, cutoff_s):
    engine, sitting_id = migrated
    with pytest.raises(IntegrityError, match="cutoff_whole_minutes"):
        set_sitting(engine, sitting_id, late_start_cutoff_s=cutoff_s)
    set_sitting(engine, sitting_id, late_start_cutoff_s=0)
    set_sitting(engine, sitting_id, late_start_cutoff_s=3600)


def test_the_rebuilt_table_keeps_its_older_rules(migrated):
    engine, sitting_id = migrated
    with pytest.raises(IntegrityError, match="grace_nonnegative"):
        set_sitting(engine, sitting_id, grace_s=-1)
    with pytest.raises(IntegrityError, match="window_order"):
        set_sitting(engine, sitting_id, closes_at=at("08:00:00"), opens_at=at("09:00:00"))


def test_an_upgrade_over_a_cut_off_of_ninety_seconds_stops_naming_it_and_goes_on_once_it_is_corrected(migrated):
    engine, sitting_id = migrated
    database.downgrade(engine, BEFORE)
    set_sitting(engine, sitting_id, late_start_cutoff_s=90)
    with pytest.raises(RuntimeError, match=rf"sitting {sitting_id} \(90 s\); set each to a whole number of minutes"):
        database.upgrade(engine, AFTER)
    assert revision(engine) == BEFORE
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT late_start_cutoff_s FROM sitting")).scalar_one() == 90
    set_sitting(engine, sitting_id, late_start_cutoff_s=60)
    database.upgrade(engine, AFTER)
    assert revision(engine) == AFTER
