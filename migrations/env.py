"""Alembic environment: migrations are the only way the schema is made (SQLite and PostgreSQL).

The URL is taken from, in order: a connection handed in by ``examsvc.database.upgrade`` (as
``config.attributes["connection"]``), ``-x url=…``, or ``EXAMSVC_DATABASE_URL``.
"""

from __future__ import annotations

import os
import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

import question_bank.models  # noqa: F401  (registers every table on Base.metadata)
from question_bank.db import Base, make_engine

config = context.config
# SQLite batch operations reflect tables; SQLAlchemy cannot reflect the lower(username) expression
# index and says so, but the migration that needs it recreates it explicitly.
warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("EXAMSVC_DATABASE_URL")
    if not url:
        raise SystemExit("Set EXAMSVC_DATABASE_URL (or pass -x url=...) to say which database to migrate.")
    return url


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
