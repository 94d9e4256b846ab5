"""Regrading a sitting (重新评分) after a key is corrected or a question voided (domain.md §7, case C-10).

An exam administrator first previews (:func:`preview`: who changes, old → new total, who crosses the
pass mark) and then applies (:func:`apply`). Applying never touches a response: it adds a
:class:`Mark` for each item whose mark changes (marks are insert-only; the newest counts), sets the
attempt's total, and appends a score ledger entry for every attempt it changed, with the reason.
The :class:`Regrade` row and its :class:`RegradeChange` rows record who ran it, when, why, and each
attempt's old and new total. Editing the bank alone changes no recorded score.

Kinds (:class:`RegradeKind`):

- key corrected: items of the question are marked again with the key of its published version
  (the corrected key must have been approved by a reviewer, like any edit). Only for questions
  the machine marks, and only when the corrected version keeps the type and the number of options
  (responses are stored by option position).
- voided with full marks: every item of the question gets its full mark.
- voided and removed from the total: every item scores 0 and its mark leaves the attempt's
  maximum. The pass and excellent marks of those attempts fall in proportion to the new maximum
  (``marking.scaled_marks``: mark × new maximum ÷ full paper, rounded up to the hundredth), so
  90 of 100 that becomes 45 of 50 still passes a pass mark of 60 (now 30.00 of 50).

A key correction leaves alone an item whose mark two people decided in an approved score change
(``score_changes``): the machine's mark under the new key would silently undo that decision. The
preview lists each such item (:attr:`Preview.kept`) so that the administrators can propose a new
change if the corrected key should apply to it; the audit event names them too. A void (full marks,
or out of the total) applies to every item alike, so it replaces those marks as well.

Voided attempts (作废, ``proctoring.void_attempt``) are left out: their score stays void. A regrade
that would change nothing (no attempt, and the question already marked that way from then on)
is refused. The preview lists the open score-change proposals it would make stale (their old
mark would no longer be the current one: ``score_changes.decide`` refuses them then).

Later attempts of the sitting are marked the same way (``services.item_overrides``). A void is
never lifted: a key corrected after it is recorded as the key in force, and the void keeps
governing the score (the preview says so: :attr:`Preview.void_kept`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import (
    CLOSED_STATES,
    VOID_BAND,
    ChangeState,
    Attempt,
    AttemptItem,
    Mark,
    Question,
    QuestionVersion,
    Regrade,
    RegradeChange,
    RegradeKind,
    ResponseStep,
    ScoreChange,
    Sitting,
    User,
)
from question_bank.services import audit, item_overrides, ledger, score_changes
from question_bank.services.marking import GradeBand, band_for, full_score, scaled_marks, settle_total, total_of
from question_bank.services.sittings import get_sitting
from question_bank.types import get_type


@dataclass(frozen=True)
class AttemptChange:
    """One attempt a regrade changes. Totals in points; ``None`` total: awaiting marking."""

    attempt_id: int
    candidate: str
    old_score: Decimal | None
    new_score: Decimal | None
    old_max: Decimal
    new_max: Decimal
    old_passed: bool | None
    new_passed: bool | None
    #: Slot → (old item mark or None, new item mark).
    items: dict[int, tuple[Decimal | None, Decimal]]
    #: Band (``GradeBand`` value, or None while awaiting marking) before and after.
    old_band: str | None = None
    new_band: str | None = None
    #: The pass mark in points the attempt is judged by, before and after (scaled with the maximum).
    old_pass_mark: Decimal | None = None
    new_pass_mark: Decimal | None = None

    @property
    def changes_band(self) -> bool:
        """Whether the band changes (优秀 → 合格 too, not only across the pass mark)."""
        return None not in (self.old_band, self.new_band) and self.old_band != self.new_band

    @property
    def changes_pass_mark(self) -> bool:
        return self.old_pass_mark != self.new_pass_mark

    @property
    def crosses_pass_mark(self) -> bool:
        """Whether the attempt passes after the regrade and not before, or the other way round."""
        return None not in (self.old_passed, self.new_passed) and self.old_passed != self.new_passed


@dataclass(frozen=True)
class KeptMark:
    """An item a key correction leaves as it is: its mark (points) was set by the approved score
    change ``change_id``, and the corrected key would have marked it ``key_score``."""

    attempt_id: int
    candidate: str
    slot: int
    score: Decimal
    key_score: Decimal
    change_id: int


@dataclass(frozen=True)
class Preview:
    """What applying would do: the attempts that change (by candidate), how many attempts used the
    question, and the key that would mark it (key correction)."""

    sitting: Sitting
    question: Question
    kind: RegradeKind
    key_version: QuestionVersion | None
    attempts_using: int
    changes: list[AttemptChange]
    #: Open score-change proposals on items this regrade changes: approving one later is refused.
    stale_proposals: list[ScoreChange] = field(default_factory=list)
    #: Items a key correction leaves with the mark of an approved score change.
    kept: list[KeptMark] = field(default_factory=list)
    #: The void (kind) that keeps governing the question's score through this key correction:
    #: the corrected key is recorded, no mark changes (issue 6, tester finding 3).
    void_kept: RegradeKind | None = None

    #: Attempts of the sitting still open (in progress, or re-opened) that drew the question: they
    #: are not regraded now but marked the regrade's way when handed in (issue 6, finding 4c).
    open_using: int = 0

    @property
    def score_changing(self) -> list[AttemptChange]:
        """Changes whose score changes (a change of the maximum alone is not one)."""
        return [c for c in self.changes if c.old_score != c.new_score]

    @property
    def max_changing(self) -> list[AttemptChange]:
        """Changes whose maximum changes (a question removed from the total)."""
        return [c for c in self.changes if c.old_max != c.new_max]

    @property
    def crossing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.crosses_pass_mark]

    @property
    def band_changing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.changes_band]

    @property
    def pass_mark_changing(self) -> list[AttemptChange]:
        """Changes whose pass mark moves with the maximum (a question removed from the total)."""
        return [c for c in self.changes if c.changes_pass_mark]


def questions_used(session: Session, sitting: Sitting) -> list[Question]:
    """The questions the sitting's closed or open attempts drew, by id (the choices to regrade)."""
    ids = select(QuestionVersion.question_id).join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id) \
        .join(Attempt, AttemptItem.attempt_id == Attempt.id).where(Attempt.sitting_id == sitting.id)
    return list(session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id)))


def _problems(question: Question | None, kind: RegradeKind, items: list[AttemptItem], reason: str) -> list[Problem]:
    found = []
    if not reason.strip():
        found.append(Problem(N_("say why the sitting is regraded"), place="reason"))
    elif len(reason) > 1000:
        found.append(Problem(N_("the reason is longer than %(n)d characters"), {"n": 1000}, "reason"))
    if question is None or not items:
        return [*found, Problem(N_("choose a question this sitting used"), place="question")]
    if kind != RegradeKind.KEY_CORRECTED:
        return found
    corrected = question.published_version
    if not get_type(items[0].question_version.qtype).auto_marked:
        found.append(Problem(N_("a short answer is marked by people: void it or change its marks instead"),
                             place="kind"))
    elif corrected is None or all(i.question_version.key == corrected.key for i in items):
        found.append(Problem(N_("the question has no published version with a different key; correct the key "
                                "and have it approved first"), place="question"))
    elif any(i.question_version.qtype != corrected.qtype or len(i.question_version.options) != len(corrected.options)
             for i in items):
        found.append(Problem(N_("the corrected version changes the type or the number of options, so the answers "
                                "given cannot be marked against it"), place="question"))
    return found


def _items_of(session: Session, sitting: Sitting, question_id: int) -> list[AttemptItem]:
    return list(session.scalars(
        select(AttemptItem).join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(Attempt.sitting_id == sitting.id, Attempt.state.in_([str(s) for s in CLOSED_STATES]),
               # A voided attempt's score stays void: a regrade neither lists nor changes it.
               (Attempt.band.is_(None)) | (Attempt.band != VOID_BAND),
               QuestionVersion.question_id == question_id)
        .order_by(AttemptItem.attempt_id, AttemptItem.slot)))


#: Attempts read per query while computing a regrade (bounded IN lists).
BATCH = 500


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def attempts_with_marks_and_answers(session: Session, attempt_ids: list[int]) -> tuple[
        dict[int, Attempt], dict[int, Mark], dict[tuple[int, int], Any]]:
    """The attempts (with their items and candidates), each item's newest mark by item id, and each
    answered slot's current response by (attempt id, slot): a few queries per :data:`BATCH`
    attempts instead of several per attempt."""
    found: dict[int, Attempt] = {}
    marks: dict[int, Mark] = {}
    answers: dict[tuple[int, int], Any] = {}
    for ids in _batches(attempt_ids):
        for attempt in session.scalars(select(Attempt).where(Attempt.id.in_(ids))
                                       .options(selectinload(Attempt.items), selectinload(Attempt.user))):
            found[attempt.id] = attempt
        for mark in session.scalars(select(Mark).join(AttemptItem, Mark.attempt_item_id == AttemptItem.id)
                                    .where(AttemptItem.attempt_id.in_(ids)).order_by(Mark.id)):
            marks[mark.attempt_item_id] = mark
        for step in session.scalars(select(ResponseStep).where(ResponseStep.attempt_id.in_(ids),
                                                               ResponseStep.superseded.is_(False))
                                    .order_by(ResponseStep.attempt_id, ResponseStep.slot, ResponseStep.id)):
            answers[(step.attempt_id, step.slot)] = step.answer
    # A newest mark without points set the marks before it aside: the item awaits marking again.
    return found, {item_id: m for item_id, m in marks.items() if m.score is not None}, answers


def _new_item_score(item: AttemptItem, override: item_overrides.Override, answer: Any, rule) -> Decimal | None:
    """The item's mark under the regrade (None: a short answer left to markers)."""
    fixed = override.score(item)
    if fixed is not None:
        return fixed
    return get_type(item.question_version.qtype).mark(override.key, answer, item.mark, rule)


def _compute(session: Session, sitting: Sitting, question_id: int, kind: RegradeKind, reason: str) -> Preview:
    question = session.get(Question, question_id)
    items = _items_of(session, sitting, question_id) if question is not None else []
    problems = _problems(question, kind, items, reason)
    if problems:
        raise InvalidInput(problems)
    key_version = question.published_version if kind == RegradeKind.KEY_CORRECTED else None
    in_force = item_overrides.for_sitting(session, sitting.id)
    earlier = in_force.get(question_id)
    override = item_overrides.combined(earlier, kind, key_version.key if key_version is not None else None)
    # A key corrected after a void: the void keeps governing the score (issue 6, tester finding 3).
    void_kept = RegradeKind(earlier.kind) if earlier is not None and earlier.voids and not \
        item_overrides.Override(kind).voids else None
    by_attempt: dict[int, list[AttemptItem]] = defaultdict(list)
    for item in items:
        by_attempt[item.attempt_id].append(item)
    overrides = {**in_force, question_id: override}
    loaded, marks, answers = attempts_with_marks_and_answers(session, list(by_attempt))
    rule = sitting.paper.multi_rule
    changes = []
    kept: list[KeptMark] = []
    for attempt_id, own in by_attempt.items():
        attempt = loaded[attempt_id]
        new_items = {}
        for item in own:
            old = marks[item.id].score if item.id in marks else None
            new = _new_item_score(item, override, answers.get((attempt_id, item.slot)), rule)
            decided_by = score_changes.approved_change_id(marks.get(item.id)) if kind == RegradeKind.KEY_CORRECTED else None
            if decided_by is not None and new is not None:
                if new != old:
                    kept.append(KeptMark(attempt_id, attempt.user.display_name, item.slot, old, new, decided_by))
                continue
            if new is not None and new != old:
                new_items[item.slot] = (old, new)
        new_max = item_overrides.max_score(attempt.items, overrides)
        if not new_items and new_max == attempt.max_score:
            continue
        scores = {i.slot: ((marks[i.id].score, marks[i.id].half_cent) if i.id in marks else None)
                  for i in attempt.items}
        scores.update({slot: (new, False) for slot, (_, new) in new_items.items()})
        total = None if None in scores.values() else total_of(scores.values())
        full = full_score(attempt)
        band = None if total is None else band_for(sitting, total, new_max, full)
        changes.append(AttemptChange(
            attempt_id, attempt.user.display_name, attempt.score, total, attempt.max_score, new_max, attempt.passed,
            None if band is None else band != GradeBand.FAIL, new_items, old_band=attempt.band,
            new_band=None if band is None else str(band),
            old_pass_mark=scaled_marks(sitting, attempt.max_score, full)[0],
            new_pass_mark=scaled_marks(sitting, new_max, full)[0]))
    if not changes and _already_in_force(session, sitting, question_id, override):
        raise InvalidInput([Problem(N_("nothing would change: this question is already regraded this way in this "
                                       "sitting"), place="kind")])
    return Preview(sitting, question, kind, key_version, len(by_attempt), changes,
                   _stale_proposals(session, changes, items, override.voids), kept, void_kept=void_kept,
                   open_using=_open_using(session, sitting, question_id))


def _open_using(session: Session, sitting: Sitting, question_id: int) -> int:
    """How many of the sitting's open attempts (in progress or re-opened) drew the question."""
    return session.scalar(
        select(func.count(func.distinct(AttemptItem.attempt_id))).join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(Attempt.sitting_id == sitting.id, Attempt.state.not_in([str(s) for s in CLOSED_STATES]),
               QuestionVersion.question_id == question_id)) or 0


def _already_in_force(session: Session, sitting: Sitting, question_id: int,
                      override: item_overrides.Override) -> bool:
    """Whether the question's newest regrade in the sitting already marks it as ``override`` would
    (same kind, same key), so applying again would record a regrade that changes nothing."""
    return item_overrides.for_sitting(session, sitting.id).get(question_id) == override


def _stale_proposals(session: Session, changes: list[AttemptChange], items: list[AttemptItem],
                     voids: bool) -> list[ScoreChange]:
    """Open score-change proposals on items whose mark the regrade changes, or on every item of
    the question when it voids it (a voided question takes no score change: ``score_changes``)."""
    changed = {(c.attempt_id, slot) for c in changes for slot in c.items}
    item_ids = [i.id for i in items if voids or (i.attempt_id, i.slot) in changed]
    found: list[ScoreChange] = []
    for ids in _batches(item_ids):
        found.extend(session.scalars(select(ScoreChange).where(ScoreChange.attempt_item_id.in_(ids),
                                                               ScoreChange.state == ChangeState.PROPOSED)
                                     .order_by(ScoreChange.id)))
    return found


def preview(session: Session, actor: User, sitting_id: int, question_id: int, kind: RegradeKind,
            reason: str) -> Preview:
    """What regrading ``question_id`` in the sitting would change, writing nothing. Raises
    :class:`NotFound` / :class:`PermissionDenied` (not an exam admin of the sitting's subtree) and
    :class:`InvalidInput` naming the field ("question", "kind", "reason")."""
    sitting = get_sitting(session, actor, sitting_id)
    return _compute(session, sitting, question_id, kind, reason)


def apply(session: Session, clock: Clock, actor: User, sitting_id: int, question_id: int, kind: RegradeKind,
          reason: str) -> Regrade:
    """Apply the regrade :func:`preview` describes, computed again under a lock on the sitting row
    (two administrators applying at once run one after the other). Adds marks, sets totals, appends
    one ledger entry per changed attempt that has a total (reason "regrade: …"), records the
    :class:`Regrade` and its changes, and audits it ("sitting.regrade"). Raises as :func:`preview`."""
    sitting = get_sitting(session, actor, sitting_id)
    session.scalars(select(Sitting).where(Sitting.id == sitting.id).with_for_update()).one()
    result = _compute(session, sitting, question_id, kind, reason)
    now = clock.now()
    regrade = Regrade(sitting_id=sitting.id, question_id=question_id, kind=str(kind),
                      key_version_id=result.key_version.id if result.key_version else None, reason=reason.strip(),
                      applied_by_id=actor.id, applied_at=now)
    session.add(regrade)
    session.flush()
    for change in result.changes:
        attempt = session.get(Attempt, change.attempt_id)
        for item in attempt.items:
            if item.slot in change.items:
                session.add(Mark(attempt_item=item, score=change.items[item.slot][1], marked_at=now,
                                 marker_id=actor.id, reason=f"regrade:{regrade.id}"))
        attempt.max_score = change.new_max
        session.flush()
        record = _settle(session, clock, actor, attempt, regrade)
        session.add(RegradeChange(regrade_id=regrade.id, attempt_id=attempt.id, old_score=change.old_score,
                                  new_score=attempt.score, old_max=change.old_max, new_max=change.new_max,
                                  old_passed=change.old_passed, new_passed=attempt.passed,
                                  score_record_id=record.id if record else None))
    audit.record(session, clock, actor, "sitting.regrade", "sitting", sitting.id, after={
        "regrade_id": regrade.id, "question_id": question_id, "kind": str(kind), "reason": regrade.reason,
        "key_version_id": regrade.key_version_id,
        "changes": [{"attempt_id": c.attempt_id, "old": _text(c.old_score), "new": _text(c.new_score),
                     "old_max": _text(c.old_max), "new_max": _text(c.new_max)} for c in result.changes],
        "kept": [{"attempt_id": k.attempt_id, "slot": k.slot, "score": _text(k.score), "key_score": _text(k.key_score),
                  "score_change_id": k.change_id} for k in result.kept]})
    session.flush()
    return regrade


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _settle(session: Session, clock: Clock, actor: User, attempt: Attempt, regrade: Regrade):
    """The attempt's total after the new marks, and its ledger entry (none while it awaits marking)."""
    if settle_total(session, attempt) is None:
        return None
    return ledger.append(session, clock, attempt, reason=f"regrade: {regrade.reason}", actor=actor)


def regrades(session: Session, sitting: Sitting) -> list[Regrade]:
    """The sitting's regrades, newest first, with their changes."""
    return list(session.scalars(select(Regrade).where(Regrade.sitting_id == sitting.id).order_by(Regrade.id.desc())))
