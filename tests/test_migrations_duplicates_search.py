"""The revisions of duplicate detection and bank search downgrade and upgrade a database that holds
questions, keeping them, and recompute fingerprints, near-duplicate keys, search text and flags
(case C-21). Runs on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from examsvc import database
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import NearDuplicateBand, Question, QuestionVersion
from question_bank.services.bank_search import QuestionQuery, search_questions
from question_bank.text import content_fingerprint
from tests import dbsetup
from tests.conftest import at
from tests.factories import Factory


def revision_before(file_part: str) -> str:
    """The revision the one whose file name holds ``file_part`` builds on (no ids written here:
    the chain is re-linked when branches merge)."""
    scripts = ScriptDirectory.from_config(database.alembic_config())
    found = next(r for r in scripts.walk_revisions() if file_part in r.path)
    return found.down_revision


def test_the_revisions_go_down_and_up_again_keeping_the_questions_and_recomputing_what_they_derive(tmp_path):
    with dbsetup.test_database(tmp_path) as url:
        engine = make_engine(url, sqlite_immediate=False)
        with make_session_factory(engine)() as db:
            make = Factory(db, FixedClock(at("10:00:00")))
            original = make.question(stem="下列说法正确的是：", options=["甲", "乙", "丙", "丁"])
            other = make.question(stem="下列说法正确的是：", options=["戊", "己", "庚", "辛"])
            repeat = make.question(stem="下列说法 正确的是", options=["丁", "丙", "乙", "甲"])
            ids = (original.id, other.id, repeat.id)
        database.downgrade(engine, revision_before("content_fingerprint_and_near_duplicates"))
        columns = {c["name"] for c in inspect(engine).get_columns("question_version")}
        assert "stem_fingerprint" in columns and "fingerprint" not in columns and "search_text" not in columns
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT count(*) FROM question")) == 3
            stems = conn.execute(text("SELECT stem_fingerprint FROM question_version ORDER BY id")).scalars().all()
            assert len(set(stems)) == 1  # the old rule: the stem alone, so all three alike
            # What the old rule flagged: the same stem, whatever the options; the repeat unflagged.
            conn.execute(text("UPDATE question SET duplicate_of_id = :o WHERE id = :q"), {"o": ids[0], "q": ids[1]})
            conn.execute(text("UPDATE question SET duplicate_of_id = NULL WHERE id = :q"), {"q": ids[2]})

        database.upgrade(engine)
        with make_session_factory(engine)() as db:
            versions = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
            assert [v.fingerprint for v in versions] == [content_fingerprint(v.stem, v.options) for v in versions]
            assert all(v.search_text.startswith("下列说法正确的是") for v in versions)
            assert db.scalar(select(func.count(func.distinct(NearDuplicateBand.question_version_id)))) == 3
            flags = {q.id: (q.duplicate_of_id, q.duplicate_similarity) for q in db.scalars(select(Question))}
            assert flags == {ids[0]: (None, None), ids[1]: (None, None), ids[2]: (ids[0], 100)}
            assert search_questions(db, QuestionQuery(text="正确的是")).total == 3
        engine.dispose()


def test_the_stored_content_text_is_filled_for_the_versions_already_there(tmp_path):
    with dbsetup.test_database(tmp_path) as url:
        engine = make_engine(url, sqlite_immediate=False)
        with make_session_factory(engine)() as db:
            make = Factory(db, FixedClock(at("10:00:00")))
            make.question(stem="下列说法 正确的是：", options=["丁。", "甲"])
            make.question("true_false", stem="行政机关ＡＢＣ可以罚款。")
        database.downgrade(engine, revision_before("version_content_text"))
        assert "content_text" not in {c["name"] for c in inspect(engine).get_columns("question_version")}
        database.upgrade(engine)
        with make_session_factory(engine)() as db:
            versions = db.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
            assert [v.content_text for v in versions] == ["下列说法正确的是\x1f丁\x1f甲", "行政机关abc可以罚款"]
        engine.dispose()
