"""A hand-in's ledger entry carries digests of the attempt's responses and marks. Since issue 7 they
are computed from what the hand-in's marking has just read and written instead of reading the rows
again; they must be exactly what the rows give when read back, or every hand-in would later be
reported as tampered with (``score_check.reconcile``)."""

from __future__ import annotations

import pytest

from question_bank.models import RegradeKind, Role, ScoreRecord
from question_bank.services import attempts, deadlines, ledger, regrade, score_check


@pytest.fixture
def paper_of_every_type(make):
    """Slot 1 single choice (B), 2 multiple choice (A C), 3 true/false (true), 4 fill-in of two
    blanks, 5 short answer; 20 points each, in this order."""
    make.question("single_choice", key=["B"])
    make.question("multiple_choice", options=["甲", "乙", "丙", "丁"], key=["A", "C"])
    make.question("true_false", key=True)
    make.question("fill_blank", stem="行政复议期限为＿＿日，复议机关为＿＿。", key=[["六十", "60"], ["上一级机关"]])
    make.question("short_answer", rubric="答出依法行使职权得满分。")
    return make.paper([(qtype, 1, 20, "行政处罚法") for qtype in
                       ("single_choice", "multiple_choice", "true_false", "fill_blank", "short_answer")])


def _recomputed(db, attempt) -> tuple[str, str]:
    items, steps, marks = ledger.attempt_records(db, [attempt.id])
    return (ledger.responses_digest(attempt, items[attempt.id], steps[attempt.id]),
            ledger.marks_digest(marks[attempt.id]))


def _entry(db, attempt) -> ScoreRecord:
    return db.query(ScoreRecord).filter_by(attempt_id=attempt.id).order_by(ScoreRecord.id.desc()).first()


@pytest.mark.parametrize("hand_in", ["submit", "deadline"])
def test_the_entry_of_a_hand_in_has_the_digests_its_rows_give(db, clock, make, paper_of_every_type, hand_in):
    cadre = make.cadre()
    sitting = make.sitting(paper_of_every_type, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    changes = [(1, ["A"]), (1, ["B"]), (2, ["A"]), (2, ["A", "C"]), (3, "T"), (4, ["60", "上一级机关"]),
               (3, None), (5, "")]  # answers changed, one taken back, the short answer left empty
    for seq, (slot, answer) in enumerate(changes, start=1):
        attempts.save_response(db, clock, cadre, attempt.id, slot, answer, seq)
    if hand_in == "submit":
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    else:
        clock.advance(minutes=40)  # past the 30-minute limit and its grace: the sweep hands it in
        deadlines.sweep(db, clock)
    db.commit()

    entry = _entry(db, attempt)
    assert entry is not None and attempt.score == 60  # 1, 2 and 4 right; 3 taken back; 5 empty scores 0
    assert (entry.responses_digest, entry.marks_digest) == _recomputed(db, attempt)
    assert score_check.reconcile(db) == []
    assert ledger.verify(db).ok


def test_a_question_voided_while_the_attempt_was_open_is_digested_as_stored(db, clock, make, paper_of_every_type):
    """The void's full marks are written at hand-in as marks of their own ("void:…")."""
    cadre, other = make.cadre(), make.cadre()
    sitting = make.sitting(paper_of_every_type, roster=[cadre, other], shuffle=False)
    first = attempts.start_attempt(db, clock, other, sitting)
    attempts.save_response(db, clock, other, first.id, 1, ["A"], 1)
    attempts.submit_attempt(db, clock, other, first.id)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["C"], 1)
    db.commit()
    admin = make.user(Role.EXAM_ADMIN)
    question_id = first.items[0].question_version.question_id
    regrade.apply(db, clock, admin, sitting.id, question_id, RegradeKind.VOID_FULL_MARKS, "题目有误")
    db.commit()
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()

    entry = _entry(db, attempt)
    assert attempt.score == 20  # the voided slot's full marks, nothing else answered
    assert (entry.responses_digest, entry.marks_digest) == _recomputed(db, attempt)
    assert score_check.reconcile(db) == []
