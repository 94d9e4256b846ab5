"""What is shown or analysed of a sat item uses the key its score was computed with (issue 6,
second trial F-6, F-8, F-9): after a key-correction regrade the candidate's review shows the
corrected key, item analysis marks the corrected key's options, and a question voided for the
sitting does not enter the wrong-answer book."""

from __future__ import annotations

import datetime as dt

from question_bank.models import RegradeKind
from question_bank.services import item_statistics, regrade, results, wrong_book
from tests.question_bank.test_case_c10_regrade import c10, correct_key  # noqa: F401 (fixture)


def _review_of(db, clock, attempt, slot):
    shown = results.disclosure(db, attempt, clock.now())
    return next(i for i in results.review(db, attempt, shown) if i.view.slot == slot)


def _show_answers(db, sitting):
    sitting.show_answers = True
    db.commit()


def test_the_review_shows_the_corrected_key_after_a_key_correction(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    _show_answers(db, sitting)
    assert _review_of(db, clock, r, 1).key_display == ["A", "B"]  # as drawn, before any regrade
    correct_key(make, db, clock, q, ["A", "C"])
    assert _review_of(db, clock, r, 1).key_display == ["A", "B"]  # editing the bank rewrites nothing
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "答案更正为AC")
    db.commit()
    seen = _review_of(db, clock, r, 1)
    assert (seen.key_display, seen.score) == (["A", "C"], 0)
    assert _review_of(db, clock, p, 1).key_display == ["A", "C"]


def test_item_analysis_marks_the_corrected_key_and_counts_the_old_key_option_as_a_distractor(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    correct_key(make, db, clock, q, ["A", "C"])
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.KEY_CORRECTED, "答案更正为AC")
    db.commit()
    loaded = item_statistics.load(db, [sitting])
    item = next(i for i in loaded.matrix.items if loaded.versions[i.key].question_id == q.id)
    assert item.answer_key == frozenset({"A", "C"})
    assert "B" in item.distractors and "C" not in item.distractors


def test_a_question_voided_out_of_the_total_does_not_enter_the_wrong_answer_book(db, clock, make, c10):
    q, sitting, p, r, admin = c10
    _show_answers(db, sitting)
    regrade.apply(db, clock, admin, sitting.id, q.id, RegradeKind.VOID_REMOVED, "超纲，剔除")
    db.commit()
    clock.set(clock.now() + dt.timedelta(minutes=1))
    # R answered the voided question as keyed; both now have 0 of 0 on it, and P missed nothing else.
    assert wrong_book.take_exam_answers(db, clock, r.user) == 0
    assert wrong_book.take_exam_answers(db, clock, p.user) == 0
    assert wrong_book.entries(db, r.user) == [] and wrong_book.entries(db, p.user) == []
