"""kill -9 of gunicorn workers and of the whole server (master and workers) while an autosave and
submit load runs (issue 10, "Crash and fault tests"): every save and submit a page saw
acknowledged is in the database after the restart, nothing a page never handed in shows as
submitted, and resent changes are stored once. On SQLite (WAL, synchronous=FULL) and PostgreSQL."""

from __future__ import annotations

import threading
import time

from tests.faults import load
from tests.faults.conftest import open_pages

#: Seconds of load between faults: long enough for every page to have saves in flight.
PHASE_S = 2.0


def _assert_nothing_lost(tally: load.Tally) -> None:
    print("\n" + tally.line())
    assert tally.acknowledged > 0 and tally.lost == [] and tally.found == tally.acknowledged
    assert tally.duplicates == 0 and tally.false_saved == 0
    assert tally.submits_found == tally.submits_acked == 4
    assert tally.closed_without_submit == 0 and tally.answer_mismatches == 0


def test_kill9_of_workers_mid_load_loses_no_acknowledged_save(gunicorn, open_exam, db, capsys):
    pages = open_pages(gunicorn, open_exam)
    stop = threading.Event()
    threads = load.start(pages, stop)
    for _ in range(2):
        time.sleep(PHASE_S)
        gunicorn.kill_worker()  # the master forks a new one; requests on the killed one get no reply
    time.sleep(PHASE_S)
    stop.set()
    load.finish(threads)
    with capsys.disabled():
        tally = load.tally(db, "kill -9 of a worker, twice", pages)
        _assert_nothing_lost(tally)
    assert len(gunicorn.crashed) == 2


def test_kill9_of_the_whole_server_then_restart_loses_no_acknowledged_save(gunicorn, open_exam, db, capsys):
    pages = open_pages(gunicorn, open_exam)
    stop = threading.Event()
    threads = load.start(pages, stop)
    time.sleep(PHASE_S)
    gunicorn.kill_all()  # master and workers at once: pages get no reply until the restart
    time.sleep(1.0)      # pages retry against a closed port meanwhile
    gunicorn.start()
    time.sleep(PHASE_S)
    stop.set()
    load.finish(threads)
    with capsys.disabled():
        tally = load.tally(db, "kill -9 of master and workers, then restart", pages)
        _assert_nothing_lost(tally)
    assert tally.no_reply > 0, "the kill came between requests: no page saw the outage"
