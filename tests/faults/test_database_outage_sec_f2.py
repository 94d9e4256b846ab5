"""SEC-F2 Database outage mid-sitting: while pages autosave and hand in through gunicorn, the app's
PostgreSQL connections are cut with ``pg_terminate_backend`` and the database refuses new ones for
a few seconds (``ALLOW_CONNECTIONS false``: a real outage of that database, the other databases of
the shared server untouched). Saves that fail get 503 "not saved" (never a false "saved"), the
pool recovers without restarting the app (same worker processes), every acknowledged save is
present and retried ones were stored once.

On the embedded SQLite there are no connections to cut; its outage is the database file held by
another process's write lock (a maintenance script, a stuck tool) for as long: the saves wait for
it within the 30 s busy timeout, none fails or is lost, and the service answers again at once.
Its full-disk faults are SEC-F3's."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, make_url, text

from examsvc import database
from tests import dbsetup
from tests.faults import load
from tests.faults.conftest import open_pages

#: Seconds the database stays unreachable: security.md's SEC-F2 says 20 s, longer than the exam
#: page's retry interval and the pool's connect timeout, so that both are crossed several times.
OUTAGE_S = 20.0


def _outage(db_url: str, seconds: float) -> int:
    """Cut every connection of the app's database and refuse new ones for ``seconds``; returns
    how many backends were terminated."""
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    killed = 0
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            try:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    killed += conn.execute(text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar_one()
                    time.sleep(0.1)
            finally:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
    return killed


def test_sec_f2_connections_cut_mid_load_fail_as_not_saved_and_the_pool_recovers(gunicorn, open_exam, db, db_url,
                                                                                 capsys, app):
    pages = open_pages(gunicorn, open_exam)
    workers = sorted(gunicorn.worker_pids())
    db.commit()
    stop = threading.Event()
    threads = load.start(pages, stop)
    time.sleep(2.0)
    acked_before = sum(len(p.acks) for p in pages)
    killed = _outage(db_url, OUTAGE_S)
    # The outage cut this test process's pooled connections too. The web app pings none before
    # lending it (issue 7): a dropped one fails a request's first statement once. The tests that
    # follow share this app, so it starts them on fresh connections.
    database.engine(app).dispose()
    acked_during_outage_end = sum(len(p.acks) for p in pages)
    time.sleep(3.0)
    stop.set()
    load.finish(threads)

    db.rollback()  # the test's own connection was cut too: the pool hands out a checked one
    tally = load.tally(db, f"SEC-F2 pg_terminate_backend + no connections for {OUTAGE_S:.0f} s", pages)
    with capsys.disabled():
        print(f"\n{tally.line()}; backends terminated {killed}")
    assert killed > 0 and tally.refused > 0, "the outage met no request"
    # Every failure was said as one: a 503 saying not saved, never a 200 or a "saved".
    assert set(tally.errors) == {(503, "storage_unavailable", False)} and tally.false_saved == 0
    assert any("未保存" in p.last_error_message for p in pages)
    assert tally.lost == [] and tally.found == tally.acknowledged > acked_before
    assert tally.duplicates == 0 and tally.answer_mismatches == 0
    assert tally.submits_found == tally.submits_acked == 4 and tally.closed_without_submit == 0
    # The same processes served before and after: the pool recovered without a restart.
    assert sorted(gunicorn.worker_pids()) == workers
    assert sum(len(p.acks) for p in pages) > acked_during_outage_end



def _sqlite_locked(db_url: str, seconds: float) -> None:
    """Hold the SQLite database's write lock from another connection for ``seconds`` (the
    sqlite3 module, as any other program on the host would)."""
    import sqlite3

    conn = sqlite3.connect(make_url(db_url).database, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_sec_f2_sqlite_locked_by_another_process_saves_wait_and_none_is_lost(gunicorn, open_exam, db, db_url, capsys):
    pages = open_pages(gunicorn, open_exam)
    db.commit()
    stop = threading.Event()
    threads = load.start(pages, stop)
    time.sleep(2.0)
    acked_before = sum(len(p.acks) for p in pages)
    _sqlite_locked(db_url, OUTAGE_S)
    acked_at_release = sum(len(p.acks) for p in pages)
    time.sleep(3.0)
    stop.set()
    load.finish(threads)

    tally = load.tally(db, f"SEC-F2 SQLite write lock held by another process for {OUTAGE_S:.0f} s", pages)
    with capsys.disabled():
        print(f"\n{tally.line()}")
    # The busy timeout (30 s) outlasts the lock: saves waited, none was refused, none was lost.
    assert tally.refused == 0 and tally.false_saved == 0
    assert tally.lost == [] and tally.found == tally.acknowledged > acked_before
    assert tally.duplicates == 0 and tally.answer_mismatches == 0
    assert tally.submits_found == tally.submits_acked == 4 and tally.closed_without_submit == 0
    # The lock did hold the saves (at most those already past their first statement got through),
    # and they went on once it was released.
    assert acked_at_release - acked_before < len(pages)
    assert sum(len(p.acks) for p in pages) > acked_at_release


# Each database meets its own outage; the other's test is not collected rather than skipped.
if dbsetup.backend() == "postgresql":
    del test_sec_f2_sqlite_locked_by_another_process_saves_wait_and_none_is_lost
else:
    del test_sec_f2_connections_cut_mid_load_fail_as_not_saved_and_the_pool_recovers

