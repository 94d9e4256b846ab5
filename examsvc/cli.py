"""Command-line tasks: ``flask --app wsgi <command>``.

- ``db-upgrade``: make or update the schema through the migrations;
- ``load-demo``: demo organisation, accounts, bank and an open sitting (prints the accounts);
- ``sweep-overdue``: close attempts past their deadline (for cron or a systemd timer, every minute);
- ``import-worker [--once]``: run bank imports queued as background jobs (:mod:`examsvc.import_worker_cli`);
- ``load-laws DIR``: load the law texts below DIR into the catalogue (one line per law version);
- the score record's commands (checkpoints, ``verify-ledger``, ``verify-audit``): ``examsvc.ledger_cli``.
- ``backup PATH`` / ``restore PATH``: see :mod:`examsvc.backup`.
- ``export-questions --as USER OUTPUT``: export questions without a request's time limit
  (:mod:`examsvc.export_cli`).
- ``audit-id-numbers [--acknowledged FILE]``: list where ID numbers are stored unmasked in free text
  (table, id, field); exit status 3 when there are any not acknowledged, 0 when none; audit events
  written before numbers were masked at write time may be acknowledged by id and entry hash
  (``question_bank.services.id_number_scan``).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from examsvc import database, export_cli, import_worker_cli, ledger_cli
from examsvc.backup.commands import register as register_backup
from examsvc.extensions import clock
from question_bank.services import deadlines, id_number_scan, law_catalogue

#: Exit status of ``audit-id-numbers`` when it finds an unmasked ID number.
FOUND_ID_NUMBERS = 3


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

    @app.cli.command("load-laws")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    def load_laws(folder: Path) -> None:
        """Load every law text (.md, .txt) below FOLDER; the same text twice changes nothing."""
        with database.session() as db:
            try:
                outcome = law_catalogue.load_folder(db, clock(), None, folder)
            except FileNotFoundError:
                click.echo(f"There is no folder {folder}.", err=True)
                raise SystemExit(1)
            if outcome.problems:
                for problem in outcome.problems:
                    click.echo(str(problem), err=True)
                click.echo("Nothing was loaded.", err=True)
                raise SystemExit(1)
            db.commit()
        click.echo("\n".join(outcome.lines()))

    @app.cli.command("audit-id-numbers")
    @click.option("--acknowledged", "acknowledged_file", type=click.Path(dir_okay=False, path_type=Path),
                  help="A file of audit events already reviewed, one a line: audit_event <id> <entry hash> "
                       "[note]. Their numbers are reported apart and do not fail the check.")
    def audit_id_numbers(acknowledged_file: Path | None) -> None:
        """List ID numbers stored unmasked in free text: table, id, field, the number masked.
        Exit status 3 when there are any nobody acknowledged, 0 when none.

        Audit events are masked when written; events written before that are append-only and
        cannot be rewritten. Each is listed with its entry hash: once an auditor has reviewed it,
        put it in an acknowledgement file (audit_event <id> <entry hash> [who, when, why]) and pass
        it with --acknowledged. Acknowledged events are still listed, under "acknowledged
        (historical, append-only, cannot be rewritten)", and no longer fail the check; an event whose
        hash differs from the one acknowledged is not covered. Rows of other tables cannot be
        acknowledged: correct them."""
        acknowledged: dict[int, str] = {}
        if acknowledged_file is not None:
            try:
                acknowledged = id_number_scan.read_acknowledgements(acknowledged_file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, id_number_scan.BadAcknowledgements) as exc:
                raise click.ClickException(f"{acknowledged_file}: {exc}") from exc
        with database.session() as db:
            found = id_number_scan.sort_findings(db, id_number_scan.scan(db), acknowledged)

        def listed(findings: list) -> None:
            click.echo("table\tid\tfield\tnumber (masked)")
            for finding in findings:
                click.echo(finding.line())

        if found.open:
            listed(found.open)
        if found.acknowledged:
            click.echo("acknowledged (historical, append-only, cannot be rewritten):")
            listed(found.acknowledged)
        for event_id in found.stale:
            click.echo(f"acknowledged audit event {event_id} is not in this database with the hash listed: that "
                       "acknowledgement covers nothing", err=True)
        if found.open:
            click.echo(f"{len(found.open)} unmasked ID number(s) found", err=True)
            events = sorted({f.row_id for f in found.open if f.table == id_number_scan.ACKNOWLEDGEABLE})
            if events:
                click.echo(f"{len(events)} audit event(s) among them: historical, append-only, cannot be rewritten. "
                           "Once reviewed, list them in a file given with --acknowledged:", err=True)
                for event_id in events:
                    click.echo(f"audit_event {event_id} {found.hashes[event_id]}", err=True)
            raise SystemExit(FOUND_ID_NUMBERS)
        if found.acknowledged:
            click.echo(f"no unmasked ID number found outside {len({f.row_id for f in found.acknowledged})} "
                       "acknowledged historical audit event(s)")
        else:
            click.echo("no unmasked ID number found")

    ledger_cli.register(app)
    export_cli.register(app)
    import_worker_cli.register(app)
