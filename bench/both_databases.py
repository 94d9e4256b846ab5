"""Running one bench on SQLite (a file in a temporary folder) and then on a PostgreSQL database of
its own, made for the run and dropped after it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

#: The server ``make test`` uses; each bench takes ``--pg URL`` for another.
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def on_both(run: Callable[[str], None], pg_url: str, database_name: str) -> None:
    """Print "SQLite" and call ``run(url)`` on a fresh SQLite file, then "PostgreSQL" and call it on
    a database ``database_name`` created on ``pg_url``'s server (dropped first if left over, and
    dropped afterwards even when ``run`` fails)."""
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        run(f"sqlite:///{Path(tmp) / 'bench.db'}")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database_name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {database_name}"))
    try:
        print("PostgreSQL")
        run(make_url(pg_url).set(database=database_name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {database_name} WITH (FORCE)"))
        admin.dispose()
