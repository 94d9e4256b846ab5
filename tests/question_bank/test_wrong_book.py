"""The wrong-answer book (错题本, issue 11): wrong practice answers join it, two right answers in a
row take a question out, a wrong one resets the streak; wrong exam answers join only once the
sitting lets the candidate see the key, each exam item once; HR's practice figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank.models import ResultPolicy, Role
from question_bank.services import attempts, practice, release, wrong_book
from question_bank.services.practice_figures import PracticeFigures, practice_figures
from tests.scenarios import right_answer, wrong_answer


def _category_run(db, clock, cadre, question):
    return practice.start_practice(db, clock, cadre, "category", question.category_id)


def _answer(db, clock, cadre, run, right: bool):
    item = practice.current_item(db, clock, cadre, run)
    shown = practice.answer(db, clock, cadre, item.id, right_answer(item) if right else wrong_answer(item))
    db.commit()
    clock.advance(minutes=1)
    return item.question_id, shown


def test_a_wrong_answer_joins_the_book_and_two_right_in_a_row_take_it_out(db, make, clock):
    question = make.question(category="书")
    cadre = make.cadre()
    run = _category_run(db, clock, cadre, question)
    _answer(db, clock, cadre, run, right=False)
    assert [e.question_id for e in wrong_book.entries(db, cadre)] == [question.id]

    book = practice.start_practice(db, clock, cadre, "wrong_book")
    _, shown = _answer(db, clock, cadre, book, right=True)
    assert shown.book_streak == 1 and not shown.book_cleared
    _, shown = _answer(db, clock, cadre, book, right=False)              # resets the streak
    assert shown.book_streak == 0
    _, shown = _answer(db, clock, cadre, book, right=True)
    assert shown.book_streak == 1 and wrong_book.entries(db, cadre)
    _, shown = _answer(db, clock, cadre, book, right=True)
    assert shown.book_cleared and shown.book_streak is None
    assert wrong_book.entries(db, cadre) == []
    assert practice.current_item(db, clock, cadre, book) is None       # the book is empty


def test_the_book_serves_the_entry_that_waited_longest_first(db, make, clock):
    first, second = make.question(category="书"), make.question(category="书")
    cadre = make.cadre()
    for question in (first, second):
        wrong_book.record_wrong(db, cadre.id, question.id, clock.now(), wrong_book.PRACTICE)
    db.commit()
    book = practice.start_practice(db, clock, cadre, "wrong_book")
    answered = [_answer(db, clock, cadre, book, right=True)[0] for _ in range(4)]
    assert answered[0] != answered[1] and answered[2] == answered[0] and answered[3] == answered[1]
    assert wrong_book.entries(db, cadre) == []


def test_a_right_answer_outside_the_book_adds_nothing_to_it(db, make, clock):
    question = make.question(category="书")
    cadre = make.cadre()
    _answer(db, clock, cadre, _category_run(db, clock, cadre, question), right=True)
    assert wrong_book.entries(db, cadre) == []


def test_a_retired_question_leaves_the_book(db, make, clock):
    question = make.question(category="书")
    cadre = make.cadre()
    wrong_book.record_wrong(db, cadre.id, question.id, clock.now(), wrong_book.PRACTICE)
    question.status = "retired"
    db.commit()
    assert wrong_book.entries(db, cadre) == []
    assert wrong_book.book_sizes(db, [cadre.id]) == {cadre.id: 0}


def _sat_exam(db, make, clock, **sitting_args):
    """A cadre who sat a two-question exam: question 1 right, question 2 wrong; submitted."""
    right, wrong = make.questions(2, "single_choice", key=["B"], category="考试")
    cadre = make.cadre()
    paper = make.paper([("single_choice", 2, 50, "考试")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, **sitting_args)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    by_question = {item.question_version.question_id: item.slot for item in attempt.items}
    attempts.save_response(db, clock, cadre, attempt.id, by_question[right.id], ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, by_question[wrong.id], ["A"], 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return cadre, sitting, right, wrong


def test_a_wrong_exam_answer_joins_when_the_key_is_shown_at_once(db, make, clock):
    cadre, _, _, wrong = _sat_exam(db, make, clock, show_answers=True)
    assert wrong_book.take_exam_answers(db, clock, cadre) == 1
    entry, = wrong_book.entries(db, cadre)
    assert entry.question_id == wrong.id and entry.origin == "exam"
    assert wrong_book.take_exam_answers(db, clock, cadre) == 0         # each exam item once


def test_a_wrong_exam_answer_waits_for_the_close_and_an_early_release_does_not_hurry_it(db, make, clock):
    cadre, sitting, _, wrong = _sat_exam(db, make, clock, show_answers=True,
                                         results_policy=ResultPolicy.AFTER_CLOSE)
    assert wrong_book.take_exam_answers(db, clock, cadre) == 0
    hr = make.user(Role.HR)
    release.release_results(db, clock, hr, sitting)                    # scores now, keys still after the close
    db.commit()
    assert wrong_book.take_exam_answers(db, clock, cadre) == 0
    assert wrong_book.book_sizes(db, [cadre.id], clock.now()) == {cadre.id: 0}
    clock.set(sitting.closes_at)
    assert wrong_book.book_sizes(db, [cadre.id], clock.now()) == {cadre.id: 1}   # counted before it is taken in
    book = practice.start_practice(db, clock, cadre, "wrong_book")      # opening the book takes it in
    assert [e.question_id for e in wrong_book.entries(db, cadre)] == [wrong.id]
    assert practice.current_item(db, clock, cadre, book).question_id == wrong.id


@pytest.mark.parametrize("args", [{"show_answers": False}, {"show_answers": True, "results_policy": ResultPolicy.NEVER}])
def test_a_sitting_that_never_shows_its_keys_adds_nothing(db, make, clock, args):
    cadre, sitting, _, _ = _sat_exam(db, make, clock, **args)
    clock.set(sitting.closes_at + dt.timedelta(days=30))
    assert wrong_book.take_exam_answers(db, clock, cadre) == 0
    assert wrong_book.entries(db, cadre) == []


def test_a_question_cleared_in_practice_does_not_come_back_from_the_same_exam(db, make, clock):
    cadre, sitting, _, wrong = _sat_exam(db, make, clock, show_answers=True)
    clock.set(sitting.closes_at)                                         # its pool is no longer held out
    book = practice.start_practice(db, clock, cadre, "wrong_book")
    _answer(db, clock, cadre, book, right=True)
    _answer(db, clock, cadre, book, right=True)
    assert wrong_book.entries(db, cadre) == []
    assert wrong_book.take_exam_answers(db, clock, cadre) == 0
    assert wrong_book.entries(db, cadre) == []


def test_the_book_holds_exam_questions_out_while_their_sitting_is_open(db, make, clock):
    cadre, sitting, _, wrong = _sat_exam(db, make, clock, show_answers=True)
    book = practice.start_practice(db, clock, cadre, "wrong_book")
    assert len(wrong_book.entries(db, cadre)) == 1
    assert practice.current_item(db, clock, cadre, book) is None
    clock.set(sitting.closes_at)
    assert practice.current_item(db, clock, cadre, book).question_id == wrong.id


def test_practice_figures_count_answers_in_the_period_and_the_book_now(db, make, clock):
    questions = make.questions(4, category="统计")
    cadre, idle = make.cadre(), make.cadre()
    run = _category_run(db, clock, cadre, questions[0])
    start = clock.now()
    _answer(db, clock, cadre, run, right=True)
    _answer(db, clock, cadre, run, right=False)
    middle = clock.now()
    _answer(db, clock, cadre, run, right=True)
    practice.current_item(db, clock, cadre, run)                       # served, not answered: not counted
    db.commit()
    figures = practice_figures(db, [cadre.id, idle.id])
    assert figures[cadre.id] == PracticeFigures(answered=3, correct=2, wrong_book=1)
    assert figures[cadre.id].accuracy == Decimal("0.6667")
    assert figures[idle.id] == PracticeFigures(0, 0, 0) and figures[idle.id].accuracy is None
    assert practice_figures(db, [cadre.id], since=middle)[cadre.id] == PracticeFigures(1, 1, 1)
    assert practice_figures(db, [cadre.id], until=middle)[cadre.id] == PracticeFigures(2, 1, 1)
    assert practice_figures(db, [cadre.id], since=start, until=start)[cadre.id].answered == 0
    assert practice_figures(db, []) == {}


def test_practice_figures_count_disclosed_exam_answers_given_the_time(db, make, clock):
    cadre, *_ = _sat_exam(db, make, clock, show_answers=True)
    assert practice_figures(db, [cadre.id])[cadre.id].wrong_book == 0
    assert practice_figures(db, [cadre.id], now=clock.now())[cadre.id].wrong_book == 1
    assert PracticeFigures(3, 3, 0).accuracy == Decimal("1.0000")
    assert PracticeFigures(3, 0, 0).accuracy == Decimal("0.0000")
