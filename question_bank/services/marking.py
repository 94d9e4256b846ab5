"""Marking an attempt, and the grade band its score falls in (domain.md §7).

The machine marks what it can when an attempt closes: choice, true/false and fill-in items, and
short answers left empty (0: there is nothing for a person to read). A short answer with text waits
for a marker, and so does the attempt's total: like Moodle's quiz, no total is shown or put in the
score ledger while anything still needs marking. The attempt is then closed with ``score`` None
(:func:`is_awaiting_marking`). The marking queue adds one :class:`Mark` (with its ``marker_id``)
per waiting item, then calls :func:`complete_marking`, which sets the total and appends the ledger
entry once nothing waits any more.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from question_bank.clock import Clock
from question_bank.db import insert_rows
from question_bank.driver_sql import RenderedStatement
from question_bank.models import (
    HALF_CENT, VOID_BAND, Attempt, AttemptItem, AttemptLawVersion, AttemptReopening, Mark, Paper, QuestionVersion, Regrade,
    ResponseStep, ScoreRecord, Sitting, User,
)
from question_bank.points import CENT
from question_bank.services import item_overrides, ledger, remarking
from question_bank.types import get_type

#: ``Mark.reason`` of the automatic 0 for a short answer left empty.
UNANSWERED = "unanswered"


class GradeBand(StrEnum):
    """优秀 / 合格 / 不合格, by the sitting's excellent mark and pass mark (default 90 and 60)."""

    EXCELLENT = "excellent"
    PASS = "pass"
    FAIL = "fail"


def scaled_marks(sitting: Sitting, max_score: Decimal, full_score: Decimal) -> tuple[Decimal, Decimal]:
    """The (pass mark, excellent mark) in points for a record out of ``max_score`` points when the
    paper as drawn was out of ``full_score`` points (issue 6, item 1).

    The sitting sets its marks for the full paper. When a regrade removes a question from the
    total ("void: remove from total"), the maximum falls and both marks fall in the same
    proportion: mark × max_score ÷ full_score, exact in ``Decimal`` and rounded *up* to two
    places (ROUND_CEILING), so a candidate never passes with less than the sitting's share of the
    points (60 of 100 → 30.00 of 50; 60 of 100 → 58.20 of 97; 60 of 90 → 53.34 of 80). With the
    maximum equal to the full score the sitting's own marks come out (they are in hundredths, so
    scaling by 1 keeps them). domain.md §7–9 and case C-10 state no rule of their own for this.

    Raises ``ValueError`` for a ``full_score`` of 0 points or less: a paper has at least one
    question and each carries more than 0 points (``papers``, ``fixed_papers``), so such a figure
    is a caller's mistake, not a paper.
    """
    if full_score <= 0:
        raise ValueError(f"a paper is out of more than 0 points, not {full_score}")

    def scale(mark: Decimal) -> Decimal:
        return (mark * max_score / full_score).quantize(CENT, rounding=ROUND_CEILING)
    return scale(sitting.pass_mark), scale(sitting.excellent_mark)


def total_of(scores: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """An attempt's total in points from its items' (score, half_cent) pairs: the exact sum, with
    each agreed mean's half hundredth added back (``Mark.half_cent``), then cut down to the
    hundredth. Two halves make a whole hundredth; a half left over is dropped. The total is thus
    never above the exact sum and less than a hundredth below it, and since a pass mark is in
    hundredths, ``total >= pass mark`` exactly when the exact sum is (30.005 + 29.985 = 59.99 fails
    a pass mark of 60; 30.005 + 29.995 = 60.00 passes; 30.005 + 30.00 = 60.005 is 60.00). Pure."""
    total = Decimal(0)
    for score, half in scores:
        total += score + (HALF_CENT if half else 0)
    return total.quantize(CENT, rounding=ROUND_FLOOR)


def full_score(attempt: Attempt) -> Decimal:
    """Points the attempt's paper was out of as drawn: the sum of its items' marks, before any
    question was removed from the total."""
    return sum((item.mark for item in attempt.items), Decimal(0))


def pass_mark_for(sitting: Sitting, attempt: Attempt) -> Decimal:
    """The pass mark in points that ``attempt``'s score is judged against: the sitting's own, or
    scaled to the attempt's maximum when a regrade removed a question from its total
    (:func:`scaled_marks`). The paper's items are read only for such an attempt, so a sheet of
    50,000 rows does not load every attempt's items."""
    if attempt.max_score == sitting.paper.total_marks:
        return sitting.pass_mark
    return scaled_marks(sitting, attempt.max_score, full_score(attempt))[0]


def band_for(sitting: Sitting, score: Decimal, max_score: Decimal, full: Decimal) -> GradeBand:
    """The band of ``score`` points out of ``max_score``, on a paper drawn out of ``full`` points:
    against the sitting's marks, scaled when a question was removed from the total
    (:func:`scaled_marks`, whose ``ValueError`` it raises)."""
    pass_mark, excellent_mark = scaled_marks(sitting, max_score, full)
    if score >= excellent_mark:
        return GradeBand.EXCELLENT
    if score >= pass_mark:
        return GradeBand.PASS
    return GradeBand.FAIL


def is_awaiting_marking(attempt: Attempt) -> bool:
    """Whether a closed attempt still waits for a person to mark some item (its total is unknown)."""
    return not attempt.is_open and attempt.score is None


def current_responses(session: Session, attempt_id: int) -> dict[int, ResponseStep]:
    """The response of each answered slot, in slot order: its latest stored step that a later save
    of the same page had not already superseded (see ``ResponseStep``)."""
    latest: dict[int, ResponseStep] = {}
    steps = session.scalars(
        select(ResponseStep)
        .where(ResponseStep.attempt_id == attempt_id, ResponseStep.superseded.is_(False))
        .order_by(ResponseStep.slot, ResponseStep.id)
    )
    for step in steps:
        latest[step.slot] = step
    return latest


def latest_item_marks(session: Session, attempt: Attempt) -> dict[int, Mark]:
    """Attempt item id → its newest :class:`Mark` (marks are insert-only; the newest counts). An
    item whose newest mark has no points is left out: it awaits marking again (``remarking``)."""
    # Each item's mark of the highest id, chosen by the database: no reliance on the order rows
    # come in (as in _item_marks).
    newest = (select(func.max(Mark.id)).join(AttemptItem, Mark.attempt_item_id == AttemptItem.id)
              .where(AttemptItem.attempt_id == attempt.id).group_by(Mark.attempt_item_id))
    marks = session.scalars(select(Mark).where(Mark.id.in_(newest)))
    return {mark.attempt_item_id: mark for mark in marks if mark.score is not None}


def awaiting_marking(session: Session, attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items no one has marked yet (short answers with text), in slot order."""
    marked = latest_item_marks(session, attempt)
    return [item for item in attempt.items if item.id not in marked]


class _PaperItem(NamedTuple):
    """An item as :func:`_paper_items` reads it. A named tuple, not the query's ``Row``: reading a
    Row's attribute by name cost twenty times a tuple's (issue 7), and each is read several times."""
    id: int
    slot: int
    mark: Decimal
    section_no: int
    question_version_id: int
    option_order: list
    qtype: str
    key: Any
    question_id: int
    multi_rule: Any
    reopened: bool
    regraded: bool
    cites_laws: bool


class _PaperStep(NamedTuple):
    """A response step as :func:`_paper_steps` reads it (``ledger.STEP_COLUMNS``, in that order)."""
    attempt_id: int
    slot: int
    writer: str
    client_seq: int
    superseded: bool
    answer: Any
    received_at: dt.datetime
    source: Any


class _PaperRows(NamedTuple):
    """What a first hand-in's marking reads (:func:`_paper_items`, :func:`_paper_steps`)."""
    items: list[_PaperItem]
    steps: list[_PaperStep]
    answers: dict[int, object]


def _paper_items(session: Session, attempt_id: int) -> list[_PaperItem]:
    """The attempt's items with what marking needs: the item (``id``, ``slot``, ``mark``, and
    ``section_no``, ``question_version_id``, ``option_order`` for the ledger's digest), its
    version's ``qtype``, ``key`` and ``question_id``, the paper's ``multi_rule``, whether the
    attempt was ever re-opened (``reopened``), whether its sitting has any regrade (``regraded``)
    and whether its legal-validity snapshot names any law version (``cites_laws``), in whatever
    order the database gives (each row names its item and slot, the total is a sum and the
    ledger's digests sort). One query: the paper's rule and the re-openings came in two more, by
    lazy loads, and the regrades and the snapshot in two others (issue 7)."""
    rows = _paper_items_statement().execute(session.connection(), {"attempt_id": attempt_id})
    return list(map(_PaperItem._make, rows))


@functools.lru_cache(maxsize=1)
def _paper_items_statement() -> RenderedStatement:
    """:func:`_paper_items`' query for the attempt ``:attempt_id``, built once and rendered once
    (``driver_sql``): building it cost more CPU than running it, and SQLAlchemy's execution of it
    through the session as much again (issue 7)."""
    attempt_id = bindparam("attempt_id")
    reopened = exists().where(AttemptReopening.attempt_id == attempt_id)
    regraded = exists().where(Regrade.sitting_id == Attempt.sitting_id)
    cites_laws = exists().where(AttemptLawVersion.attempt_id == attempt_id)
    return RenderedStatement(_in_order_of(_PaperItem, (
        select(AttemptItem.id, AttemptItem.slot, AttemptItem.mark, AttemptItem.section_no,
               AttemptItem.question_version_id, AttemptItem.option_order, QuestionVersion.qtype,
               QuestionVersion.key, QuestionVersion.question_id, Paper.multi_rule, reopened.label("reopened"),
               regraded.label("regraded"), cites_laws.label("cites_laws"))
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id).join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Paper, Paper.id == Sitting.paper_id)
        .where(AttemptItem.attempt_id == attempt_id))))


def _in_order_of(shape: type, statement: Any) -> Any:
    """``statement``, whose columns are read into ``shape`` (a named tuple) by position. Raises
    ``RuntimeError`` when they are not its fields in its order (checked once per statement built)."""
    if list(statement.selected_columns.keys()) != list(shape._fields):
        raise RuntimeError(f"{shape.__name__} reads {shape._fields}, the query gives "
                           f"{tuple(statement.selected_columns.keys())}")
    return statement


def _paper_steps(session: Session, attempt_id: int, items: list[_PaperItem]) -> _PaperRows:
    """``items`` (:func:`_paper_items`) with every response step of the attempt, superseded ones
    too (``ledger.STEP_COLUMNS``), in id order, and slot → current answer by
    :func:`current_responses`' rule (a slot never answered is absent). One query."""
    steps = list(map(_PaperStep._make, _paper_steps_statement().execute(session.connection(),
                                                                         {"attempt_id": attempt_id})))
    answers = {step.slot: step.answer for step in steps if not step.superseded}
    return _PaperRows(items, steps, answers)


@functools.lru_cache(maxsize=1)
def _paper_steps_statement() -> RenderedStatement:
    """:func:`_paper_steps`' query for the attempt ``:attempt_id``, built and rendered once."""
    # In id order, so that the latest save of a slot comes last and wins; a table's rows come in
    # no promised order without it (tests/question_bank/test_marking_row_order.py).
    return RenderedStatement(_in_order_of(_PaperStep, select(*ledger.STEP_COLUMNS).where(
        ResponseStep.attempt_id == bindparam("attempt_id")).order_by(ResponseStep.id)))


class _NewMark(NamedTuple):
    """A mark as :func:`mark_for_hand_in` inserts it, with the attributes ``ledger.marks_digest`` reads."""
    score: Decimal
    marked_at: dt.datetime
    marker_id: None  # the machine names no marker
    reason: str
    half_cent: bool = False


def mark_for_hand_in(session: Session, clock: Clock, attempt: Attempt) -> tuple[Decimal | None,
                                                                                 ledger.AttemptRecords | None]:
    """Mark an attempt as it closes (``deadlines.finish``): every item the machine can, from its
    current response and key, then the attempt's score, pass and band when nothing is left for a
    person. Returns the total in points (always the sum of the item scores, case C-08), or None
    while some item awaits a marker; and with it, at a first hand-in, the attempt's items, steps
    and marks as the ledger's digests read them (``ledger.append``'s ``records``), or None after a
    re-opening (the ledger then reads them itself).

    The machine's marks name no marker; their reason is "" (:data:`UNANSWERED` for a short answer
    left empty, "void:…" for a question voided for the sitting). A short answer with text gets no
    mark: it waits for a marker.

    A first hand-in (an attempt never re-opened) finds no mark on any item: marks are given only to
    a closed attempt (``manual_marking``, ``score_changes``, ``regrade``, this function as it
    closes), and a closed attempt opens again only by ``proctoring.reopen_attempt``, which records
    the re-opening. So every item is marked afresh, set-wise (issue 7): the items with their keys
    come in one query and the response steps in another, the marks are computed here by the
    question types' own rules and inserted in one statement, and the total is summed from them
    without reading the marks back. The attempt's score, band, pass (and maximum, after a regrade
    removed a question) are then set on it as stored values, not as changes: the caller writes them
    with the attempt's closing (``deadlines.finish``, the only caller).

    Marking again after a re-opening keeps an approved score change and a person's mark while the
    item's response is unchanged; when it changed, they are set aside visibly and the new answer is
    marked by the machine or goes back to the marking queue (``remarking``): item by item, in
    :func:`_mark_again`.
    """
    rows = _paper_items(session, attempt.id)
    # A paper has at least one item; without any, the row that says so is missing.
    if rows[0].reopened if rows else attempt.reopenings:
        return _mark_again(session, clock, attempt), None
    paper = _paper_steps(session, attempt.id, rows)
    now = clock.now()
    # A sitting's regrades are read only when it has some (the items' query says): most never have.
    overrides = item_overrides.for_sitting(session, attempt.sitting_id) if (rows[0].regraded if rows else True) else {}
    new_marks: list[dict] = []
    scores: dict[int, Decimal | None] = {}  # item id → its mark; None: it waits for a marker
    for row in rows:
        override = overrides.get(row.question_id)
        score = override.score(row) if override is not None else None
        if score is not None:
            why = f"void:{override.kind}"
        else:
            qtype = get_type(row.qtype)
            key = override.key if override is not None else row.key
            score = qtype.mark(key, paper.answers.get(row.slot), row.mark, row.multi_rule)
            why = "" if qtype.auto_marked else UNANSWERED
        scores[row.id] = score
        if score is not None:
            new_marks.append({"attempt_item_id": row.id, "score": score, "marked_at": now, "marker_id": None,
                              "reason": why, "half_cent": False})
    if new_marks:
        # half_cent given rather than left to its default, so PostgreSQL takes the rows in one
        # INSERT … SELECT FROM unnest (insert_rows) instead of one execution per mark.
        insert_rows(session, Mark, new_marks)
    if any(o.removed for o in overrides.values()):
        set_committed_value(attempt, "max_score", sum(
            (row.mark for row in rows if not (o := overrides.get(row.question_id)) or not o.removed), Decimal(0)))
    # Set as the caller stores them, with the closing's UPDATE (deadlines.finish), not as changes
    # for the ORM: a flush that finds the attempt changed runs a unit of work (issue 7).
    total = _settle(attempt, [(row.mark, scores[row.id], False) for row in rows], set_committed_value)
    slots = {row.id: row.slot for row in rows}
    marks = [(slots[m["attempt_item_id"]], _NewMark(m["score"], m["marked_at"], None, m["reason"]))
             for m in new_marks]
    # The snapshot is read for the ledger only when it names a law version (the items' query says).
    laws = None if (rows[0].cites_laws if rows else True) else []
    return total, ledger.AttemptRecords(rows, paper.steps, marks, laws)


def _item_marks(session: Session, attempt_id: int) -> list[tuple[Decimal, Decimal | None, bool]]:
    """(item mark, newest mark's score or None, its ``half_cent``) of each item of the attempt."""
    # The newest mark is the one of the highest id: max() gives one row on both databases, where a
    # LIMIT would be needed to keep PostgreSQL from refusing a subquery of several rows that SQLite
    # would quietly cut to its first. Served by the (attempt_item_id, id) index.
    newest_id = (select(func.max(Mark.id)).where(Mark.attempt_item_id == AttemptItem.id)
                 .correlate(AttemptItem).scalar_subquery())
    return [(mark, score, bool(half)) for mark, score, half in session.execute(
        select(AttemptItem.mark, Mark.score, Mark.half_cent)
        .outerjoin(Mark, Mark.id == newest_id).where(AttemptItem.attempt_id == attempt_id))]


def _mark_again(session: Session, clock: Clock, attempt: Attempt) -> Decimal | None:
    """:func:`mark_for_hand_in` of an attempt marked before and re-opened since (``remarking``)."""
    responses = current_responses(session, attempt.id)
    rule = attempt.sitting.paper.multi_rule
    now = clock.now()
    marked = latest_item_marks(session, attempt)
    # Marks, approved changes and markers' rounds stand while their answer does.
    changed = remarking.changed_since_marked(session, attempt, marked)
    overrides = item_overrides.for_sitting(session, attempt.sitting_id)
    for item in attempt.items:
        version = item.question_version
        qtype = get_type(version.qtype)
        override = overrides.get(version.question_id)
        if override is not None and override.score(item) is not None:
            # A void applied while the attempt was re-opened reaches it now (the regrade passed it by).
            if item.id not in marked or marked[item.id].score != override.score(item):
                session.add(Mark(attempt_item=item, score=override.score(item), marked_at=now,
                                 reason=f"void:{override.kind}"))
            continue
        step = responses.get(item.slot)
        key = override.key if override is not None else version.key
        score = qtype.mark(key, step.answer if step else None, item.mark, rule)
        decided = remarking.approved_change_id(marked.get(item.id))
        again = item.id in changed  # its response changed after it was marked
        if qtype.auto_marked:
            if score is None or (decided is not None and not again):
                continue  # an approved change stands while its answer does
        elif not again and (item.id in marked or score is None):
            continue  # a person's mark counts; a text waits for one
        why = "" if qtype.auto_marked else UNANSWERED
        if again and (decided is not None or not qtype.auto_marked):
            why = remarking.set_aside(session, clock, item, marked.get(item.id), score)
        session.add(Mark(attempt_item=item, score=score, marked_at=now, reason=why))
    if any(o.removed for o in overrides.values()):
        attempt.max_score = item_overrides.max_score(attempt.items, overrides)
    session.flush()
    return settle_total(session, attempt)


def settle_total(session: Session, attempt: Attempt) -> Decimal | None:
    """Set the attempt's score, band and pass from its newest item marks (all None while an item
    has no mark); returns the total in points or None."""
    if attempt.band == VOID_BAND:
        # A voided attempt stays void whatever a regrade or a late mark finds (proctoring.void_attempt).
        return attempt.score
    session.flush()
    total = _settle(attempt, _item_marks(session, attempt.id))
    session.flush()
    return total


def _settle(attempt: Attempt, marks: list[tuple[Decimal, Decimal | None, bool]],
            assign: Callable[[Attempt, str, Any], None] = setattr) -> Decimal | None:
    """:func:`settle_total` from each item's (mark, newest score, its half hundredth) at hand. The
    attempt's new score, band and pass are not flushed here: a first hand-in's go out in the same
    UPDATE as its closing (``deadlines.finish``), one statement fewer (issue 7). ``assign`` sets
    each (``setattr``: as changes the ORM will flush)."""
    if attempt.band == VOID_BAND:
        return attempt.score
    if any(score is None for _, score, _ in marks):
        for name in ("score", "band", "passed"):
            assign(attempt, name, None)
        return None
    total = total_of((score, half) for _, score, half in marks)
    band = band_for(attempt.sitting, total, attempt.max_score, sum((mark for mark, _, _ in marks), Decimal(0)))
    assign(attempt, "score", total)
    assign(attempt, "band", band)
    assign(attempt, "passed", band != GradeBand.FAIL)
    return total


def complete_marking(session: Session, clock: Clock, attempt: Attempt, actor: User | None,
                     reason: str = "marked") -> ScoreRecord | None:
    """After a person marked items of a closed attempt that awaited marking: once every item has a
    mark, set the total, band and pass and append the ledger entry (with ``reason``); returns it.
    ``None`` when some item still waits, or when the attempt's total was already recorded (a change
    after that is a regrade, which keeps the old and the new score)."""
    if attempt.is_open or not is_awaiting_marking(attempt):
        return None
    if settle_total(session, attempt) is None:
        return None
    return ledger.append(session, clock, attempt, reason=reason, actor=actor)
