"""``flask --app wsgi export-questions``: a whole bank, or a large selection of it, exported from the
command line, where no request timeout applies (the export page serves the same formats).

    flask --app wsgi export-questions --as editor1 --format jsonl [--category 宪法] [--type single_choice]
                                      [--status published] [--batch 12] OUTPUT

``--as`` names the bank editor or reviewer the export is done as: it must hold one of those roles,
and the export is audited in their name (``export.questions``), as on the page.

The file is written beside OUTPUT under a temporary name and renamed to OUTPUT only when complete
(SEC-F3): a full disk or any other failure leaves no OUTPUT, half-written or otherwise, and no
temporary file; an OUTPUT already there stays as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from examsvc import database
from examsvc.extensions import clock
from question_bank.errors import DomainError, NotFound
from question_bank.models import User
from question_bank.services import exporting
from question_bank.services.bank_search import QuestionQuery
from question_bank.services.exporting import FORMATS, Selection


def register(app: Flask) -> None:
    @app.cli.command("export-questions")
    @click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option("--as", "username", required=True, help="The bank editor or reviewer exporting.")
    @click.option("--format", "file_format", type=click.Choice(list(FORMATS)), default="jsonl", show_default=True)
    @click.option("--category", default="", help="A category path; its subcategories are included.")
    @click.option("--type", "qtype", default="", help="A question type code, e.g. single_choice.")
    @click.option("--status", default="", help="draft, in_review, published or retired.")
    @click.option("--batch", type=int, default=None, help="An import batch's number.")
    def export_questions(output: Path, username: str, file_format: str, category: str, qtype: str, status: str,
                         batch: int | None) -> None:
        """Export the selected questions (all by default) to OUTPUT."""
        selection = Selection(QuestionQuery(category=category, qtype=qtype, status=status), batch_id=batch)
        with database.session() as db:
            actor = db.scalar(select(User).where(func.lower(User.username) == username.lower()))
            try:
                if actor is None:
                    raise NotFound()
                count = _write_whole(output, lambda out: exporting.export_questions(
                    db, clock(), actor, file_format, selection, out))
            except DomainError as exc:
                click.echo(f"Nothing was exported: {exc}", err=True)
                raise SystemExit(1) from None
            except OSError as exc:
                click.echo(f"Nothing was exported: {output} could not be written ({exc.strerror}).", err=True)
                raise SystemExit(1) from None
            db.commit()
        click.echo(f"{count:,} questions exported to {output} ({file_format}).")


def _write_whole(output: Path, write) -> int:
    """Call ``write(binary file)`` on a temporary file in OUTPUT's folder, flush it to disk and
    rename it to OUTPUT; on any error remove the temporary file and raise. Returns what ``write``
    returned."""
    fd, temp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            result = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, output)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return result
