"""Importing question files into a batch in review: all-or-nothing and valid-rows-only, duplicate
flags, the real bank files of ../shared/datasets/bank-files, and case C-13.

Product behaviour (C-13): the default all-or-nothing import commits nothing when any row has an
error and reports every error with its row; in valid-rows-only mode the sound rows are imported
and the bad rows reported. Both are the same on every run."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, NotFound, PermissionDenied
from question_bank.models import (
    AuditEvent,
    BatchStatus,
    Category,
    ImportBatch,
    Question,
    QuestionStatus,
    QuestionVersion,
    Role,
)
from question_bank.services import importing, review
from question_bank.services.importing import ALL_OR_NOTHING, VALID_ONLY
from question_bank.text import content_fingerprint
from tests.factories import QUESTION_HEADER, questions_xlsx

from tests.shared_data import BANK_FILES
JECQA = BANK_FILES / "jecqa-kd.xlsx"
CMMLU = BANK_FILES / "cmmlu-law-gbk.csv"

C13_STEM = "第3条：罚款=警告？{注意}"
C13_ROWS = [
    ("单选", "行政处罚的种类不包括下列哪一项？", "警告", "记过", "罚款", "行政拘留", "B", "", "", "", "", "行政处罚法", ""),
    ("多选", "下列哪些属于行政处罚？", "警告", "罚款", "记过", "降级", "", "", "", "", "", "行政处罚法", ""),
    ("单选", "行政处罚由谁实施？", "行政机关", "人民法院", "人民检察院", "监察机关", "E", "", "", "", "", "行政处罚法", ""),
    ("单选", C13_STEM, "对", "错", "不一定", "无法判断", "A", "", "", "", "", "行政处罚法", ""),
]


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def bank_is_empty(db) -> bool:
    return (count(db, Question), count(db, QuestionVersion), count(db, ImportBatch), count(db, Category)) == (0, 0, 0, 0)


def run(db, clock, editor, filename, data, mode=ALL_OR_NOTHING, repeats=importing.ASK):
    report = importing.import_questions(db, clock, editor, filename, data, mode, repeats)
    db.commit()
    return report


def test_c13_rows_with_a_missing_or_impossible_key_are_reported_and_never_enter_the_bank(db, clock, editor):
    data = questions_xlsx(C13_ROWS)
    expected = [("c13.xlsx, sheet 题库, row 3, column G (答案)", "the key is empty"),
                ("c13.xlsx, sheet 题库, row 4, column G (答案)",
                 "the key names option E, which the question does not have")]

    # Default mode, twice: refused the same way each time, rows 3 and 4 named, nothing committed.
    for _ in range(2):
        report = run(db, clock, editor, "c13.xlsx", data)
        assert report.refused and report.imported == 0
        assert [(str(p.place), str(p).split(": ", 1)[1]) for p in report.errors] == expected
        assert bank_is_empty(db)

    # Valid rows only: rows 2 and 5 are imported, rows 3 and 4 reported and absent.
    report = run(db, clock, editor, "c13.xlsx", data, VALID_ONLY)
    assert report.imported == 2 and [str(p.place) for p in report.errors] == [place for place, _ in expected]
    db.expire_all()
    stems = db.scalars(select(QuestionVersion.stem).order_by(QuestionVersion.id)).all()
    assert stems == [C13_ROWS[0][1], C13_STEM]
    assert stems[1].encode("utf-8") == C13_STEM.encode("utf-8")
    assert report.batch.report["errors"][1]["place"] == {"file": "c13.xlsx", "sheet": "题库", "row": 4,
                                                         "column": "G", "header": "答案"}


def test_all_or_nothing_lists_every_error_of_every_row(db, clock, editor):
    rows = [C13_ROWS[0], ("单选", "", "甲", "乙", "", "", "C") + ("",) * 6, ("判断", "题干", "甲", "", "", "", "对") + ("",) * 6]
    report = run(db, clock, editor, "bad.xlsx", questions_xlsx(rows))
    assert report.refused
    assert {p.place.row for p in report.errors} == {3, 4}
    assert len(report.errors) == 5  # row 3: stem, key, category; row 4: options, category
    assert bank_is_empty(db)


def test_imported_questions_form_one_batch_in_review_with_an_audit_event(db, clock, editor):
    report = run(db, clock, editor, r"C:\fakepath\c13.xlsx", questions_xlsx(C13_ROWS[:1] + C13_ROWS[3:]))
    batch = report.batch
    assert (batch.filename, batch.file_format, batch.mode, batch.status) == ("c13.xlsx", "xlsx", ALL_OR_NOTHING,
                                                                              BatchStatus.IN_REVIEW)
    assert batch.question_count == 2 and batch.uploaded_by_id == editor.id
    questions = db.scalars(select(Question).order_by(Question.id)).all()
    assert {(q.status, q.import_batch_id, q.author_id) for q in questions} == {(QuestionStatus.IN_REVIEW, batch.id, editor.id)}
    assert all(q.current_version.version_no == 1 for q in questions)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.import")).one()
    assert (event.object_id, event.actor_id, event.after["questions"]) == (str(batch.id), editor.id, 2)


def test_approving_the_batch_publishes_it_and_the_uploader_cannot(db, clock, editor, make):
    editor_reviewer = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    report = run(db, clock, editor_reviewer, "c13.xlsx", questions_xlsx(C13_ROWS[:1]))
    with pytest.raises(PermissionDenied):
        review.decide_batch(db, clock, editor_reviewer, report.batch, approve=True)
    reviewer = make.user(Role.BANK_REVIEWER)
    assert review.decide_batch(db, clock, reviewer, report.batch, approve=True) == 1
    assert db.scalars(select(Question.status)).all() == [QuestionStatus.PUBLISHED]


def test_only_bank_editors_import(db, clock, make):
    with pytest.raises(PermissionDenied):
        importing.import_questions(db, clock, make.user(Role.BANK_REVIEWER), "c13.xlsx", questions_xlsx(C13_ROWS[:1]))


def test_c21_repeats_are_flagged_against_the_bank_and_earlier_rows_by_stem_and_options(db, clock, editor, make):
    existing = make.question(stem="行政处罚的种类包括哪些？", options=["警告", "罚款", "拘留", "通报批评"])
    rows = [
        # the bank's question with other punctuation, width and option order: a repeat
        ("单选", "行政处罚的种类，包括哪些?", "罚款", "警告", "通报批评", "拘留", "A", "", "", "", "", "行政处罚法", ""),
        ("单选", "下列说法正确的是：", "甲", "乙", "", "", "A", "", "", "", "", "行政许可法", ""),
        # the same generic stem with other options: another question
        ("单选", "下列说法正确的是：", "丙", "丁", "", "", "B", "", "", "", "", "行政许可法", ""),
        # row 3 again, options swapped
        ("单选", "下列说法 正确的是", "乙", "甲", "", "", "B", "", "", "", "", "行政许可法", ""),
    ]
    held = run(db, clock, editor, "dup.xlsx", questions_xlsx(rows))
    assert held.held and [(r["row"], r["resembles"]) for r in held.repeats] == [(2, existing.id)]
    assert count(db, ImportBatch) == 0
    report = run(db, clock, editor, "dup.xlsx", questions_xlsx(rows), repeats=importing.KEEP_REPEATS)
    by_row = {d["row"]: d for d in report.duplicates}
    assert set(by_row) == {2, 5}
    assert by_row[2]["resembles"] == existing.id and by_row[2]["resembles_row"] is None
    assert by_row[2]["similarity"] == 100
    row3 = db.scalars(select(Question).join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
                      .where(QuestionVersion.options == ["甲", "乙"])).one()
    assert by_row[5]["resembles"] == row3.id and by_row[5]["resembles_row"] == 3
    flagged = db.get(Question, by_row[5]["question_id"])
    assert (flagged.duplicate_of_id, flagged.duplicate_similarity) == (row3.id, 100)
    assert report.batch.report["duplicates"] == report.duplicates


def test_an_unreadable_file_is_refused_and_nothing_is_written(db, clock, editor):
    png = run(db, clock, editor, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64))
    xls = run(db, clock, editor, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert png.refused and "PNG image" in str(png.errors[0]) and str(png.errors[0].place) == "photo.xlsx"
    assert xls.refused and ".xls" in str(xls.errors[0])
    assert bank_is_empty(db)


def test_a_utf8_csv_with_bom_imports(db, clock, editor):
    lines = [",".join(QUESTION_HEADER), ",".join(C13_ROWS[0]), ",".join(C13_ROWS[3])]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8")
    report = run(db, clock, editor, "bom.csv", data)
    assert report.imported == 2 and (report.batch.file_format, report.batch.encoding) == ("csv", "utf-8")
    assert db.scalars(select(QuestionVersion.stem).order_by(QuestionVersion.id)).all()[1] == C13_STEM


# --- the real bank files -------------------------------------------------------------------------

#: The two faulty rows of jecqa-kd.xlsx: row 213 has no key; row 404 repeats option A as option D
#: ("学生甲的观点①和学生乙的观点②" twice), and its key is D, so candidates would see two identical
#: choices of which only the second counts.
JECQA_PROBLEMS = [
    "jecqa-kd.xlsx, sheet 题库, row 213, column G (答案): the key is empty",
    "jecqa-kd.xlsx, sheet 题库, row 404, column F (选项D): options A and D are the same",
]


def test_jecqa_all_or_nothing_is_refused_naming_only_rows_213_and_404(db, clock, editor):
    report = run(db, clock, editor, "jecqa-kd.xlsx", JECQA.read_bytes())
    assert report.refused and report.rows == 1000
    assert [str(p) for p in report.errors] == JECQA_PROBLEMS
    assert bank_is_empty(db)


def test_jecqa_valid_only_imports_998_reports_rows_213_and_404_and_flags_c21_repeats_and_near_duplicates(
        db, clock, editor):
    report = run(db, clock, editor, "jecqa-kd.xlsx", JECQA.read_bytes(), VALID_ONLY)
    assert report.imported == 998 and count(db, Question) == 998
    assert [str(p.place) for p in report.errors] == [problem.split(": ")[0] for problem in JECQA_PROBLEMS]
    assert db.scalars(select(Category.path).order_by(Category.path)).all() == ["司法考试", "司法考试/知识型"]

    # PROVENANCE: 6 stems occur more than once (15 rows, 9 repeats). All but one are generic stems
    # ("下列说法正确的是:") asking about other options: not repeats (C-21), so not flagged.
    sheet = load_workbook(JECQA, read_only=True)["题库"]
    first_seen: dict[str, int] = {}
    same_stem = set()
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if row[1] in first_seen:
            same_stem.add(number)
        first_seen.setdefault(row[1], number)
    assert same_stem == {385, 447, 497, 528, 568, 753, 919, 965, 986}
    by_row = {d["row"]: d for d in report.duplicates}
    assert not by_row.keys() & (same_stem - {528})
    # Row 752 is row 125 again with other punctuation: a repeat. The others are a few characters
    # apart: a typo (515: 刑事诉讼怯), a stem reworded (771, 924), one option changed (528).
    assert (by_row[752]["resembles_row"], by_row[752]["similarity"]) == (125, 100)
    assert (by_row[515]["resembles_row"], by_row[515]["similarity"]) == (28, 98)
    assert (by_row[528]["resembles_row"], by_row[528]["similarity"]) == (122, 99)
    # Rows 369 and 944 read alike rows 290 and 232 but other options are right: other questions.
    assert set(by_row) == {125, 433, 515, 528, 752, 761, 771, 924}
    assert all(85 <= d["similarity"] < 100 for row, d in by_row.items() if row != 752)
    assert count(db, Question) - db.scalar(select(func.count()).where(Question.duplicate_of_id.is_(None))) == 8


def test_cmmlu_gb18030_csv_imports_964_with_the_chinese_intact(db, clock, editor):
    data = CMMLU.read_bytes()
    report = run(db, clock, editor, "cmmlu-law-gbk.csv", data)
    assert report.imported == 964 and report.errors == []
    assert report.batch.encoding == "gb18030"
    rows = list(csv.reader(io.StringIO(data.decode("gb18030"), newline="")))
    for source in (rows[1], rows[500], rows[-1]):
        version = db.scalars(select(QuestionVersion).where(
            QuestionVersion.fingerprint == content_fingerprint(source[1], source[2:6]))).first()
        assert version.stem == source[1]
        assert version.options == source[2:6]


def test_a_failure_while_writing_leaves_nothing_half_written(db, clock, editor, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.audit, "record", fail)  # the last write of an import
    with pytest.raises(RuntimeError):
        importing.import_questions(db, clock, editor, "c13.xlsx", questions_xlsx(C13_ROWS[:1]))
    db.commit()  # what is left in the session after the savepoint rolled back
    assert bank_is_empty(db)


def test_a_formula_key_without_a_saved_value_refuses_the_import_naming_its_cell(db, clock, editor):
    rows = [C13_ROWS[0], C13_ROWS[0][:1] + ("行政许可由谁实施？",) + C13_ROWS[0][2:6] + ("=CHAR(66)",) + C13_ROWS[0][7:]]
    report = run(db, clock, editor, "formula.xlsx", questions_xlsx(rows))
    assert report.refused and report.imported == 0
    assert [(str(p.place), p.message) for p in report.errors] == [
        ("formula.xlsx, sheet 题库, row 3, column G (答案)",
         "this cell holds a formula without a saved value; enter the value itself")]
    assert bank_is_empty(db)


# --- reports with many problems ------------------------------------------------------------------

GOOD = C13_ROWS[0]
EMPTY_KEY = GOOD[:6] + ("",) + GOOD[7:]                        # one problem: the key
TWO_PROBLEMS = GOOD[:8] + ("很难",) + GOOD[9:11] + ("", "")      # two problems: the difficulty, the category


def many_problems(good: int, one: int, two: int) -> list[tuple]:
    """``good`` sound rows, then ``one`` rows with one problem, then ``two`` rows with two each
    (each sound row its own stem and options, so none repeats or resembles another)."""
    rows = [GOOD[:1] + (f"第{n}题",) + tuple(hashlib.sha1(f"{n}{c}".encode()).hexdigest()[:12] for c in "ABCD")
            + GOOD[6:] for n in range(good)]
    rows += [EMPTY_KEY[:1] + (f"空答案{n}",) + EMPTY_KEY[2:] for n in range(one)]
    rows += [TWO_PROBLEMS[:1] + (f"两处错{n}",) + TWO_PROBLEMS[2:] for n in range(two)]
    return rows


def test_a_summary_counts_rows_not_problems_and_groups_the_problems_by_reason(db, clock, editor):
    report = run(db, clock, editor, "many.xlsx", questions_xlsx(many_problems(good=3, one=2, two=7)))
    summary = report.summary()
    assert report.refused and len(report.errors) == 16
    assert (summary.rows_read, summary.rows_imported, summary.rows_with_problems, summary.problems,
            summary.sound_rows) == (12, 0, 9, 16, 3)
    groups = [(g.example.place.header, g.example.message, g.count, g.rows, g.first_rows) for g in summary.groups]
    assert groups == [
        ("难度", "difficulty is 1 to 5, or 易, 较易, 中, 较难 or 难; not %(value)s", 7, 7, (7, 8, 9, 10, 11)),
        ("分类", "the category is empty", 7, 7, (7, 8, 9, 10, 11)),
        ("答案", "the key is empty", 2, 2, (5, 6)),
    ]
    assert not any(g.varied for g in summary.groups)


def test_a_group_of_one_reason_with_several_values_says_it_is_one_example_of_several(db, clock, editor):
    rows = [GOOD[:1] + ("甲",) + GOOD[2:8] + ("9",) + GOOD[9:], GOOD[:1] + ("乙",) + GOOD[2:8] + ("很难",) + GOOD[9:]]
    [group] = run(db, clock, editor, "d.xlsx", questions_xlsx(rows)).summary().groups
    assert (group.count, group.rows, group.varied, group.example.params) == (2, 2, True, {"value": "9"})


def test_valid_rows_only_counts_the_rows_left_out_once_each(db, clock, editor):
    report = run(db, clock, editor, "many.xlsx", questions_xlsx(many_problems(good=3, one=2, two=7)), VALID_ONLY)
    assert report.imported == 3 and len(report.errors) == 16
    db.expire_all()
    summary = importing.batch_summary(report.batch)
    assert (summary.rows_read, summary.rows_imported, summary.rows_with_problems, summary.problems) == (12, 3, 9, 16)
    assert importing.rows_left_out(report.batch) == 9
    problems = importing.batch_problems(db, clock, editor, report.batch, "csv")
    assert [str(p) for p in problems] == [str(p) for p in report.errors]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.import_problems")).one()
    assert (event.object_id, event.after) == (str(report.batch.id), {"format": "csv", "problems": 16})


@pytest.mark.parametrize("filename", ["行政法题库" * 20 + ".xlsx", "b" * 195 + ".xlsx", "x.xlsx"])
def test_a_refused_import_keeps_the_whole_file_name_and_names_the_file_by_its_digest(db, clock, editor, filename):
    data = questions_xlsx(many_problems(good=1, one=1, two=2))
    report = run(db, clock, editor, filename, data)
    refused = db.get(AuditEvent, report.refusal_id)
    assert (report.filename, refused.after["filename"]) == (filename, filename)
    assert refused.object_id == hashlib.sha256(data).hexdigest()[:40]
    assert importing.refused_problems(db, clock, editor, report.refusal_id, "xlsx")[0] == filename


def test_an_upload_whose_name_is_over_the_limit_is_refused_naming_the_limit_not_cut(db, clock, editor):
    filename = "2026年度领导干部学法考试" * 15 + ".xlsx"
    with pytest.raises(InvalidInput) as caught:
        run(db, clock, editor, filename, questions_xlsx(many_problems(good=1, one=0, two=0)))
    assert [str(p) for p in caught.value.problems] == [
        f"{filename}: The file name is {len(filename)} characters long; at most 200 are allowed. Give the file a "
        "shorter name and upload it again."]
    assert bank_is_empty(db)


def test_a_refused_import_keeps_its_problems_for_its_uploader_only(db, clock, editor, make):
    report = run(db, clock, editor, "many.xlsx", questions_xlsx(many_problems(good=1, one=1, two=2)))
    assert report.refused and report.refusal_id is not None and bank_is_empty(db)
    refused = db.get(AuditEvent, report.refusal_id)
    assert (refused.action, refused.actor_id, refused.after["rows"], len(refused.after["errors"])) == (
        "batch.import_refused", editor.id, 4, 5)
    filename, problems = importing.refused_problems(db, clock, editor, report.refusal_id, "xlsx")
    assert filename == "many.xlsx" and [str(p) for p in problems] == [str(p) for p in report.errors]
    with pytest.raises(NotFound):
        importing.refused_problems(db, clock, make.user(Role.BANK_EDITOR), report.refusal_id, "xlsx")
    with pytest.raises(NotFound):  # an audit event of another kind is no refusal
        importing.refused_problems(db, clock, editor, report.refusal_id + 1, "xlsx")
    with pytest.raises(PermissionDenied):
        importing.refused_problems(db, clock, make.cadre(), report.refusal_id, "xlsx")


def test_an_unreadable_file_is_recorded_as_refused_too(db, clock, editor):
    report = run(db, clock, editor, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64))
    summary = report.summary()
    assert (summary.rows_read, summary.rows_with_problems, summary.problems) == (0, 0, 1)
    assert db.get(AuditEvent, report.refusal_id).after["errors"][0]["place"] == {"file": "photo.xlsx"}
