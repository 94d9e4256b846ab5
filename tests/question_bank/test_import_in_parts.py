"""A large import is read, checked and written a part at a time (``importing.CHUNK_ROWS`` rows), so
that its memory does not grow with the file (issue 5, "big files off the request worker"), and is
still all or nothing: whatever stops it after some parts were written leaves the bank as it was, and
the report still names every problem by sheet, row and column. Repeats of the bank are found
through the stored, indexed fingerprint of each version, those written before the fingerprint's
revision included. Runs on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from examsvc import database
from question_bank import import_worker
from question_bank.clock import FixedClock
from question_bank.db import make_engine, make_session_factory
from question_bank.models import Category, ImportBatch, ImportJob, JobState, Question, QuestionVersion, Role, User
from question_bank.services import authoring, import_jobs, importing
from question_bank.services.import_job_reports import load
from question_bank.services.importing import ALL_OR_NOTHING, ASK, CHUNK_ROWS, KEEP_REPEATS, VALID_ONLY
from tests import dbsetup
from tests.conftest import at
from tests.factories import QUESTION_HEADER, Factory, questions_xlsx
from tests.test_migrations_duplicates_search import revision_before

#: More rows than two parts, so that two parts are written before the third is read.
ROWS = 2 * CHUNK_ROWS + 200
#: Where the bad row is: in the third part.
BAD = 2 * CHUNK_ROWS + 150


def row(n: int, key: str = "A") -> tuple:
    """Question ``n`` of a file: its own stem and options (no two rows alike), answer ``key``."""
    return ("单选", f"第{n}题：依照第{n}号通知，下列哪项正确？", f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}", key, "", "中", "",
            "", "行政处罚法", "2")


def rows(bad: int | None = None) -> list[tuple]:
    return [row(n, "E" if n == bad else "A") for n in range(1, ROWS + 1)]


def bank(db) -> tuple:
    """What the bank holds, to compare before and after: counts and every version's stem."""
    db.expire_all()
    counts = tuple(db.scalar(select(func.count()).select_from(model))
                   for model in (Question, QuestionVersion, ImportBatch, Category))
    return counts, db.scalars(select(QuestionVersion.stem).order_by(QuestionVersion.id)).all()


def test_a_bad_row_after_two_written_parts_leaves_the_bank_as_it_was_and_is_named(db, clock, editor, make):
    make.question(stem="行政处罚的种类不包括下列哪一项？")
    db.commit()
    before = bank(db)
    report = importing.import_questions(db, clock, editor, "big.xlsx", questions_xlsx(rows(bad=BAD)))
    db.commit()
    assert report.refused and report.rows == ROWS
    assert bank(db) == before
    (problem,) = report.errors
    # Row 1 is the header: question n is on row n + 1; the key is in column G.
    assert (problem.place.sheet, problem.place.row, problem.place.column) == ("题库", BAD + 1, "G")


def test_a_failure_while_writing_the_third_part_leaves_the_bank_as_it_was(db, clock, editor, make, monkeypatch):
    make.question(stem="行政处罚的种类不包括下列哪一项？")
    db.commit()
    before = bank(db)
    real, parts = authoring.insert_questions, []

    def failing_on_the_third(*args, **kwargs):
        parts.append(len(args[3]))
        if len(parts) == 3:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing.authoring, "insert_questions", failing_on_the_third)
    with pytest.raises(RuntimeError):
        importing.import_questions(db, clock, editor, "big.xlsx", questions_xlsx(rows()))
    db.commit()
    assert parts == [CHUNK_ROWS, CHUNK_ROWS, ROWS - 2 * CHUNK_ROWS]  # two parts were written before
    assert bank(db) == before


def test_a_job_refused_at_a_late_row_writes_nothing_and_its_page_names_the_row(db, clock, editor, db_url):
    job = import_jobs.enqueue(db, clock, editor, "big.xlsx", questions_xlsx(rows(bad=BAD)), ALL_OR_NOTHING, ASK,
                              "auto")
    db.commit()
    before = bank(db)
    engine = make_engine(db_url)
    try:
        assert import_worker.run_one(make_session_factory(engine), clock, "worker-1").state == "done"
    finally:
        engine.dispose()
    db.rollback()
    stored = db.get(ImportJob, job.id)
    assert stored.state == JobState.DONE and stored.batch_id is None
    assert bank(db) == before
    (problem,) = load(db, stored.result).errors
    assert (problem.place.sheet, problem.place.row, problem.place.column) == ("题库", BAD + 1, "G")


def two_sheets(second_rows: int, wide_row: int) -> bytes:
    """单选题 with three sound rows; 多选题 with ``second_rows`` rows, the ``wide_row``-th of which has
    a cell beyond the last column read (which refuses the sheet part way through)."""
    book = Workbook()
    first = book.active
    first.title = "单选题"
    first.append(list(QUESTION_HEADER))
    for n in range(1, 4):
        first.append(list(row(n)))
    second = book.create_sheet("多选题")
    second.append(list(QUESTION_HEADER))
    for n in range(1, second_rows + 1):
        second.append(list(row(1000 + n, "AB")))
        if n == wide_row:
            second.cell(row=n + 1, column=60, value="备注")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_refused_after_a_written_part_is_left_out_whole_in_valid_rows_mode(db, clock, editor):
    report = importing.import_questions(db, clock, editor, "two.xlsx", two_sheets(CHUNK_ROWS + 100, CHUNK_ROWS + 50),
                                        VALID_ONLY, KEEP_REPEATS)
    db.commit()
    assert report.batch is not None and report.imported == 3
    assert sorted(db.scalars(select(QuestionVersion.stem))) == sorted(row(n)[1] for n in range(1, 4))
    (problem,) = report.errors
    assert (problem.place.sheet, problem.place.row) == ("多选题", CHUNK_ROWS + 51)


def test_a_row_repeating_a_row_of_an_earlier_part_is_flagged_with_that_row(db, clock, editor):
    file_rows = rows()
    file_rows[CHUNK_ROWS + 10] = file_rows[4]  # question 5 again, in the second part
    report = importing.import_questions(db, clock, editor, "big.xlsx", questions_xlsx(file_rows))
    db.commit()
    assert report.imported == ROWS and not report.repeats  # a repeat within the file is no repeat of the bank
    (flag,) = [d for d in report.duplicates if d["similarity"] == 100]
    assert (flag["row"], flag["resembles_row"], flag["resembles_sheet"]) == (CHUNK_ROWS + 12, 6, "题库")
    assert db.get(Question, flag["question_id"]).duplicate_of_id == flag["resembles"]


def test_repeats_of_versions_written_before_the_fingerprint_revision_are_found(tmp_path):
    with dbsetup.test_database(tmp_path) as url:
        engine = make_engine(url, sqlite_immediate=False)
        clock = FixedClock(at("10:00:00"))
        with make_session_factory(engine)() as db:
            make = Factory(db, clock)
            old = make.question(stem="行政处罚的种类不包括下列哪一项？", options=["警告", "记过", "罚款", "行政拘留"],
                                key=["B"])
            make.user(Role.BANK_EDITOR, username="editor")
            db.commit()
            old_id = old.id
        # Back to before the stem-and-options fingerprint: the versions then hold the stem's only.
        database.downgrade(engine, revision_before("content_fingerprint_and_near_duplicates"))
        database.upgrade(engine)  # the revision fills the fingerprint of every version there is
        with make_session_factory(engine)() as db:
            editor = db.scalar(select(User).where(User.username == "editor"))
            # The same stem and options in another order, width and punctuation; then a new question.
            data = questions_xlsx([
                ("单选", "行政处罚的种类，不包括下列哪一项?", "行政拘留", "警告", "罚款", "记过", "D", "", "", "", "", "行政处罚法", ""),
                row(1),
            ])
            report = importing.import_questions(db, clock, editor, "again.xlsx", data)
            assert report.held and [(r["row"], r["resembles"]) for r in report.repeats] == [(2, old_id)]
            report = importing.import_questions(db, clock, editor, "again.xlsx", data, repeats=importing.SKIP_REPEATS)
            assert report.imported == 1 and [r["row"] for r in report.repeats] == [2]
            db.rollback()
        engine.dispose()
