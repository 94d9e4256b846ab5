"""``flask --app wsgi export-questions``: a whole bank, or a large selection of it, exported from the
command line, where no request timeout applies (the export page serves the same formats).

    flask --app wsgi export-questions --as editor1 --format jsonl [--category 宪法] [--type single_choice]
                                      [--status published] [--batch 12] OUTPUT

``--as`` names the bank editor or reviewer the export is done as: it must hold one of those roles,
and the export is audited in their name (``export.questions``), as on the page.
"""

from __future__ import annotations

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
                with output.open("wb") as out:
                    count = exporting.export_questions(db, clock(), actor, file_format, selection, out)
            except DomainError as exc:
                output.unlink(missing_ok=True)
                click.echo(f"Nothing was exported: {exc}", err=True)
                raise SystemExit(1) from None
            db.commit()
        click.echo(f"{count:,} questions exported to {output} ({file_format}).")
