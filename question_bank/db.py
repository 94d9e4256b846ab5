"""Database plumbing shared by every model: the declarative base, a UTC datetime type, engines.

SQLite is the embedded default and PostgreSQL the production database; both are created only by the
Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker, Session
from sqlalchemy.types import TypeDecorator

#: Constraint names are part of the schema that migrations refer to, so they are fixed by convention.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLite waits this long (milliseconds) for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLite's ``synchronous`` setting. FULL: in WAL mode every commit is synced to disk before it
#: returns, so a save acknowledged to a candidate survives power loss; NORMAL syncs only at
#: checkpoints and may lose the last commits (https://sqlite.org/pragma.html#pragma_synchronous).
#: The cost is measured by ``python -m bench.autosave``.
SQLITE_SYNCHRONOUS = "FULL"

logger = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    SQLite has no timezone type, so values are stored as naive UTC there; PostgreSQL stores
    ``timestamptz``. Naive datetimes are refused on the way in: the domain never makes them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the domain works in aware UTC datetimes")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, sqlite_immediate: bool = True, sqlite_synchronous: str = SQLITE_SYNCHRONOUS,
                **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings this service relies on.

    On SQLite: WAL journal, ``synchronous`` as :data:`SQLITE_SYNCHRONOUS` (``sqlite_synchronous``
    is for the bench that measures it), foreign keys on, a 30 s busy timeout, and every transaction
    begun with ``BEGIN IMMEDIATE``. A deferred transaction that reads and then writes cannot wait for the write
    lock (SQLite returns "database is locked" at once, whatever the busy timeout), which under
    concurrent autosaves loses saves; IMMEDIATE takes the write lock up front and so waits its turn.
    This follows SQLAlchemy's documented pysqlite recipe ("Serializable isolation / Savepoints /
    Transactional DDL").

    ``sqlite_immediate=False`` gives deferred transactions instead: only for an observer that
    reads while others write (the test suite's own session), never for the service.

    On PostgreSQL the first connection checks that a commit is durable when it returns
    (:func:`durability_warnings`) and logs a warning when it is not.
    """
    if url.startswith("sqlite"):
        if sqlite_synchronous not in ("FULL", "EXTRA", "NORMAL"):
            raise ValueError(f"unknown SQLite synchronous setting {sqlite_synchronous!r}")
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        kwargs["connect_args"].setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, "BEGIN IMMEDIATE" if sqlite_immediate else "BEGIN", sqlite_synchronous)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "first_connect", _warn_unless_durable)
    return engine


def durability_warnings(dbapi_connection: Any) -> list[str]:
    """What makes a PostgreSQL commit not durable when it returns, on this connection:
    ``synchronous_commit`` off (the last commits are lost in a server crash, though acknowledged)
    or ``fsync`` off (a crash can corrupt the database). Empty when both are on."""
    problems = []
    cursor = dbapi_connection.cursor()
    try:
        for setting, why in (("synchronous_commit", "an acknowledged save can be lost if the server crashes"),
                             ("fsync", "a crash can lose or corrupt data")):
            cursor.execute(f"SHOW {setting}")
            if cursor.fetchone()[0] == "off":
                problems.append(f"PostgreSQL {setting} is off: {why}. Set {setting} = on.")
    finally:
        cursor.close()
        # Hand the connection back as it came, with no transaction open.
        dbapi_connection.rollback()
    return problems


def _warn_unless_durable(dbapi_connection: Any, _record: Any) -> None:
    for problem in durability_warnings(dbapi_connection):
        logger.warning(problem)


def _configure_sqlite(engine: Engine, begin: str, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (views render after committing)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
