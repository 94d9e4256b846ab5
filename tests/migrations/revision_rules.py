"""The rule every revision's ``upgrade()`` keeps (SEC-F5): a column or a table is dropped, or a
column's type changed, only with an explicit data step.

A revision that removes something names, in a module-level ``DATA_STEPS`` mapping, the function
that moves or keeps its data: ``{"table.column": "function_name"}`` (``"table"`` for a table). The
function lives in the revision, says in its docstring what happens to the data (where it goes, or
why there is none to keep), and ``upgrade()`` calls it before the removal. Found by reading the
revision's source: ``op.drop_column``, ``op.drop_table``, ``op.alter_column(type_=…)``, the same
on a ``batch_alter_table`` block, and DROP / ALTER … TYPE in SQL handed to ``op.execute`` (a
literal, an f-string, a module-level constant, or those joined with ``+``), in ``upgrade()`` and in
every function of the revision it calls, directly or not (found at the line of the call in
``upgrade()``).

The walk over the migrations also asks which tables a revision creates (:func:`created_tables`):
only those may disappear when it is downgraded.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_SQL_REMOVAL = re.compile(r"\b(DROP\s+TABLE|DROP\s+COLUMN|ALTER\s+COLUMN\s+\S+\s+(?:SET\s+DATA\s+)?TYPE)\b", re.I)


@dataclass(frozen=True)
class Removal:
    """One removal in ``upgrade()``: what it does, to what (``table.column`` or ``table``; ``""``
    for raw SQL), the line, and why it is not covered (``""`` when it is)."""

    operation: str
    target: str
    line: int
    problem: str = ""


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _sql(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    """The SQL text of an ``op.execute`` argument as far as it can be read without running it:
    what an f-string's values would fill in reads as ``{…}``."""
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(part) or "{…}" for part in node.values)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sql(node.left, constants), _sql(node.right, constants)
        return None if left is None and right is None else (left or "{…}") + (right or "{…}")
    return _text(node)


def _reached_from_upgrade(module: ast.Module) -> list[tuple[ast.FunctionDef, int | None]]:
    """``upgrade()`` and every module-level function it calls, directly or through others, each
    with the line of the call in ``upgrade()`` it is reached through (None for ``upgrade()``)."""
    functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    if "upgrade" not in functions:
        return []
    reached, queue = {"upgrade": None}, [("upgrade", None)]
    while queue:
        name, via = queue.pop()
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions \
                    and node.func.id not in reached:
                line = node.lineno if via is None else via
                reached[node.func.id] = line
                queue.append((node.func.id, line))
    return [(functions[name], line) for name, line in reached.items()]


def _batch_tables(function: ast.FunctionDef) -> dict[str, str]:
    """Alias → table of every ``with op.batch_alter_table("t") as alias`` block."""
    tables = {}
    for node in ast.walk(function):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "batch_alter_table" and isinstance(item.optional_vars, ast.Name)):
                    tables[item.optional_vars.id] = _text(call.args[0]) if call.args else "?"
    return tables


def removals(source: str) -> list[Removal]:
    """Every drop or type change in the ``upgrade()`` of a revision's ``source``, or in a function
    it calls (at the line of the call in ``upgrade()``)."""
    module = ast.parse(source)
    constants = {t.id: _text(n.value) for n in module.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and _text(n.value) is not None}
    found = []
    for function, via in _reached_from_upgrade(module):
        batches = _batch_tables(function)
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            line = node.lineno if via is None else via
            owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
            args = [_text(a) for a in node.args]
            table, rest = (batches[owner], args) if owner in batches else ((args[0] if args else "?"), args[1:])
            operation = node.func.attr
            sql = _sql(node.args[0], constants) if operation == "execute" and node.args else None
            if operation == "drop_table" and owner not in batches:
                found.append(Removal(operation, table or "?", line))
            elif operation == "drop_column":
                found.append(Removal(operation, f"{table}.{rest[0] if rest else '?'}", line))
            elif operation == "alter_column" and any(k.arg == "type_" for k in node.keywords):
                found.append(Removal("change type", f"{table}.{rest[0] if rest else '?'}", line))
            elif sql and _SQL_REMOVAL.search(sql):
                found.append(Removal("SQL " + _SQL_REMOVAL.search(sql).group(1).upper(), "", line))
    return sorted(found, key=lambda r: r.line)


def unexplained(source: str) -> list[Removal]:
    """The removals of ``source`` without a data step, each with the reason."""
    module = ast.parse(source)
    functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    steps: dict[str, str] = {}
    for node in module.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "DATA_STEPS" for t in targets) and isinstance(node.value, ast.Dict):
                steps = {_text(k) or "": _text(v) or "" for k, v in zip(node.value.keys, node.value.values)}
    calls = {}
    if "upgrade" in functions:
        for node in ast.walk(functions["upgrade"]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls.setdefault(node.func.id, node.lineno)
    problems = []
    for removal in removals(source):
        name = steps.get(removal.target) if removal.target else None
        if not name:
            problem = f"{removal.operation} {removal.target or '(SQL)'} has no entry in DATA_STEPS"
        elif name not in functions:
            problem = f"DATA_STEPS names {name}, which the revision does not define"
        elif not ast.get_docstring(functions[name]):
            problem = f"{name} does not say in a docstring what happens to the data"
        elif calls.get(name, removal.line + 1) > removal.line:
            problem = f"upgrade() does not call {name} before line {removal.line}"
        else:
            continue
        problems.append(Removal(removal.operation, removal.target, removal.line, problem))
    return problems


_SQL_CREATE = re.compile(r"\bCREATE\s+(VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)\"?(\s+USING\s+fts5\b)?", re.I)
#: The tables SQLite makes behind an FTS5 virtual table, named after it.
_FTS5_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")


def created_tables(source: str) -> set[str]:
    """The tables a revision's ``source`` creates (``op.create_table`` in ``upgrade()``, and
    CREATE [VIRTUAL] TABLE in any SQL text of the revision, with an FTS5 table's shadow tables):
    the only ones its downgrade may take away."""
    module = ast.parse(source)
    upgrade = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    if upgrade is None:
        return set()
    found = {_text(node.args[0]) for node in ast.walk(upgrade)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "create_table"
             and node.args and _text(node.args[0])}
    for node in ast.walk(module):
        for match in _SQL_CREATE.finditer(_text(node) or ""):
            found.add(match.group(2))
            if match.group(3):
                found.update(match.group(2) + suffix for suffix in _FTS5_SHADOWS)
    return found
