"""Command-line tasks: ``flask --app wsgi <command>``.

- ``db-upgrade``: make or update the schema through the migrations;
- ``load-demo``: demo organisation, accounts, bank and an open sitting (prints the accounts);
- ``sweep-overdue``: close attempts past their deadline (for cron or a systemd timer, every minute);
- ``verify-ledger``: recompute the score ledger's hash chain; exit status 1 when it is broken;
- ``backup PATH`` / ``restore PATH``: see :mod:`examsvc.backup`.
"""

from __future__ import annotations

import click
from flask import Flask

from examsvc import database
from examsvc.backup.commands import register as register_backup
from examsvc.extensions import clock
from question_bank.services import deadlines, ledger


def register(app: Flask) -> None:
    register_backup(app)

    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply every migration not yet applied."""
        database.upgrade(database.engine())
        click.echo(f"Database is up to date: {database.engine().url.render_as_string(hide_password=True)}")

    @app.cli.command("load-demo")
    def load_demo() -> None:
        """Load demo data into an empty database and print the accounts to sign in with."""
        from examsvc.demo.loader import load

        with database.session() as db:
            summary = str(load(db, clock()))
            db.commit()
        click.echo(summary)

    @app.cli.command("sweep-overdue")
    def sweep_overdue() -> None:
        """Submit every attempt left open past its deadline, with its saved answers."""
        with database.session() as db:
            closed = deadlines.sweep(db, clock())
            db.commit()
        click.echo(f"closed {len(closed)} overdue attempt(s)" + (f": {', '.join(map(str, closed))}" if closed else ""))

    @app.cli.command("verify-ledger")
    def verify_ledger() -> None:
        """Check the score ledger's hash chain end to end."""
        with database.session() as db:
            check = ledger.verify(db)
        if check.ok:
            click.echo(f"score ledger intact: {check.entries} entries")
            return
        click.echo(f"score ledger BROKEN after {check.entries} entries at entry {check.broken_at}: {check.reason}", err=True)
        raise SystemExit(1)
