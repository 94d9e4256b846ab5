"""No text a person wrote is ever cut to fit a column (issue 5): a value longer than its
``String(n)`` column holds is refused, naming the field and the limit, on both databases alike
(PostgreSQL would raise a bare error, SQLite would store it whole).

Services check the fields a person fills in with :func:`too_long` and place each problem on the
form field or template column; :func:`refuse_overlong_values`, installed on every session by
:func:`question_bank.db.make_session_factory`, is the backstop for anything a service did not
check: it refuses the flush naming ``table.column`` and the limit, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from question_bank.errors import N_, InvalidInput, Problem


def column_limit(model: type, field: str) -> int | None:
    """The length of ``model.field``'s ``String(n)`` column, or None (text, or not a string)."""
    column = inspect(model).columns.get(field)
    if column is None or not isinstance(column.type, String):
        return None
    return column.type.length


def too_long(model: type, values: Mapping[str, Any], places: Mapping[str, str] | None = None) -> list[Problem]:
    """One problem for each text of ``values`` (field name → value) longer than its column holds,
    placed on ``places[field]`` (the field's own name by default)."""
    problems = []
    for field, value in values.items():
        limit = column_limit(model, field)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problems.append(Problem(N_("%(field)s is %(length)d characters long; at most %(n)d fit. Shorten it."),
                                    {"field": field, "length": len(value), "n": limit},
                                    (places or {}).get(field, field)))
    return problems


def refuse_overlong_values(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush`` hook: refuse the flush when a new or changed object holds a text longer than
    its ``String(n)`` column. Raises :class:`InvalidInput` naming ``table.column`` and the limit."""
    problems = []
    for obj in list(session.new) + list(session.dirty):
        mapper = inspect(obj).mapper
        for column in mapper.columns:
            if not isinstance(column.type, String) or column.type.length is None or column.table is None:
                continue
            attribute = mapper.get_property_by_column(column).key
            value = getattr(obj, attribute, None)
            if isinstance(value, str) and len(value) > column.type.length:
                problems.append(Problem(N_("%(field)s is %(length)d characters long; at most %(n)d fit. Shorten it."),
                                        {"field": f"{column.table.name}.{column.name}", "length": len(value),
                                         "n": column.type.length}, attribute))
    if problems:
        raise InvalidInput(problems)
