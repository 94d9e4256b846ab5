"""SEC-F5: every migration upgrades from the revision before it on a populated database and
downgrades back, on SQLite and PostgreSQL, keeping the data.

The database is built at head through the services (``populated.py``), a signed checkpoint of the
score ledger and the audit log is taken and kept outside it, then the database is taken down one
revision at a time to the first and up again one at a time to head. After every step:

- the same row count in every table that has existed at every step so far; a table may disappear
  only when the revision that created it is downgraded (it comes back empty);
- the same checksum, table by table, over every column that has existed at every step so far (a
  column a downgrade removes cannot come back with its values; a column a downgrade declares it
  rewrites, ``DOWNGRADE_REWRITES`` in the revision, is left out after it; rows it declares it
  deletes, data the older schema cannot hold, ``DOWNGRADE_DELETES``, likewise); points compared
  as points, however the revision stores them;
- the same answer counting for every slot;
- the score ledger's chain, and from the revision that chains them the audit log's, verifying by
  that revision's rules (``chains.py``);
- the append-only triggers present exactly from the revision that makes them.

Back at head, the score ledger, its head rows and the audit log are as they were, hashes included,
and both verify against the checkpoint.

Then the database is used (``populated.put_in_use``: audit events with an origin, as every request
and command records from revision 6d2a9c4e7b13 on), and from then on a downgrade below 6d2a9c4e7b13
is refused, saying to restore a backup (README, "Upgrades"): the test asserts the refusal, that it
changed nothing (the migrations run in one transaction: the database is still at head, every table
as it was), and that the revisions above 6d2a9c4e7b13 still walk down and up. The full walk is
made before that point, on the database as an upgrade leaves it, because a used one cannot go below
6d2a9c4e7b13 at all: taking the origins out is impossible (the audit log is append-only, and each
event's hash covers its origin). The first revision's downgrade emptying a database is checked on a
database of its own (an empty one: the used one cannot get there).
The revisions are read from the migration graph, so a new revision is walked without touching this
test.

The database is kept small (``populated.py``: about 400 questions from the bank files, 25
attempts, a few thousand rows in all): every step reads every table, so each row is paid for
about eighty times.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from examsvc import database
from question_bank.db import make_engine, make_session_factory
from question_bank.services import audit, ledger
from tests import dbsetup
from tests.migrations import chains, milestones, snapshots
from tests.migrations import populated as populated_module
from tests.migrations.populated import populate
from tests.migrations.revision_rules import created_tables


#: The revision that records where audit events came from; a used database cannot go below it.
ORIGIN_REVISION = milestones.AUDIT_ORIGIN


def revision_chain() -> list:
    """The revisions from the first to head, following ``down_revision`` (one head, no branches)."""
    script = ScriptDirectory.from_config(database.alembic_config())
    assert len(script.get_heads()) == 1, f"the migrations have several heads: {script.get_heads()}"
    return list(reversed(list(script.walk_revisions())))


def declared(revision, name: str) -> dict:
    """A revision module's declaration ``name`` (DOWNGRADE_REWRITES, DOWNGRADE_DELETES, DATA_STEPS), or {}."""
    spec = importlib.util.spec_from_file_location(f"revision_{revision.revision}", revision.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name, {})


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """(engine, checkpoint): the populated database and a checkpoint of it kept outside it."""
    with dbsetup.empty_database(tmp_path_factory.mktemp("migrations")) as url:
        engine = make_engine(url)
        checkpoint = populate(engine)
        yield engine, checkpoint
        engine.dispose()


def test_sec_f5_every_migration_keeps_the_data_down_to_the_first_revision_and_back_up(populated):
    engine, checkpoint = populated
    chain = revision_chain()
    with engine.connect() as connection:
        baseline = snapshots.take(connection)
        assert chains.problems(connection) == []
        triggers = snapshots.append_only_triggers(connection)
    assert baseline.counts()["attempt"] > 20 and baseline.counts()["score_record"] > 15
    assert baseline.counts()["question"] > 300
    assert {table for table, _ in triggers} == {"score_record", "audit_event", "ledger_checkpoint"}
    tables = set(baseline.rows)
    comparable = {table: set(baseline.columns[table]) for table in snapshots.CHECKED}
    deleted: dict[str, list] = {}
    answers = snapshots.current_answers(baseline)
    baseline_digests: dict[tuple, str] = {}

    def check(where: str, may_vanish: set[str]) -> None:
        with engine.connect() as connection:
            now = snapshots.take(connection)
            assert chains.problems(connection) == [], where
            protected = milestones.APPEND_ONLY in milestones.applied(connection)
            assert snapshots.append_only_triggers(connection) == (triggers if protected else set()), where
        gone = tables - set(now.rows)
        assert gone <= may_vanish, (where, gone)
        tables.difference_update(gone)
        before, after = baseline.without(deleted), now.without(deleted)
        assert after.counts(tables) == before.counts(tables), where
        for table in snapshots.CHECKED:
            comparable[table] &= set(now.columns[table])
            # The baseline's digest changes only with the columns compared and the rows left out.
            key = (table, frozenset(comparable[table]), len(deleted.get(table, ())))
            if key not in baseline_digests:
                baseline_digests[key] = before.digest(table, comparable[table])
            assert after.digest(table, comparable[table]) == baseline_digests[key], (where, table)
        assert snapshots.current_answers(now) == answers, where

    for revision in reversed(chain[1:]):
        for table, columns in declared(revision, "DOWNGRADE_REWRITES").items():
            comparable[table] -= set(columns)
        for table, rows in declared(revision, "DOWNGRADE_DELETES").items():
            deleted.setdefault(table, []).extend(rows)
        database.downgrade(engine, revision.down_revision)
        check(f"after downgrading {revision.revision}", created_tables(Path(revision.path).read_text(encoding="utf-8")))
    for revision in chain[1:]:
        database.upgrade(engine, revision.revision)
        dropped_with_a_step = {target for target in declared(revision, "DATA_STEPS") if "." not in target}
        check(f"after upgrading to {revision.revision}", dropped_with_a_step)
    # Every table that has existed since the first revision was compared all the way.
    assert all(comparable[table] for table in snapshots.CHECKED)

    with engine.connect() as connection:
        final = snapshots.take(connection)
    for table in ("score_record", "ledger_head", "audit_event"):
        assert final.rows[table] == baseline.rows[table], table
    with make_session_factory(engine)() as session:
        assert ledger.verify(session, checkpoint.scores).ok
        assert audit.verify(session, checkpoint.audit).ok

    # In use: events with an origin. Below 6d2a9c4e7b13 is refused, and the refusal changes nothing.
    assert populated_module.put_in_use(engine) == len(populated_module.IN_USE_ORIGINS)
    with engine.connect() as connection:
        in_use = snapshots.take(connection)
    below = next(revision.down_revision for revision in chain if revision.revision == ORIGIN_REVISION)
    for target in (below, "base"):
        with pytest.raises(RuntimeError, match="Restore a backup taken before the upgrade instead") as refused:
            database.downgrade(engine, target)
        assert f"{len(populated_module.IN_USE_ORIGINS)} audit event(s)" in str(refused.value)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == chain[-1].revision
            after_refusal = snapshots.take(connection)
            assert chains.problems(connection) == []
        assert after_refusal.counts() == in_use.counts()
        assert all(after_refusal.rows[table] == in_use.rows[table] for table in in_use.rows), target
    # The revisions above it still go down and up on the used database.
    database.downgrade(engine, ORIGIN_REVISION)
    database.upgrade(engine)
    with engine.connect() as connection:
        assert chains.problems(connection) == []
        assert snapshots.take(connection).counts() == in_use.counts()
    with make_session_factory(engine)() as session:
        assert audit.verify(session, checkpoint.audit).ok


def test_sec_f5_the_first_revisions_downgrade_empties_a_database(tmp_path):
    with dbsetup.empty_database(tmp_path) as url:
        engine = make_engine(url)
        database.upgrade(engine)
        database.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
