"""SEC-F5: every migration upgrades from the revision before it on a populated database and
downgrades back, on SQLite and PostgreSQL, keeping the data.

The database is built at head through the services (``populated.py``), then taken down one
revision at a time to the first and up again one at a time to head. After every step: the same
row count in every table; the same checksum, table by table, over every column that has existed at
every step so far (a column a downgrade removes cannot come back with its values; a column a
downgrade declares it rewrites, ``DOWNGRADE_REWRITES`` in the revision, is left out after it); the
same answer counting for every slot; the score ledger's chain verifying. Last, the first
revision's downgrade empties the database. The revisions are read from the migration graph, so a
new revision is walked without touching this test.

About 30 s on SQLite and 75 s on PostgreSQL on the shared 2-core test machine, most of it building
the database through the services (``populated.py``: about 2,000 questions, 60 attempts, 10,000
rows in all).
"""

from __future__ import annotations

import importlib.util

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from examsvc import database
from question_bank.db import make_engine
from tests import dbsetup
from tests.migrations import snapshots
from tests.migrations.populated import populate


def revision_chain() -> list:
    """The revisions from the first to head, following ``down_revision`` (one head, no branches)."""
    script = ScriptDirectory.from_config(database.alembic_config())
    assert len(script.get_heads()) == 1, f"the migrations have several heads: {script.get_heads()}"
    return list(reversed(list(script.walk_revisions())))


def downgrade_rewrites(revision) -> dict[str, tuple[str, ...]]:
    spec = importlib.util.spec_from_file_location(f"revision_{revision.revision}", revision.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "DOWNGRADE_REWRITES", {})


@pytest.fixture(scope="module")
def populated_engine(tmp_path_factory):
    with dbsetup.empty_database(tmp_path_factory.mktemp("migrations")) as url:
        engine = make_engine(url)
        populate(engine)
        yield engine
        engine.dispose()


def test_sec_f5_every_migration_keeps_the_data_down_to_the_first_revision_and_back_up(populated_engine):
    engine = populated_engine
    chain = revision_chain()
    with engine.connect() as connection:
        baseline = snapshots.take(connection)
        assert snapshots.ledger_problem(connection) is None
    assert baseline.counts()["attempt"] > 50 and baseline.counts()["score_record"] > 40
    comparable = {table: set(baseline.columns[table]) for table in snapshots.CHECKED}
    answers = snapshots.current_answers(baseline)

    def check(where: str) -> None:
        with engine.connect() as connection:
            now = snapshots.take(connection)
            assert snapshots.ledger_problem(connection) is None, where
        assert now.counts() == baseline.counts(), where
        for table in snapshots.CHECKED:
            comparable[table] &= set(now.columns[table])
            assert now.digest(table, comparable[table]) == baseline.digest(table, comparable[table]), (where, table)
        assert snapshots.current_answers(now) == answers, where

    for revision in reversed(chain[1:]):
        for table, columns in downgrade_rewrites(revision).items():
            comparable[table] -= set(columns)
        database.downgrade(engine, revision.down_revision)
        check(f"after downgrading {revision.revision}")
    for revision in chain[1:]:
        database.upgrade(engine, revision.revision)
        check(f"after upgrading to {revision.revision}")
    # Every table that has existed since the first revision was compared all the way.
    assert all(comparable[table] for table in snapshots.CHECKED)

    database.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
