"""A hot statement rendered to its SQL once and handed to the driver as it is (issue 7).

SQLAlchemy executes a Core statement by looking up its compiled form (a cache key made from the
whole statement tree on every call), building the parameters through every bind's type and wrapping
the result in processors. For the autosave, the busiest write of a sitting, that work was a tenth
of the save's CPU on PostgreSQL, more than the driver's own. :class:`RenderedStatement` does it
once per dialect and then runs the SQL text with ``Connection.exec_driver_sql``: still inside the
connection's transaction, its events (statement counting) and its error handling (a dropped
connection is reported as invalidated), only without the per-call bookkeeping.

On PostgreSQL the rows come back as psycopg gives them, which is what the column types give: JSON
decoded by the engine's ``json_loads`` (the dialect installs it in psycopg), ``timestamptz`` as an
aware datetime (in the connection's time zone rather than UTC: the same instant), text and numbers
as they are. Only there: on SQLite a timestamp is text and JSON is text, which only the types'
result processing turns into values, so the statement runs through SQLAlchemy as usual.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql import Executable

#: The dialects whose driver returns every value as the column types would.
_DRIVER_READY = frozenset({"postgresql"})


class RenderedStatement:
    """``statement`` (a Core select, insert, update or delete whose binds are plain values or
    named ``bindparam``s) run on PostgreSQL as SQL rendered once, elsewhere as SQLAlchemy runs it.

    Every bind of the statement that has a value (a constant such as a role's name) is bound
    through its type once, when rendered; the named ones are bound through their types on each
    call. Raises ``ValueError`` on rendering a statement with a parameter rendered per call (an
    ``IN`` list, a ``literal_execute`` bind): those need SQLAlchemy's own execution."""

    def __init__(self, statement: Executable, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self._column_keys = column_keys
        self._rendered: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}

    def execute(self, connection: Connection, params: dict[str, Any]) -> CursorResult[Any]:
        """Run the statement with ``params`` (bind name → value) in ``connection``'s transaction."""
        dialect = connection.dialect
        if dialect.name not in _DRIVER_READY:
            return connection.execute(self.statement, params)
        rendered = self._rendered.get(dialect.name) or self._render(dialect)
        sql, constants, processors = rendered
        values = dict(constants)
        for name, value in params.items():
            process = processors[name]
            values[name] = value if process is None else process(value)
        return connection.exec_driver_sql(sql, values)

    def _render(self, dialect: Dialect) -> tuple[str, dict[str, Any], dict[str, Any]]:
        compiled = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
        if compiled.positional or compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a statement with positional or per-call rendered parameters cannot be rendered once")
        processors = {name: bind.type._cached_bind_processor(dialect) for bind, name in compiled.bind_names.items()}
        constants = {}
        for bind, name in compiled.bind_names.items():
            if not bind.required:
                process = processors[name]
                constants[name] = bind.value if process is None else process(bind.value)
        rendered = self._rendered[dialect.name] = (compiled.string, constants, processors)
        return rendered
