"""Database plumbing shared by every model: the declarative base, a UTC datetime type, engines.

SQLite is the embedded default and PostgreSQL the production database; both are created only by the
Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import sqlite3
from decimal import Decimal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import (JSON, BigInteger, ColumnElement, DateTime, Enum, MetaData, Numeric, String, Table, Text, bindparam, cast, column,
                        create_engine, event, func, insert, select)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.sql.base import Executable
from sqlalchemy.orm import DeclarativeBase, sessionmaker, Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from question_bank.driver_sql import RenderedStatement
from question_bank.points import CENT, from_cents, to_cents
from question_bank.field_limits import refuse_overlong_values

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


class Points(TypeDecorator[Decimal]):
    """Points (marks, scores, pass marks) kept exactly to the hundredth on every database (C-20).

    PostgreSQL stores ``NUMERIC(precision, 2)``, which is exact. SQLite has no decimal type: its
    NUMERIC columns keep 59.99 as a binary float, and SQLAlchemy reads that back through ``float``,
    so a 59.995 would silently come back as 59.99 there and as 60.00 on PostgreSQL. On SQLite the
    value is therefore stored as an integer number of hundredths (59.99 → 5999); the column keeps
    its declared ``NUMERIC`` type (rebuilding the tables that hold marks is not possible in a
    migration while other tables reference them), and SQLite's NUMERIC affinity stores an integer
    exactly. Comparisons (``pass_mark > :total``), ``CHECK`` constraints and ``SUM()`` work in
    hundredths unchanged; raw SQL on SQLite reads hundredths.

    Values are :class:`~decimal.Decimal` in and out (always two places out). A value with more than
    two places is refused with ``ValueError`` instead of being rounded; the places a person types
    marks into check it first and name the field (``question_bank.points``).
    """

    impl = Numeric(8, 2)
    cache_ok = True

    def __init__(self, precision: int = 8) -> None:
        super().__init__(precision, 2)
        #: Digits in all, two of them after the point (8: up to 999999.99 points).
        self.precision = precision

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float | bool) or not isinstance(value, int | Decimal):
            raise ValueError(f"points must be a Decimal or an int, not {type(value).__name__} {value!r}")
        cents = to_cents(Decimal(value))
        return cents if dialect.name == "sqlite" else from_cents(cents)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, int):
                return from_cents(value)
            # Not written by this type (raw SQL put a fraction there): shown as it is, never rounded.
            return Decimal(str(value)).scaleb(-2)
        # NUMERIC(p, 2) holds nothing finer than a hundredth.
        return Decimal(value).quantize(CENT)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def in_ids(key: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """SQL condition ``key IN (ids)`` with the ids written into the statement as numbers (each made
    an ``int`` first) rather than bound one parameter each: for lists of thousands of ids, whose
    parameters SQLAlchemy names one by one and psycopg then finds again in the text, which cost a
    50,000-row score sheet more than the database's work on them (issue 7)."""
    return key.in_(bindparam(None, [int(i) for i in ids], type_=BigInteger(), expanding=True, literal_execute=True))


def insert_rows(session: Any, model: Any, rows: list[dict[str, Any]], *,
                then: Callable[[Any], Executable] | None = None, then_params: dict[str, Any] | None = None) -> None:
    """Insert ``rows`` (dicts of column values, every dict with the same keys) into ``model``'s
    table in the session's transaction, as one statement: on PostgreSQL one
    ``INSERT … SELECT … FROM jsonb_to_recordset(:rows)`` taking every row in one JSON document
    (:func:`_recordset_insert`), on SQLite one Core ``executemany``, which its driver runs natively.
    Never one ORM object and one statement per row (issue 7).

    Each value goes through its column type's own bind processing first (points checked and
    rounded to the hundredth, JSON serialised as the column would), so the rows stored are the ones
    an ORM insert would store. Measured for a paper's 100 attempt items, warm, client CPU on a busy
    2-core machine: psycopg's ``executemany`` (one prepared statement in pipeline mode, 100
    executions) 2.7–2.8 ms; an ``unnest`` of one array parameter per column 1.6–1.8 ms, most of it
    psycopg quoting every array element in Python; the one JSON document (orjson) a fraction of
    that (``bench.bursts``, issue 7). Pending ORM changes are flushed first, so the rows may refer
    to objects added in this transaction. No objects are loaded: a relationship collection
    already loaded in the session does not see the rows (expire it). Raises what the database
    raises (a constraint broken), ``ValueError`` naming any key that is no column of the table
    (SQLite's ``executemany`` would drop such a key silently and give the column its default,
    where PostgreSQL's form fails, so a misspelt column is refused on both alike) and what a
    column's bind processing raises (``ValueError`` for points with more than two places).

    ``then`` makes a statement that reads the rows just inserted from the selectable it is given
    (with the table's columns), run with ``then_params`` bound: on PostgreSQL that selectable is
    the insert's ``RETURNING`` as a data-modifying ``WITH``, so the rows and the statement go in
    one round trip; elsewhere it is the table itself, read by a second statement after the insert,
    so ``then`` must pick the rows it wants by their values (an attempt id), never take all. The
    statement is made once per table, column list and ``then`` (pass a module-level function).
    With no rows nothing runs, ``then`` neither."""
    if not rows:
        return
    columns = tuple(rows[0])
    unknown = sorted(set(columns) - set(model.__table__.c.keys()))
    if unknown:
        raise ValueError(f"{model.__table__.name} has no column {', '.join(unknown)}")
    session.flush()
    connection = session.connection()
    statement = _recordset_insert(model.__table__, columns) if connection.dialect.name == "postgresql" else None
    if statement is not None:
        document = {"rows": _recordset_document(model.__table__, columns, rows, connection.dialect)}
        if then is None:
            _rendered(statement).execute(connection, document)
        else:
            connection.execute(_then_inserted(model.__table__, columns, then), {**document, **(then_params or {})})
        return
    connection.execute(insert(model.__table__), rows)
    if then is not None:
        connection.execute(_then_in_table(model.__table__, then), then_params or {})


@functools.lru_cache(maxsize=64)
def _rendered(statement: Executable) -> RenderedStatement:
    """``statement`` (made once by :func:`_recordset_insert`) rendered once per dialect: SQLAlchemy's
    execution keyed and bound it anew for every call (a hand-in's marks, issue 7)."""
    return RenderedStatement(statement)


@functools.lru_cache(maxsize=16)
def _then_inserted(table: Table, columns: tuple[str, ...], then: Callable[[Any], Executable]) -> Any:
    """PostgreSQL: ``WITH inserted AS (<the recordset insert> RETURNING *) <then(inserted)>``."""
    inserted = _recordset_insert(table, columns).returning(*table.columns).cte("inserted")
    return then(inserted).add_cte(inserted)


@functools.lru_cache(maxsize=16)
def _then_in_table(table: Table, then: Callable[[Any], Executable]) -> Any:
    return then(table)


def _recordset_document(table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]], dialect: Any) -> str:
    """``rows`` as the JSON text :func:`_recordset_insert` takes: every value bind-processed by its
    column's type (the result of a hashable value computed once per distinct value: a paper's
    marks are a handful), then written by orjson (datetimes as RFC 3339 with their offset,
    decimals as their exact text)."""
    processed: dict[str, list[Any]] = {}
    for name in columns:
        values = [row[name] for row in rows]
        kind = table.c[name].type
        # A JSON column as the text a JSON column binds (the driver's own processor wraps the value
        # for psycopg to serialise, which a document cannot hold). SQLAlchemy 2.1 has no processor
        # for psycopg's JSON (the driver serialises): then json.dumps, as psycopg's dumper does.
        # Without it a text key (a short answer's) arrived unquoted and failed the cast to JSONB,
        # and None arrived as SQL NULL where the ORM stores JSON null.
        process = ((JSON.bind_processor(kind, dialect) or json.dumps) if _json_variant(kind)
                   else kind._cached_bind_processor(dialect))
        if process is not None:
            done: dict[Any, Any] = {}
            values = [_processed(process, value, done) for value in values]
        processed[name] = values
    document = [dict(zip(columns, values)) for values in zip(*processed.values())]
    return orjson.dumps(document, default=_json_scalar).decode()


def _processed(process: Any, value: Any, done: dict[Any, Any]) -> Any:
    """``process(value)``, remembered in ``done`` for a hashable value of an exact type (a Decimal,
    an int, a string, a bool, None, or a time in UTC itself: never a float, whose -0.0 equals 0.0,
    nor a time in another zone, equal to the same instant in UTC but written with its own offset).
    A hand-in's marks share one time, one flag and no marker (issue 7)."""
    kind = type(value)
    if kind not in _REMEMBERED and not (kind is dt.datetime and value.tzinfo is dt.timezone.utc):
        return process(value)
    key = (kind, value)
    if key not in done:
        done[key] = process(value)
    return done[key]


#: The types of the values :func:`_processed` remembers (a datetime only when in UTC itself).
_REMEMBERED = frozenset({Decimal, int, str, bool, type(None)})


def _json_scalar(value: Any) -> Any:
    """What orjson cannot write itself: a Decimal as its exact text (PostgreSQL reads it back
    exactly into NUMERIC). Raises ``TypeError`` for anything else."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written into a recordset")


@functools.lru_cache(maxsize=64)
def _recordset_insert(table: Table, columns: tuple[str, ...]) -> Any:
    """``INSERT INTO table (columns) SELECT … FROM jsonb_to_recordset(:rows) AS given(c1 type1, …)``,
    made once per table and column list (so SQLAlchemy's compiled cache serves it). A JSON column
    is read as the text its bind processing made and cast to the column's type (so ``None``
    stores what it stores through the ORM: JSON null), and a string column as text, whose
    assignment to the column refuses an overlong value instead of cutting it. None when a column
    left out has a Python-side default, which ``INSERT … SELECT`` would not apply."""
    if any(c.default is not None and c.name not in columns and not c.primary_key for c in table.columns):
        return None

    def field(name: str) -> Any:
        kind = table.c[name].type
        plain_text = isinstance(kind, String) and not isinstance(kind, Enum)  # an enum keeps its type
        return column(name, Text() if plain_text or _json_variant(kind) else kind)

    source = func.jsonb_to_recordset(cast(bindparam("rows", type_=Text()), JSONB())) \
        .table_valued(*[field(name) for name in columns]).render_derived(name="given", with_types=True)
    picked = [cast(source.c[name], table.c[name].type) if _json_variant(table.c[name].type) else source.c[name]
              for name in columns]
    return insert(table).from_select(list(columns), select(*picked))


def _json_variant(kind: TypeEngine[Any]) -> bool:
    """Whether a column type is JSON (also through a variant, such as :data:`JSONDocument`)."""
    return isinstance(kind, JSON) or any(isinstance(v, JSON) for v in getattr(kind, "_variant_mapping", {}).values())


#: 2**63 has 19 digits: an integer orjson would read as a float has at least that many (the
#: bytes form for psycopg, which hands JSONB over undecoded).
_LONG_DIGIT_RUN = re.compile(r"[0-9]{19}")
_LONG_DIGIT_RUN_BYTES = re.compile(rb"[0-9]{19}")


def json_loads(text: str | bytes) -> Any:
    """A JSON column's stored text as Python values: what ``json.loads`` gives, read by orjson.

    Every read of an answer, an option order, a key or the question's options decodes JSON, a few
    hundred times per hand-in and per exam page; orjson does it in a tenth of the time (issue 7).
    What orjson refuses and the standard library reads (NaN, a lone surrogate) is read by
    ``json.loads`` as before, and so is any text with a run of 19 digits or more, since orjson
    reads an integer beyond 64 bits as a float without a word: no stored value reads differently.
    Raises ``json.JSONDecodeError`` for text that is not JSON at all."""
    # A text shorter than a run of 19 digits holds none (most are: a choice, an option order).
    if len(text) >= 19 and (_LONG_DIGIT_RUN if isinstance(text, str) else _LONG_DIGIT_RUN_BYTES).search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


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
    (:func:`durability_warnings`) and logs a warning when it is not. The pool pings each connection
    as it is checked out (``pool_pre_ping``, one round trip) unless the caller passes
    ``pool_pre_ping=False`` and handles a dropped connection itself (the web app does: see
    ``examsvc.database``).
    """
    kwargs.setdefault("json_deserializer", json_loads)
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
        if connection.get_execution_options().get(_SQLITE_NO_BEGIN):
            return  # a read in SQLite's own per-statement transaction: see read_outside_transaction
        connection.exec_driver_sql(begin)


#: Execution option: begin no SQLite transaction on this connection (see :func:`read_outside_transaction`).
_SQLITE_NO_BEGIN = "examsvc_sqlite_no_begin"


@contextmanager
def read_outside_transaction(session: Session) -> Iterator[None]:
    """On SQLite, run the block's reads without ``BEGIN IMMEDIATE``: each statement is its own
    read transaction (SQLite's autocommit), so a read takes no write lock and never waits behind a
    writer; the session is handed back with no transaction open, its loaded objects kept (commit
    with ``expire_on_commit=False``). Only for a block of one self-consistent read statement that
    writes nothing (the session's user and roles are one statement), and only when the session
    has no transaction open yet; otherwise, and on other databases, the block runs in the
    session's transaction as usual.

    Why: a write lock taken by the first statement of a request is held through all of its Python
    work; a request should take it only around its write (issue 7)."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.connection(execution_options={_SQLITE_NO_BEGIN: True})
    try:
        yield
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("read_outside_transaction: the block changed objects")
    except BaseException:
        session.rollback()
        raise
    # No BEGIN was sent, so the commit sends nothing; it hands the connection back to the pool.
    session.commit()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (views render after committing),
    refusing any text longer than its column instead of letting a database cut or reject it
    (:func:`question_bank.field_limits.refuse_overlong_values`)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "before_flush", refuse_overlong_values)
    return factory
