"""One engine per app and one session per request; the schema comes from the Alembic migrations.

Views call services, then :func:`commit`; a request that raises is rolled back when the app
context ends, so a refused change leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g

from examsvc import audit_origin
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from question_bank.db import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parent.parent
_KEY = "examsvc.db"
T = TypeVar("T")


#: Seconds after which a pooled connection is replaced rather than reused (PostgreSQL), well
#: within the idle timeouts of firewalls, proxies and PgBouncer that would drop it silently.
POOL_RECYCLE_S = 900


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    # No ping before each request's first statement (a round trip on every autosave, issue 7): a
    # connection the server dropped (a restart, a failover) fails that first statement instead,
    # which is the user lookup of ``examsvc.access.load_user`` (or the autosave's read, which
    # checks the person itself): SQLAlchemy then discards every connection of the pool made
    # before, and the statements are retried once on a fresh one (:func:`first_statements`).
    # Nothing is lost: nothing had been committed. ``POOL_RECYCLE_S`` replaces connections before a
    # middlebox's idle timeout can drop them unseen.
    options = {} if url.startswith("sqlite") else {"pool_pre_ping": False, "pool_recycle": POOL_RECYCLE_S}
    engine = make_engine(url, **options)
    app.extensions[_KEY] = (engine, make_session_factory(engine))
    app.teardown_appcontext(_close_session)


def serves(app: object) -> bool:
    """Whether ``app`` is an examsvc app with its database set up (:func:`init_app`)."""
    return isinstance(app, Flask) and _KEY in app.extensions


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_KEY][0]


def session() -> Session:
    """The request's (or command's) session, opened on first use; what it audits carries the
    request's or command's origin (:mod:`examsvc.audit_origin`)."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions[_KEY][1]
        g.db_session = factory(info=audit_origin.session_info())
    return g.db_session


def commit() -> None:
    session().commit()


def discard_work() -> None:
    """Roll back the request's session, if it has one (nothing is opened for it)."""
    if "db_session" in g:
        g.db_session.rollback()


def first_statements(run: Callable[[], T]) -> T:
    """``run()``, the request's first statements, run once more on a new connection when the pooled
    connection it got had been dropped by the server (``connection_invalidated``): the pool pings
    no connection before lending it (:func:`init_app`), so a request would otherwise fail once per
    dropped connection. Only when no transaction was open before, so that nothing of the request
    is lost by the retry; anything else raised is raised."""
    db = session()
    fresh = not db.in_transaction()
    try:
        return run()
    except DBAPIError as exc:
        if not (fresh and exc.connection_invalidated):
            raise
        db.rollback()
    return run()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def upgrade(db_engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` through the migrations (the only way the schema is made)."""
    if db_engine.url.get_backend_name() == "sqlite" and db_engine.url.database:
        Path(db_engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    _migrate(db_engine, command.upgrade, revision)


def downgrade(db_engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (``"-1"``: one step) through the migrations."""
    _migrate(db_engine, command.downgrade, revision)


def _migrate(db_engine: Engine, step, revision: str) -> None:
    config = alembic_config()
    # Handed over outside any transaction: migrations/env.py begins and commits one itself, after
    # switching SQLite's foreign-key enforcement off (which SQLite ignores inside a transaction).
    with db_engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
