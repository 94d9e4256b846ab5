"""The wrong-answer book (错题本, issue 11): every question a cadre got wrong in practice, and in
exams once the sitting lets the candidate see its key; practising it until a question is answered
right twice in a row takes the question out.

Rules:
- A wrong practice answer puts the question in the book (or back in it) and resets its streak.
- A right practice answer adds one to the streak of a question in the book; the second in a row
  clears it. Right answers count from any practice run, not only runs of the book: a right answer
  is a right answer.
- An exam answer joins the book only once the sitting allows the key to be shown to that candidate
  (``results.disclose(...).answers_shown``: the sitting shows answers, its results are visible by
  policy or an early release, and keys wait for the window to close unless results show at once).
  "Wrong" is anything short of the item's full mark (a partly right multiple choice, an
  unanswered item), for the types practice can check (a short answer cannot be practised). Exam
  answers are taken in when the cadre opens the book or practises it (:func:`take_exam_answers`);
  each exam item is taken once, so clearing a question is not undone by the same old exam answer.
  A question voided for its sitting (a regrade: full marks, or out of the total) is never taken in.
- The book holds only questions practice could ever offer: a retired question drops out of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from question_bank.clock import Clock
from question_bank.models import (
    CLOSED_STATES,
    Attempt,
    AttemptItem,
    Mark,
    Question,
    QuestionVersion,
    User,
    WrongAnswerEntry,
    WrongAnswerExamItem,
)
from question_bank.services import item_overrides, results, score_check
from question_bank.services.assembly import live_question
from question_bank.services.practice_pool import PRACTICE_TYPES

#: Right answers in a row that take a question out of the book.
CLEARING_STREAK = 2
PRACTICE, EXAM = "practice", "exam"


@dataclass(frozen=True)
class ExamWrong:
    """An exam item answered wrong whose key the candidate may see, not yet taken into the book."""

    user_id: int
    attempt_item_id: int
    question_id: int
    finished_at: dt.datetime


def _entry(session: Session, user_id: int, question_id: int) -> WrongAnswerEntry | None:
    return session.scalar(select(WrongAnswerEntry).where(WrongAnswerEntry.user_id == user_id,
                                                         WrongAnswerEntry.question_id == question_id)
                          .with_for_update())


def record_wrong(session: Session, user_id: int, question_id: int, when: dt.datetime, origin: str) -> WrongAnswerEntry:
    """Put the question in the cadre's book (or back in it), streak 0. ``when`` is the server
    time of the wrong answer (an exam's: when the attempt closed)."""
    entry = _entry(session, user_id, question_id)
    if entry is None:
        entry = WrongAnswerEntry(user_id=user_id, question_id=question_id, origin=origin, wrong_count=1, streak=0,
                                 first_wrong_at=when, last_wrong_at=when)
        session.add(entry)
    else:
        entry.wrong_count += 1
        entry.streak = 0
        entry.origin = origin
        entry.last_wrong_at = max(entry.last_wrong_at, when)
        entry.cleared_at = None
    session.flush()
    return entry


def record_practice_answer(session: Session, user_id: int, question_id: int, correct: bool,
                           now: dt.datetime) -> WrongAnswerEntry | None:
    """Apply one practice answer to the book (see the module rules); returns the question's entry
    (None when a right answer finds it in no book)."""
    if not correct:
        entry = record_wrong(session, user_id, question_id, now, PRACTICE)
        entry.last_practised_at = now
        return entry
    entry = _entry(session, user_id, question_id)
    if entry is None or entry.cleared_at is not None:
        return entry
    entry.streak += 1
    entry.last_practised_at = now
    if entry.streak >= CLEARING_STREAK:
        entry.cleared_at = now
    session.flush()
    return entry


def exam_wrongs(session: Session, user_ids: Collection[int], now: dt.datetime) -> list[ExamWrong]:
    """The exam items of these cadres answered wrong, whose keys they may see at ``now``, and
    not yet taken into their books; oldest attempt first."""
    if not user_ids:
        return []
    attempts = list(session.scalars(select(Attempt).options(joinedload(Attempt.sitting))
                                    .where(Attempt.user_id.in_(list(user_ids)), Attempt.state.in_(CLOSED_STATES))))
    checked = score_check.checked_scores(session, attempts)
    disclosed = {a.id: a for a in attempts if results.disclose(a, checked[a.id], now).answers_shown}
    if not disclosed:
        return []
    newest = (select(Mark.attempt_item_id, func.max(Mark.id).label("mark_id"))
              .join(AttemptItem, Mark.attempt_item_id == AttemptItem.id)
              .where(AttemptItem.attempt_id.in_(list(disclosed)))
              .group_by(Mark.attempt_item_id).subquery())
    taken = select(WrongAnswerExamItem.attempt_item_id)
    rows = session.execute(
        select(AttemptItem.id, AttemptItem.attempt_id, QuestionVersion.question_id)
        .join(newest, newest.c.attempt_item_id == AttemptItem.id)
        .join(Mark, Mark.id == newest.c.mark_id)
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(Mark.score < AttemptItem.mark, QuestionVersion.qtype.in_(PRACTICE_TYPES),
               AttemptItem.id.not_in(taken))
        .order_by(AttemptItem.attempt_id, AttemptItem.slot))
    # A question voided for its sitting (full marks, or out of the total) says nothing about the
    # candidate: its 0 after "out of the total" is not a wrong answer.
    voided = {sitting_id: {q for q, o in item_overrides.for_sitting(session, sitting_id).items() if o.voids}
              for sitting_id in {a.sitting_id for a in disclosed.values()}}
    return [ExamWrong(disclosed[attempt_id].user_id, item_id, question_id, disclosed[attempt_id].finished_at)
            for item_id, attempt_id, question_id in rows
            if question_id not in voided[disclosed[attempt_id].sitting_id]]


def take_exam_answers(session: Session, clock: Clock, cadre: User) -> int:
    """Take the cadre's disclosed wrong exam answers into their book; returns how many exam items
    were taken (0 on a second call with nothing new)."""
    now = clock.now()
    found = exam_wrongs(session, [cadre.id], now)
    for wrong in found:
        record_wrong(session, cadre.id, wrong.question_id, wrong.finished_at or now, EXAM)
        session.add(WrongAnswerExamItem(attempt_item_id=wrong.attempt_item_id, user_id=cadre.id,
                                        question_id=wrong.question_id, taken_at=now))
    session.flush()
    return len(found)


def _in_book():
    return and_(WrongAnswerEntry.cleared_at.is_(None), live_question())


def entries(session: Session, cadre: User) -> list[WrongAnswerEntry]:
    """The questions in the cadre's book, most recently got wrong first, with their questions and
    published versions loaded."""
    return list(session.scalars(
        select(WrongAnswerEntry).join(Question, WrongAnswerEntry.question_id == Question.id)
        .options(joinedload(WrongAnswerEntry.question).joinedload(Question.published_version))
        .where(WrongAnswerEntry.user_id == cadre.id, _in_book())
        .order_by(WrongAnswerEntry.last_wrong_at.desc(), WrongAnswerEntry.id.desc())))


def book_sizes(session: Session, user_ids: Collection[int], now: dt.datetime | None = None) -> dict[int, int]:
    """User id → how many questions their book holds: its entries and, given ``now``, the wrong
    exam answers disclosed by then that it would take in when next opened (each question once).
    Every requested user is present."""
    ids = list(user_ids)
    questions: dict[int, set[int]] = {user_id: set() for user_id in ids}
    if not ids:
        return {}
    rows = session.execute(select(WrongAnswerEntry.user_id, WrongAnswerEntry.question_id)
                           .join(Question, WrongAnswerEntry.question_id == Question.id)
                           .where(WrongAnswerEntry.user_id.in_(ids), _in_book()))
    for user_id, question_id in rows:
        questions[user_id].add(question_id)
    pending = exam_wrongs(session, ids, now) if now is not None else []
    if pending:
        live = set(session.scalars(select(Question.id).where(
            Question.id.in_({w.question_id for w in pending}), live_question())))
        for wrong in pending:
            if wrong.question_id in live:
                questions[wrong.user_id].add(wrong.question_id)
    return {user_id: len(found) for user_id, found in questions.items()}
