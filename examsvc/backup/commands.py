"""``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``: exit status 1, with the
reason, when it cannot be done or the restored score ledger or audit log does not verify."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from examsvc import database, id_keys
from examsvc.backup import BackupError, backup, head_revision, restore
from examsvc.backup.sealed_file import backup_key

_PATH = click.Path(dir_okay=False, path_type=Path)


def _key(app: Flask) -> bytes:
    """The backup key, derived from the configured EXAMSVC_ID_KEY."""
    return backup_key(id_keys.master_key(app.config["ID_KEY"]))


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=_PATH)
    @click.option("--force", is_flag=True, help="Replace PATH if it exists.")
    def backup_command(path: Path, force: bool) -> None:
        """Write an encrypted backup of the database to PATH, while the service runs (SQLite: the
        online backup API; PostgreSQL: pg_dump's custom format), with a key derived from EXAMSVC_ID_KEY."""
        try:
            outcome = backup(database.engine(), path, _key(app), force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backup written: {outcome.path} ({outcome.size:,} bytes, schema revision {outcome.revision or 'none'})")

    @app.cli.command("restore")
    @click.argument("path", type=_PATH)
    @click.option("--force", is_flag=True, help="Replace a database that holds data.")
    def restore_command(path: Path, force: bool) -> None:
        """Replace the database with the encrypted backup at PATH (stop the service first), then verify
        the score ledger and the audit log. Refuses a file changed or written with another key, and a
        database that holds data unless --force."""
        try:
            outcome = restore(database.engine(), path, _key(app), force)
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
