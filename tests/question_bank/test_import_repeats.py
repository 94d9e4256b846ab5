"""The same file twice (issue 5): a file already imported, or questions already in the bank, are
said before anything is written, with "skip the repeats" on offer; a returned batch is discarded by
its uploader; a reviewer leaves out single questions; a large batch needs its count confirmed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.models import AuditEvent, BatchStatus, ImportBatch, Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import batch_discard, importing, review
from tests.factories import questions_xlsx

ROW = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "", "", "", "", "行政处罚法", "")


def rows(*numbers: int) -> list[tuple]:
    return [(ROW[0], f"第{n}题：{ROW[1]}") + ROW[2:] for n in numbers]


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def run(db, clock, editor, data, repeats=importing.ASK, name="q.xlsx"):
    report = importing.import_questions(db, clock, editor, name, data, importing.VALID_ONLY, repeats)
    db.commit()
    return report


def test_the_same_file_again_is_said_before_anything_is_written(db, clock, editor):
    data = questions_xlsx(rows(1, 2))
    first = run(db, clock, editor, data)
    again = run(db, clock, editor, data, name="renamed.xlsx")
    assert again.held and again.batch is None and not again.refused
    assert again.same_file["id"] == first.batch.id
    assert [r["row"] for r in again.repeats] == [2, 3]
    assert (count(db, ImportBatch), count(db, Question)) == (1, 2)


def test_questions_already_in_the_bank_are_said_and_skip_the_repeats_imports_the_rest(db, clock, editor, make):
    existing = make.question(stem="第2题：" + ROW[1], options=list(ROW[2:6]), key=["C"])
    data = questions_xlsx(rows(1, 2, 3))
    held = run(db, clock, editor, data)
    assert held.held and held.same_file is None
    assert [(r["row"], r["resembles"]) for r in held.repeats] == [(3, existing.id)]
    assert count(db, ImportBatch) == 0
    skipped = run(db, clock, editor, data, importing.SKIP_REPEATS)
    assert skipped.imported == 2 and skipped.batch.report["skipped_repeats"][0]["row"] == 3
    stems = set(db.scalars(select(QuestionVersion.stem).join(Question, Question.current_version_id == QuestionVersion.id)
                           .where(Question.import_batch_id == skipped.batch.id)))
    assert stems == {"第1题：" + ROW[1], "第3题：" + ROW[1]}


def test_a_file_every_question_of_which_is_in_the_bank_imports_nothing_when_skipping(db, clock, editor):
    data = questions_xlsx(rows(1))
    run(db, clock, editor, data)
    nothing = run(db, clock, editor, data, importing.SKIP_REPEATS)
    assert nothing.held and nothing.batch is None and count(db, ImportBatch) == 1


def test_a_near_duplicate_is_not_a_repeat_and_goes_through_flagged(db, clock, editor, make):
    make.question(stem="行政处罚的种类不包括下列哪一项？", options=list(ROW[2:6]), key=["C"])
    report = run(db, clock, editor, questions_xlsx([(ROW[0], "行政处罚的种类不包含下列哪一项？") + ROW[2:]]))
    assert not report.held and report.repeats == [] and report.imported == 1
    assert report.duplicates[0]["similarity"] < 100


def test_a_returned_batch_is_discarded_by_its_uploader_only_and_audited(db, clock, editor, reviewer, make):
    report = run(db, clock, editor, questions_xlsx(rows(1, 2)))
    batch = report.batch
    with pytest.raises(Conflict):  # still in review
        batch_discard.discard_batch(db, clock, editor, batch)
    review.decide_batch(db, clock, reviewer, batch, approve=False, note="重复")
    db.commit()
    with pytest.raises(PermissionDenied):
        batch_discard.discard_batch(db, clock, make.user(Role.BANK_EDITOR, username="other"), batch)
    assert batch_discard.discard_batch(db, clock, editor, batch) == 2
    db.commit()
    assert count(db, Question) == 0 and count(db, QuestionVersion) == 0
    assert db.get(ImportBatch, batch.id).status == BatchStatus.DISCARDED
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.discard")).one()
    assert event.after["removed"] == 2 and event.after["questions"][0]["stem"].startswith("第1题")
    # Discarded, the file may come in again without being taken for a repeat.
    assert run(db, clock, editor, questions_xlsx(rows(1, 2))).imported == 2


def test_a_reviewer_leaves_out_single_questions_which_return_as_drafts(db, clock, editor, reviewer):
    report = run(db, clock, editor, questions_xlsx(rows(1, 2, 3)))
    ids = sorted(db.scalars(select(Question.id).where(Question.import_batch_id == report.batch.id)))
    with pytest.raises(InvalidInput):
        review.decide_batch(db, clock, reviewer, report.batch, True, leave_out=[ids[0] + 1000])
    assert review.decide_batch(db, clock, reviewer, report.batch, True, leave_out=[ids[1]]) == 2
    db.commit()
    db.expire_all()
    assert [db.get(Question, i).status for i in ids] == [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT,
                                                         QuestionStatus.PUBLISHED]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.approve")).one()
    assert event.after["left_out"] == [ids[1]]


def test_publishing_a_large_batch_needs_its_count_confirmed(db, clock, editor, reviewer):
    n = review.LARGE_BATCH + 1
    report = run(db, clock, editor, questions_xlsx(rows(*range(1, n + 1))))
    for wrong in (None, n + 1):
        with pytest.raises(InvalidInput):
            review.decide_batch(db, clock, reviewer, report.batch, True, confirmed=wrong)
    assert count(db, Question, Question.status == QuestionStatus.PUBLISHED) == 0
    some = db.scalars(select(Question.id).where(Question.import_batch_id == report.batch.id)).first()
    # Leaving one out brings it to the limit: no confirmation needed then.
    assert review.decide_batch(db, clock, reviewer, report.batch, True, leave_out=[some]) == n - 1


def test_a_held_upload_waits_for_its_uploaders_answer_only_and_one_at_a_time(db, clock, editor, make):
    from question_bank.errors import NotFound
    from question_bank.models import HeldImport
    from question_bank.services import held_imports

    data = questions_xlsx(rows(1, 2))
    run(db, clock, editor, data)
    report, held = held_imports.import_or_hold(db, clock, editor, "again.xlsx", data, importing.VALID_ONLY)
    _, newer = held_imports.import_or_hold(db, clock, editor, "again.xlsx", questions_xlsx(rows(2, 3)),
                                           importing.VALID_ONLY)
    db.commit()
    assert report.held and held is not None
    assert db.scalars(select(HeldImport.id)).all() == [newer.id]  # the newer replaces the older
    with pytest.raises(NotFound):
        held_imports.resume(db, clock, make.user(Role.BANK_EDITOR, username="other"), newer.id, importing.SKIP_REPEATS)
    resumed = held_imports.resume(db, clock, editor, newer.id, importing.SKIP_REPEATS)
    db.commit()
    assert resumed.imported == 1 and count(db, HeldImport) == 0
    # Nothing is held for a file without repeats.
    assert held_imports.import_or_hold(db, clock, editor, "new.xlsx", questions_xlsx(rows(9)), importing.VALID_ONLY)[1] is None
