"""Ids never reused on SQLite: AUTOINCREMENT for the tables whose rows are deleted while their ids are named elsewhere

Without AUTOINCREMENT, SQLite gives a new row the highest id in the table plus one, so once the
highest row is deleted its id goes to the next row made (issue-5 trial: a draft question removed
with its discarded batch gave its id to the next new question, and the ``batch.discard`` audit
event, an export or a link naming the old id then pointed at another question). AUTOINCREMENT keeps
the highest id ever given in ``sqlite_sequence`` and never gives it again. PostgreSQL's sequences
never give a number twice already: there this revision changes nothing.

The tables are those whose rows the service deletes while their ids are named outside the row:

- ``question`` and ``question_version``: a discarded batch's drafts (``services.batch_discard``);
  questions are named by the audit log, exports, batch reports and links; versions by exports,
  the search index (``question_search`` rowid) and later the papers and attempts that use them;
- ``category``: a category merged into another or deleted (``services.categories``), named by the
  audit log and links;
- ``roster_entry``: a candidate taken off a sitting's roster, named by the audit log;
- ``held_import``: an upload held for the uploader's choice and then dropped or resumed, named by
  the choice form a second browser tab may still show.

Left as they are: tables whose rows are never deleted (a deleted row is the only way to reuse an
id), and those whose deleted rows are named nowhere else (near-duplicate keys, sign-in failures,
report-code lookups; ``question_citation``, whose one referrer, ``law_review_flag.citation_id``, is
set to NULL with it).

SQLite cannot add AUTOINCREMENT to a table: each is rebuilt as SQLite's own procedure says (make
the new table, copy the rows, drop the old, rename), its indexes and triggers made again from
their own SQL (the rebuild drops them: ``question_version`` has the search triggers and a partial
index that Alembic's reflecting batch mode would not carry over whole), with foreign-key
enforcement off for the run (``migrations/env.py``). The CREATE TABLE text is changed only where
the primary key is declared, and the change is refused unless it is found exactly once.

Ids deleted before this revision: the copy leaves ``sqlite_sequence`` at the highest id still in
the table; it is raised to the highest id the audit log names for the table (its events' object
ids, and the questions a ``batch.discard`` event lists), so that no id the record already holds is
given again. Downgrade rebuilds the tables without AUTOINCREMENT (dropping a table drops its
``sqlite_sequence`` row).

Revision ID: 3f7a2c9e8d41
Revises: 9e4c1d7a2b56
Create Date: 2026-12-04 09:20:00
"""

import re

from alembic import op

revision = "3f7a2c9e8d41"
down_revision = "9e4c1d7a2b56"
branch_labels = None
depends_on = None

#: The tables made AUTOINCREMENT (see above).
TABLES = ("question", "question_version", "category", "roster_entry", "held_import")
#: Each table is dropped only once every row of it is in its rebuilt copy (SEC-F5). The drop is
#: SQL on the driver's connection, which ``tests/migrations/revision_rules`` does not read; the
#: walk over the migrations (``tests/migrations/test_upgrades_keep_data``) checks the rows.
DATA_STEPS = {"question": "copy_into_rebuilt_table", "question_version": "copy_into_rebuilt_table",
              "category": "copy_into_rebuilt_table", "roster_entry": "copy_into_rebuilt_table",
              "held_import": "copy_into_rebuilt_table"}
_REBUILT = "_ids_never_reused_{}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's sequences never reuse a number
    for table in TABLES:
        attached = copy_into_rebuilt_table(table, autoincrement=True)
        _replace_with_rebuilt_table(table, attached)
        _keep_ids_the_record_names(table)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        attached = copy_into_rebuilt_table(table, autoincrement=False)
        _replace_with_rebuilt_table(table, attached)


def copy_into_rebuilt_table(table: str, autoincrement: bool) -> list[str]:
    """Make ``table``'s rebuilt copy, its CREATE TABLE text changed only in how the primary key is
    declared, and copy every row into it, ids and all (the old table goes after); returns the SQL
    of the indexes and triggers the old table has, to be made again on the copy."""
    bind = op.get_bind()
    create = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                  (table,)).scalar_one()
    attached = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", (table,)).scalars().all()
    changed = _with_autoincrement(create, table) if autoincrement else _without_autoincrement(create, table)
    rebuilt = _REBUILT.format(table)
    renamed, count = re.subn(rf'^CREATE TABLE\s+("?){table}\1\s*\(', f'CREATE TABLE "{rebuilt}" (', changed)
    _once(count, table, "CREATE TABLE")
    bind.exec_driver_sql(renamed)
    bind.exec_driver_sql(f'INSERT INTO "{rebuilt}" SELECT * FROM "{table}"')
    return list(attached)


def _replace_with_rebuilt_table(table: str, attached: list[str]) -> None:
    """Drop ``table`` (its rows are in the copy), give the copy its name, make its indexes and
    triggers again (dropping a table drops them)."""
    bind = op.get_bind()
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{_REBUILT.format(table)}" RENAME TO "{table}"')
    for sql in attached:
        bind.exec_driver_sql(sql)


def _with_autoincrement(create: str, table: str) -> str:
    """``id INTEGER NOT NULL, … CONSTRAINT pk_t PRIMARY KEY (id)`` → ``id INTEGER NOT NULL
    CONSTRAINT pk_t PRIMARY KEY AUTOINCREMENT, …`` (SQLite takes AUTOINCREMENT on a column only)."""
    name = f"pk_{table}"
    create, count = re.subn(rf",\s*CONSTRAINT {name} PRIMARY KEY \(id\)", "", create)
    _once(count, table, "its primary key constraint")
    create, count = re.subn(r"\(\s*id INTEGER NOT NULL,",
                            f"(\n\tid INTEGER NOT NULL CONSTRAINT {name} PRIMARY KEY AUTOINCREMENT,", create)
    _once(count, table, "its id column first")
    return create


def _without_autoincrement(create: str, table: str) -> str:
    """The reverse of :func:`_with_autoincrement`: the primary key as a table constraint again."""
    name = f"pk_{table}"
    create, count = re.subn(rf"id INTEGER NOT NULL CONSTRAINT {name} PRIMARY KEY AUTOINCREMENT,",
                            "id INTEGER NOT NULL,", create)
    _once(count, table, "its AUTOINCREMENT id column")
    create, count = re.subn(r"\)\s*$", f",\n\tCONSTRAINT {name} PRIMARY KEY (id)\n)", create)
    _once(count, table, "the end of CREATE TABLE")
    return create


def _once(count: int, table: str, what: str) -> None:
    if count != 1:
        raise RuntimeError(f"table {table}: expected {what} once in its CREATE TABLE, found it {count} times; "
                           "the table was not rebuilt")


def _keep_ids_the_record_names(table: str) -> None:
    """Raise ``table``'s ``sqlite_sequence`` to the highest id the audit log names for it, so an id
    deleted before this revision is not given again."""
    bind = op.get_bind()
    named = bind.exec_driver_sql(
        "SELECT max(CAST(object_id AS INTEGER)) FROM audit_event "
        "WHERE object_type = ? AND object_id <> '' AND object_id NOT GLOB '*[^0-9]*'", (table,)).scalar()
    if table == "question":
        listed = bind.exec_driver_sql(
            "SELECT max(CAST(json_extract(listed.value, '$.id') AS INTEGER)) "
            "FROM audit_event, json_each(audit_event.\"after\", '$.questions') AS listed "
            "WHERE audit_event.action = 'batch.discard'").scalar()
        named = max(named or 0, listed or 0)
    if not named:
        return
    updated = bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (named, table))
    if updated.rowcount == 0:  # an empty table has no sequence row until its first insert
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, named))
