"""The database refuses UPDATE and DELETE (and TRUNCATE) of score ledger entries, audit events and
checkpoints, whoever asks: the application's own role included

PostgreSQL: one trigger function raising insufficient_privilege, row triggers before UPDATE or
DELETE and statement triggers before TRUNCATE. SQLite: BEFORE UPDATE / BEFORE DELETE triggers
with RAISE(ABORT). Corrections are new entries.

A later SQLite batch operation that rebuilds one of these tables drops its triggers: such a
migration must create them again (the tests that try UPDATE and DELETE would fail otherwise).

Revision ID: 8992736fd474
Revises: b042ed55a695
Create Date: 2026-12-01 09:40:00
"""

from alembic import op

revision = '8992736fd474'
down_revision = 'b042ed55a695'
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ('score_record', 'audit_event', 'ledger_checkpoint')

PG_FUNCTION = """
CREATE FUNCTION examsvc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Entries are never changed or removed; a correction is a new entry.';
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY_TABLES:
            op.execute(f"CREATE TRIGGER append_only_{table} BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION examsvc_append_only()")
            op.execute(f"CREATE TRIGGER append_only_{table}_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION examsvc_append_only()")
        return
    for table in APPEND_ONLY_TABLES:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER append_only_{table}_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER append_only_{table}_truncate ON {table}")
            op.execute(f"DROP TRIGGER append_only_{table} ON {table}")
        op.execute("DROP FUNCTION examsvc_append_only()")
        return
    for table in APPEND_ONLY_TABLES:
        for verb in ('update', 'delete'):
            op.execute(f"DROP TRIGGER append_only_{table}_{verb}")
