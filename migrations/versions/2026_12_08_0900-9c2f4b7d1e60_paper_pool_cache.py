"""``paper_pool_cache`` and ``bank_generation``: a paper's drawn-section pools kept in the database

Drawing a 100-question paper read every eligible question of each section on every start (about
25,000 rows from a 100,000-question bank: 1.1 s on SQLite, 0.6 s on PostgreSQL; issue 7). The
pools are now kept per paper (``services.pool_cache``), valid while the bank's generation is the
one they were read at. The generation is bumped by triggers, in the writing transaction, by every
change that can move a question into or out of a pool: a question inserted published, its status
or published version changed, or deleted while published; a version's type, difficulty,
category or fingerprint changed, or a version deleted; a law review flag opened, changed or
removed; a category's path changed or a category removed. A counter row (not a sequence): it
changes visibly only when the change commits, so no pool read before the commit is kept under
the new generation. On PostgreSQL the question triggers are per statement with transition tables
(one bump for a bulk approval, none for an import that publishes nothing), so an import does not
hold the counter's row lock. Downgrade drops both tables and the triggers.

Revision ID: 9c2f4b7d1e60
Revises: e5b1c9d27a64
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9c2f4b7d1e60"
down_revision = "e5b1c9d27a64"
branch_labels = None
depends_on = None

BUMP = ("INSERT INTO bank_generation (id, n) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET n = bank_generation.n + 1")

#: SQLite: name → (event, condition or None).
SQLITE_TRIGGERS = {
    "bank_generation_question_insert": ("AFTER INSERT ON question", "NEW.published_version_id IS NOT NULL"),
    "bank_generation_question_update": ("AFTER UPDATE OF status, published_version_id ON question",
                                        "OLD.status IS NOT NEW.status "
                                        "OR OLD.published_version_id IS NOT NEW.published_version_id"),
    "bank_generation_question_delete": ("AFTER DELETE ON question", "OLD.published_version_id IS NOT NULL"),
    "bank_generation_version_update": ("AFTER UPDATE OF qtype, difficulty, category_id, fingerprint "
                                       "ON question_version",
                                       "OLD.qtype IS NOT NEW.qtype OR OLD.difficulty IS NOT NEW.difficulty "
                                       "OR OLD.category_id IS NOT NEW.category_id "
                                       "OR OLD.fingerprint IS NOT NEW.fingerprint"),
    "bank_generation_version_delete": ("AFTER DELETE ON question_version", None),
    "bank_generation_flag_insert": ("AFTER INSERT ON law_review_flag", None),
    "bank_generation_flag_update": ("AFTER UPDATE ON law_review_flag", None),
    "bank_generation_flag_delete": ("AFTER DELETE ON law_review_flag", None),
    "bank_generation_category_update": ("AFTER UPDATE OF path, parent_id ON category", None),
    "bank_generation_category_delete": ("AFTER DELETE ON category", None),
}

PG_FUNCTIONS = [
    f"""CREATE FUNCTION bank_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION bank_generation_question_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows WHERE published_version_id IS NOT NULL) THEN {BUMP}; END IF;
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION bank_generation_question_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE o.status IS DISTINCT FROM n.status
                  OR o.published_version_id IS DISTINCT FROM n.published_version_id) THEN {BUMP}; END IF;
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION bank_generation_question_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows WHERE published_version_id IS NOT NULL) THEN {BUMP}; END IF;
    RETURN NULL;
END $$""",
]

PG_TRIGGERS = [
    "CREATE TRIGGER bank_generation_question_insert AFTER INSERT ON question REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_question_inserted()",
    "CREATE TRIGGER bank_generation_question_update AFTER UPDATE ON question "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_question_updated()",
    "CREATE TRIGGER bank_generation_question_delete AFTER DELETE ON question REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_question_deleted()",
    "CREATE TRIGGER bank_generation_version_update AFTER UPDATE OF qtype, difficulty, category_id, fingerprint "
    "ON question_version FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_bump()",
    "CREATE TRIGGER bank_generation_version_delete AFTER DELETE ON question_version "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_bump()",
    "CREATE TRIGGER bank_generation_flag_change AFTER INSERT OR UPDATE OR DELETE ON law_review_flag "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_bump()",
    "CREATE TRIGGER bank_generation_category_change AFTER UPDATE OF path, parent_id OR DELETE ON category "
    "FOR EACH STATEMENT EXECUTE FUNCTION bank_generation_bump()",
]
PG_TRIGGER_TABLES = {
    "bank_generation_question_insert": "question", "bank_generation_question_update": "question",
    "bank_generation_question_delete": "question", "bank_generation_version_update": "question_version",
    "bank_generation_version_delete": "question_version", "bank_generation_flag_change": "law_review_flag",
    "bank_generation_category_change": "category",
}


def upgrade() -> None:
    op.create_table(
        "bank_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_generation")),
    )
    op.create_table(
        "paper_pool_cache",
        sa.Column("paper_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("pools", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], name=op.f("fk_paper_pool_cache_paper_id_paper"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_pool_cache")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
        return
    for name, (event, condition) in SQLITE_TRIGGERS.items():
        when = f" WHEN {condition}" if condition else ""
        op.execute(f"CREATE TRIGGER {name} {event}{when} BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in PG_TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in ("bank_generation_bump", "bank_generation_question_inserted",
                         "bank_generation_question_updated", "bank_generation_question_deleted"):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("paper_pool_cache")
    op.drop_table("bank_generation")
