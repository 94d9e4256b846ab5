"""Alembic environment: migrations are the only way the schema is made (SQLite and PostgreSQL).

The URL is taken from, in order: a connection handed in by ``examsvc.database`` (as
``config.attributes["connection"]``, outside any transaction), ``-x url=…``, or
``EXAMSVC_DATABASE_URL``.

All pending migrations run in one transaction on both databases, so a failure leaves the schema
and the data as they were. On SQLite a batch operation rebuilds a table (copy, drop the original,
rename the copy); dropping a table that other tables reference fails, or deletes, while foreign
keys are enforced. So, as Alembic's batch documentation says ("Dealing with Referencing Foreign
Keys"), enforcement is switched off for the run: ``PRAGMA foreign_keys`` has no effect inside a
transaction, so it is set before the transaction begins and set back after it ends, and before
committing ``PRAGMA foreign_key_check`` must find no row pointing at nothing.
"""

from __future__ import annotations

import os
import warnings

from alembic import context
from sqlalchemy.engine import Connection
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


def _sqlite_foreign_keys(connection: Connection, enforced: bool) -> None:
    """Switch SQLite's foreign-key enforcement, on the driver's connection and outside any
    transaction (where SQLite ignores the pragma), and make sure it took."""
    if connection.in_transaction():
        raise RuntimeError("migrations need a connection outside any transaction on SQLite "
                           "(PRAGMA foreign_keys is ignored inside one)")
    driver = connection.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != int(enforced):
        raise RuntimeError("SQLite did not switch foreign-key enforcement")


def _check_references(connection: Connection) -> None:
    """Refuse to commit a migration that left rows referring to rows that do not exist."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} row(s) referring to nothing, e.g. "
                           f"table {broken[0][0]} row {broken[0][1]} → {broken[0][2]}")


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, enforced=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=sqlite,
            # SQLite can roll back DDL too: one transaction for the whole run, as on PostgreSQL.
            transactional_ddl=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_references(connection)
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            _sqlite_foreign_keys(connection, enforced=True)


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
