"""A hot statement rendered to its SQL once and handed to the driver as it is (issue 7).

SQLAlchemy executes a Core statement by looking up its compiled form (a cache key made from the
whole statement tree on every call), building the parameters through every bind's type and wrapping
the result in processors. For the autosave, the busiest write of a sitting, that work was a tenth
of the save's CPU on PostgreSQL, more than the driver's own. :class:`RenderedStatement` does the
lookup once per dialect and then runs the SQL text with ``Connection.exec_driver_sql``: still inside
the connection's transaction, its events (statement counting) and its error handling (a dropped
connection is reported as invalidated), only without the per-call bookkeeping.

The values are bound, and read back, through the same column types as SQLAlchemy's own execution
(``tests/question_bank/test_driver_sql.py`` compares the two). On PostgreSQL the rows come back as
psycopg gives them, which is already what the types give: JSON decoded by the engine's
``json_loads`` (the dialect installs it in psycopg), ``timestamptz`` as an aware datetime (in the
connection's time zone rather than UTC: the same instant). On SQLite a timestamp and a JSON
document are text, so each column's result processing is applied here.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable

#: Dialects whose driver returns every value as the column types would: their rows are used as
#: they come.
_DRIVER_TYPED = frozenset({"postgresql"})
#: Dialects a statement is rendered for; any other runs it through SQLAlchemy as usual.
_RENDERED = frozenset({"postgresql", "sqlite"})


class _Rendering(NamedTuple):
    """A statement as rendered for one dialect."""
    sql: str
    #: Bind names in the order a positional driver takes them (SQLite's ``?``), or None.
    positions: tuple[str, ...] | None
    #: Values of the binds the statement carries (constants), already bound through their types.
    constants: dict[str, Any]
    #: Bind name → its type's bind processor (None: the value goes as it is).
    processors: dict[str, Any]
    #: Each result column's processor, or None where the driver's values are used as they come.
    results: list[Any] | None
    #: The row type (named by the selected columns' keys) for processed rows.
    row: Any


class RenderedStatement:
    """``statement`` (a Core select, insert, update or delete whose binds are plain values or
    named ``bindparam``s) run as SQL rendered once per dialect.

    Every bind of the statement that has a value (a constant such as a role's name) is bound
    through its type once, when rendered; the named ones are bound through their types on each
    call. Raises ``ValueError`` on rendering a statement with a parameter rendered per call (an
    ``IN`` list, a ``literal_execute`` bind): those need SQLAlchemy's own execution."""

    def __init__(self, statement: Executable, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self._column_keys = column_keys
        self._rendered: dict[str, _Rendering] = {}

    def execute(self, connection: Connection, params: dict[str, Any]) -> list[Any]:
        """Run the statement with ``params`` (bind name → value) in ``connection``'s transaction;
        its rows (each with the selected columns' names as attributes), or [] for a statement
        that returns none."""
        dialect = connection.dialect
        if dialect.name not in _RENDERED:
            result = connection.execute(self.statement, params)
            return result.all() if result.returns_rows else []
        rendering = self._rendered.get(dialect.name) or self._render(dialect)
        values = dict(rendering.constants)
        for name, value in params.items():
            process = rendering.processors[name]
            values[name] = value if process is None else process(value)
        if rendering.positions is not None:
            values = tuple(values[name] for name in rendering.positions)
        result = connection.exec_driver_sql(rendering.sql, values)
        if not result.returns_rows:
            return []
        if rendering.results is None:
            return result.all()
        row, processors = rendering.row, rendering.results
        return [row._make(value if process is None else process(value) for process, value in zip(processors, raw))
                for raw in result]

    def _render(self, dialect: Dialect) -> _Rendering:
        compiled = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a statement with per-call rendered parameters cannot be rendered once")
        processors = {name: bind.type._cached_bind_processor(dialect) for bind, name in compiled.bind_names.items()}
        constants = {}
        for bind, name in compiled.bind_names.items():
            if not bind.required:
                process = processors[name]
                constants[name] = bind.value if process is None else process(bind.value)
        # A select's columns, or what an insert, update or delete returns (none without RETURNING).
        # Not a DML statement's exported_columns: reading it memoizes the columns on the statement,
        # and a RETURNING added to it later (db.insert_rows' then=, on a cached insert) keeps them.
        columns = list(getattr(self.statement, "selected_columns", None) or getattr(self.statement, "_returning", ()))
        results = None if dialect.name in _DRIVER_TYPED else [
            column.type._cached_result_processor(dialect, None) for column in columns]
        row = namedtuple("RenderedRow", [column.key for column in columns], rename=True)
        rendering = self._rendered[dialect.name] = _Rendering(
            compiled.string, tuple(compiled.positiontup) if compiled.positional else None, constants, processors,
            results, row)
        return rendering
