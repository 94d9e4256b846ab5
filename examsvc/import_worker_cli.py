"""``flask --app wsgi import-worker``: run queued bank imports (``question_bank.import_worker``).

In production run it under systemd (a loop, restarted if it dies) on one or more hosts, or from cron
with ``--once`` every minute; either way a job is run by one worker only. The demo needs nothing
extra: with ``IMPORT_WORKER_THREAD`` set (``make demo`` sets it) the app runs the loop in a
thread of its own (:func:`start_thread`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import click
from flask import Flask

from examsvc import database
from examsvc.extensions import clock
from question_bank import import_worker
from question_bank.clock import SystemClock
from question_bank.db import make_session_factory

logger = logging.getLogger(__name__)


def _stale_after(app: Flask) -> dt.timedelta:
    return dt.timedelta(minutes=app.config["IMPORT_JOB_STALE_MINUTES"])


def register(app: Flask) -> None:
    @app.cli.command("import-worker")
    @click.option("--once", is_flag=True, help="Run the queued jobs there are now, then stop (for cron and tests).")
    @click.option("--poll", default=2.0, show_default=True, help="Seconds between looks at an empty queue.")
    def import_worker_command(once: bool, poll: float) -> None:
        """Run queued bank imports: in a loop until stopped, or with --once until the queue is empty."""
        factory = make_session_factory(database.engine())
        if once:
            worker = import_worker.worker_name()
            ran = 0
            while True:
                outcome = import_worker.run_one(factory, clock(), worker, _stale_after(app))
                for job_id, state in outcome.recovered:
                    click.echo(f"job {job_id}: its worker stopped; now {state}")
                if outcome.job_id is None:
                    break
                ran += 1
                click.echo(f"job {outcome.job_id}: {outcome.state}")
            click.echo(f"ran {ran} import job(s)")
            return
        click.echo("import worker running; Ctrl+C stops it")
        try:
            import_worker.run_forever(factory, clock(), threading.Event(), poll, _stale_after(app))
        except KeyboardInterrupt:
            click.echo("import worker stopped")


def start_thread(app: Flask) -> threading.Event:
    """The demo's worker: the loop of ``import-worker`` in a daemon thread of the app's process.
    Returns the event that stops it (also kept as ``app.extensions["import_worker_stop"]``)."""
    factory = make_session_factory(database.engine(app))
    app_clock = app.config.get("CLOCK") or SystemClock()
    stop = threading.Event()
    thread = threading.Thread(target=import_worker.run_forever, name="import-worker", daemon=True,
                              args=(factory, app_clock, stop, 1.0, _stale_after(app)))
    thread.start()
    app.extensions["import_worker_stop"] = stop
    logger.info("import worker thread started")
    return stop
