"""``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``: exit status 1, with the
reason, when it cannot be done or the restored score ledger or audit log does not verify.

Both are audited (issue 10, item 4), the event's origin being the command line (channel ``cli``
and the command's name, :mod:`examsvc.audit_origin`), with the operating-system account that ran it
(``os_user``: no account of the service signs in to a command), the file's name and size in bytes,
and the outcome: ``backup`` in the database backed up (written, or failed with the reason), ``restore``
in the restored database (restored, with whether the score ledger and the audit log verified). A
restore refused before the database is touched is recorded in the database that stays, when it
holds data at the code's schema revision (an empty one is left empty, so that it can take the right
file without ``--force``). The backup's own event is written after the copy: it is in the database,
not in the file it describes.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import click
from flask import Flask

from examsvc import database, id_keys
from examsvc.backup import BackupError, backup, head_revision, holds_data, restore, revision_of
from examsvc.backup.sealed_file import backup_key
from examsvc.extensions import clock
from question_bank.services import audit

_PATH = click.Path(dir_okay=False, path_type=Path)


def _key(app: Flask) -> bytes:
    """The backup key, derived from the configured EXAMSVC_ID_KEY."""
    return backup_key(id_keys.master_key(app.config["ID_KEY"]))


def _operator() -> str:
    """The operating-system account running the command ("" when it cannot be told)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _audit(action: str, path: Path, outcome: str, **more: Any) -> None:
    """Record and commit the event ``action`` about the backup file ``path`` (its name, its size in
    bytes now, the ``outcome`` and ``more``); a database that cannot take it (unreachable, or its
    schema not the code's) is named on standard error rather than hiding the command's own outcome."""
    try:
        with database.session() as db:
            audit.record(db, clock(), None, action, "backup_file", path.name,
                         after={"file": str(path), "size": _size(path), "outcome": outcome, "os_user": _operator(),
                                **more})
            db.commit()
    except Exception as exc:  # noqa: BLE001 - the command's outcome is said whatever happens here
        click.echo(f"the {action} event could not be written to the audit log: {exc}", err=True)


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
            _audit("backup.failed", path, "failed", reason=str(exc))
            raise click.ClickException(str(exc)) from exc
        _audit("backup.written", path, "written", revision=outcome.revision)
        click.echo(f"backup written: {outcome.path} ({outcome.size:,} bytes, schema revision {outcome.revision or 'none'})")

    @app.cli.command("restore")
    @click.argument("path", type=_PATH)
    @click.option("--force", is_flag=True, help="Replace a database that holds data.")
    def restore_command(path: Path, force: bool) -> None:
        """Replace the database with the encrypted backup at PATH (stop the service first), then verify
        the score ledger and the audit log. Refuses a file changed or written with another key, and a
        database that holds data unless --force."""
        engine = database.engine()
        try:
            outcome = restore(engine, path, _key(app), force)
        except BackupError as exc:
            if revision_of(engine) == head_revision() and holds_data(engine):
                _audit("restore.refused", path, "refused", reason=str(exc))
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored from {outcome.path} (schema revision {outcome.revision or 'none'})")
        if outcome.ledger is None or outcome.audit is None:
            click.echo(f"the data is at schema revision {outcome.revision or 'none'}, the code at {head_revision()}: "
                       "run `flask --app wsgi db-upgrade`, then `flask --app wsgi verify-ledger` and "
                       "`flask --app wsgi verify-audit`; no audit event was written for this restore (the audit log "
                       "of that revision is not this version's)")
            return
        broken = [f"the restored {name} does not verify after {check.entries} entries: {check.reason}"
                  for name, check in (("score ledger", outcome.ledger), ("audit log", outcome.audit)) if not check.ok]
        _audit("restore.done", path, "restored", revision=outcome.revision, ledger_verified=outcome.ledger.ok,
               audit_log_verified=outcome.audit.ok, ledger_entries=outcome.ledger.entries,
               audit_events=outcome.audit.entries)
        if broken:
            raise click.ClickException("; ".join(broken))
        click.echo(f"score ledger intact: {outcome.ledger.entries} entries")
        click.echo(f"audit log intact: {outcome.audit.entries} events")
