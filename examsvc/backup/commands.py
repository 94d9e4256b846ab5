"""``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``: exit status 1, with the
reason, when it cannot be done or the restored score ledger or audit log does not verify."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from examsvc import database
from examsvc.backup import BackupError, backup, head_revision, restore

_PATH = click.Path(dir_okay=False, path_type=Path)


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=_PATH)
    @click.option("--force", is_flag=True, help="Replace PATH if it exists.")
    def backup_command(path: Path, force: bool) -> None:
        """Write a backup of the database to PATH, while the service runs (SQLite: the online backup
        API; PostgreSQL: pg_dump's custom format)."""
        try:
            outcome = backup(database.engine(), path, force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backup written: {outcome.path} ({outcome.size:,} bytes, schema revision {outcome.revision or 'none'})")

    @app.cli.command("restore")
    @click.argument("path", type=_PATH)
    @click.option("--force", is_flag=True, help="Replace a database that holds data.")
    def restore_command(path: Path, force: bool) -> None:
        """Replace the database with the backup at PATH (stop the service first), then verify the
        score ledger and the audit log. Refuses a database that holds data unless --force."""
        try:
            outcome = restore(database.engine(), path, force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored from {outcome.path} (schema revision {outcome.revision or 'none'})")
        if outcome.ledger is None or outcome.audit is None:
            click.echo(f"the data is at schema revision {outcome.revision or 'none'}, the code at {head_revision()}: "
                       "run `flask --app wsgi db-upgrade`, then `flask --app wsgi verify-ledger` and "
                       "`flask --app wsgi verify-audit`")
            return
        broken = [f"the restored {name} does not verify after {check.entries} entries: {check.reason}"
                  for name, check in (("score ledger", outcome.ledger), ("audit log", outcome.audit)) if not check.ok]
        if broken:
            raise click.ClickException("; ".join(broken))
        click.echo(f"score ledger intact: {outcome.ledger.entries} entries")
        click.echo(f"audit log intact: {outcome.audit.entries} events")
