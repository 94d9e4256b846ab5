"""An id, once given, is never given to another row (issue-5 trial: on SQLite a question removed
with its discarded batch gave its id to the next new question, so the ``batch.discard`` audit
event, an export or a link naming the old id pointed at another question). Each kind of row the
service deletes while its id is named elsewhere, on both databases; and the migration that made
SQLite's tables AUTOINCREMENT, which keeps the rows, indexes and triggers, and does not give again
an id deleted before it that the audit log names."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from examsvc import database
from question_bank.db import UTCDateTime, make_engine
from question_bank.models import AuditEvent, Category, HeldImport, Question, QuestionVersion, Role
from question_bank.services import batch_discard, categories, held_imports, importing, review, roster
from tests import dbsetup
from tests.factories import questions_xlsx

BEFORE, AFTER = "9e4c1d7a2b56", "3f7a2c9e8d41"
#: The tables the migration makes AUTOINCREMENT on SQLite.
TABLES = ("question", "question_version", "category", "roster_entry", "held_import")


def rows(*numbers: int) -> list[tuple]:
    return [("单选", f"第{n}题：行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "拘留", "C", "", "", "", "", "行政处罚法", "")
            for n in numbers]


def test_a_discarded_batchs_question_and_version_ids_go_to_no_new_question(db, clock, editor, make):
    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    kept = importing.import_questions(db, clock, editor, "一.xlsx", questions_xlsx(rows(1)))
    returned = importing.import_questions(db, clock, editor, "二.xlsx", questions_xlsx(rows(2, 3)))
    review.decide_batch(db, clock, reviewer, returned.batch, approve=False, note="退回")
    db.commit()
    discarded = set(db.scalars(select(Question.id).where(Question.import_batch_id == returned.batch.id)))
    discarded_versions = set(db.scalars(select(QuestionVersion.id).where(QuestionVersion.question_id.in_(discarded))))
    assert batch_discard.discard_batch(db, clock, editor, returned.batch) == 2
    db.commit()
    # The newest questions were the ones removed: the case where SQLite gave their ids again.
    assert max(discarded) > db.scalar(select(func.max(Question.id)))

    again = importing.import_questions(db, clock, editor, "三.xlsx", questions_xlsx(rows(4, 5)))
    db.commit()
    new = set(db.scalars(select(Question.id).where(Question.import_batch_id == again.batch.id)))
    new_versions = set(db.scalars(select(QuestionVersion.id).where(QuestionVersion.question_id.in_(new))))
    assert min(new) > max(discarded) and min(new_versions) > max(discarded_versions)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.discard")).one()
    named = {q["id"] for q in event.after["questions"]}
    assert named == discarded and not named & set(db.scalars(select(Question.id)))
    assert kept.imported == 1


def test_a_deleted_category_gives_its_id_to_no_new_category(db, clock, editor):
    first = categories.create_category(db, clock, editor, "宪法", None)
    last = categories.create_category(db, clock, editor, "行政法", None)
    gone = last.id
    categories.delete_category(db, clock, editor, last)
    db.commit()
    made = categories.create_category(db, clock, editor, "民法", None)
    assert made.id > gone > first.id


def test_a_roster_entry_taken_off_gives_its_id_to_no_new_entry(db, clock, make):
    admin = make.user(Role.EXAM_ADMIN, username="admin")
    first, second = make.user(username="cadre1"), make.user(username="cadre2")
    sitting = make.sitting(roster=[first, second])
    gone = max(entry.id for entry in sitting.roster)
    roster.remove_from_roster(db, clock, admin, sitting, gone)
    db.commit()
    (added,) = roster.add_to_roster(db, clock, admin, sitting, [second.id])
    db.commit()
    assert added.id > gone
    removal = db.scalars(select(AuditEvent).where(AuditEvent.action == "roster.remove")).one()
    assert removal.object_id == str(gone)


def test_a_dropped_held_upload_gives_its_id_to_no_new_one(db, clock, editor):
    data = questions_xlsx(rows(1))
    importing.import_questions(db, clock, editor, "一.xlsx", data)
    db.commit()
    _, held = held_imports.import_or_hold(db, clock, editor, "一.xlsx", data, importing.ALL_OR_NOTHING)
    db.commit()
    gone = held.id
    held_imports.drop(db, editor, gone)
    db.commit()
    _, again = held_imports.import_or_hold(db, clock, editor, "一.xlsx", data, importing.ALL_OR_NOTHING)
    db.commit()
    assert again.id > gone and db.scalar(select(func.count()).select_from(HeldImport)) == 1


# --- the migration ------------------------------------------------------------------------------

NOW = dt.datetime(2026, 12, 4, 1, 0, tzinfo=dt.timezone.utc)
CATEGORY = sa.table("category", sa.column("id", sa.Integer()), sa.column("name", sa.String()),
                    sa.column("parent_id", sa.Integer()), sa.column("path", sa.String()))
AUDIT = sa.table("audit_event", sa.column("occurred_at", UTCDateTime()), sa.column("action", sa.String()),
                 sa.column("object_type", sa.String()), sa.column("object_id", sa.String()),
                 sa.column("detail", sa.String()), sa.column("prev_hash", sa.String()),
                 sa.column("entry_hash", sa.String()))


def plain(reflected: dict) -> str:
    """A reflected index or constraint as comparable text (a partial index's WHERE clause included)."""
    return json.dumps(reflected, default=str, sort_keys=True, ensure_ascii=False)


def schema_of(engine) -> dict:
    """The five tables' indexes, unique, check and foreign-key constraints and triggers."""
    inspector = sa.inspect(engine)
    found = {}
    for table in TABLES:
        found[table] = (sorted(map(plain, inspector.get_indexes(table))),
                        sorted(map(plain, inspector.get_unique_constraints(table))),
                        sorted(map(plain, inspector.get_check_constraints(table))),
                        sorted(map(plain, inspector.get_foreign_keys(table))),
                        inspector.get_pk_constraint(table)["constrained_columns"])
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found["triggers"] = connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
        else:
            found["triggers"] = connection.execute(sa.text(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")).all()
    return found


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before, holding categories 1–3 of which the newest is deleted,
    and an audit event naming category 7 (one made and deleted there earlier)."""
    with dbsetup.test_database(tmp_path, BEFORE) as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(CATEGORY.insert(), [{"name": n, "parent_id": None, "path": n} for n in ("甲", "乙", "丙")])
            connection.execute(CATEGORY.delete().where(CATEGORY.c.name == "丙"))
            connection.execute(AUDIT.insert().values(occurred_at=NOW, action="category.delete", object_type="category",
                                                     object_id="7", detail="", prev_hash="0" * 64, entry_hash="1" * 64))
        yield engine
        engine.dispose()


def names_and_ids(engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return connection.execute(sa.select(CATEGORY.c.id, CATEGORY.c.name).order_by(CATEGORY.c.id)).all()


def test_the_migration_keeps_rows_and_schema_and_gives_no_deleted_id_again(old_database):
    engine = old_database
    before, schema = names_and_ids(engine), schema_of(engine)
    database.upgrade(engine, AFTER)
    assert names_and_ids(engine) == before and schema_of(engine) == schema
    with engine.begin() as connection:
        made = connection.execute(CATEGORY.insert().values(name="丁", parent_id=None, path="丁")
                                  .returning(CATEGORY.c.id)).scalar_one()
    # 3 was deleted before the migration; the audit log names 7. PostgreSQL's sequence has given
    # 1–3 and goes on; SQLite's AUTOINCREMENT starts past what the audit log names.
    assert made == (8 if engine.dialect.name == "sqlite" else 4)
    database.downgrade(engine, BEFORE)
    assert names_and_ids(engine) == before + [(made, "丁")] and schema_of(engine) == schema
