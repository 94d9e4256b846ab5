"""The marking queue (人工阅卷) for short-answer and case-analysis responses (domain.md §7).

A response that waits for a person (its item has no :class:`Mark` yet) is marked blind: the
marker sees the sitting, the question, its reference answer and rubric, and the response text,
never who wrote it. Each mark is a :class:`ManualMark` in a round:

- round 1, the first marker. Unless the sitting asks for second marking, that mark counts.
- round 2, a second, different marker, who does not see the first mark. When the two differ by no
  more than the sitting's ``marking_tolerance`` their exact mean counts; otherwise
- round 3, a third marker holding the senior-marker role (阅卷组长), who sees both marks and their
  comments and sets the mark.

The mark that counts becomes the item's :class:`Mark`; when the attempt's last waiting item gets
one, its total is set and its score ledger entry appended (``marking.complete_marking``).

The mean of two marks in hundredths can need a third place (30.00 and 30.01 → 30.005). It is never
rounded up: the :class:`Mark` keeps the lower hundredth (30.00) and ``half_cent`` the half, and the
total adds the halves back and cuts the sum down to the hundredth (``marking.total_of``), so the
total passes the pass mark exactly when the exact sum of the means does (issue 6, tester finding 1:
30.005 + 29.985 was stored 30.01 + 29.99 = 60.00 and passed a pass mark of 60).

Across workers and hosts the database keeps the rules: the attempt row is locked while a mark is
given (so two markers finishing an attempt's last two items cannot both miss the total), and
unique constraints refuse a second mark for a round or a second mark by the same person. A
response changed after it was marked (a re-opened attempt) is marked afresh in a new marking
(``ManualMark.marking``, ``services.remarking``); the earlier marks stay as history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from question_bank.models import (
    CLOSED_STATES,
    Attempt,
    AttemptItem,
    ManualMark,
    Mark,
    MarkingRound,
    OrgUnit,
    QuestionVersion,
    Role,
    Sitting,
    User,
    UserRole,
)
from question_bank.points import CENT, is_exact_points
from question_bank.services import audit, protection
from question_bank.services.marking import complete_marking, current_responses
from question_bank.services.remarking import current_markings
from question_bank.types import REGISTRY

#: ``Mark.reason`` of the mark that counts, by the round that settled it.
REASONS = {MarkingRound.FIRST: "marked", MarkingRound.SECOND: "agreed", MarkingRound.THIRD: "third_marked"}
#: Roles that mark (the third round needs the senior one: :func:`may_mark`).
MARKERS = (Role.MARKER, Role.SENIOR_MARKER)


def person_marked_types() -> list[str]:
    """Codes of the question types marked by a person (short answer / case analysis)."""
    return [code for code, qtype in REGISTRY.items() if not qtype.auto_marked]


def next_round(sitting: Sitting, marks: list[ManualMark]) -> MarkingRound | None:
    """The round an item needs next, from the marks it has (any order); None when its marks
    already settle it. Pure."""
    by_round = {m.round: m for m in marks}
    if MarkingRound.FIRST not in by_round:
        return MarkingRound.FIRST
    if not sitting.second_marking:
        return None
    if MarkingRound.SECOND not in by_round:
        return MarkingRound.SECOND
    if MarkingRound.THIRD in by_round:
        return None
    gap = abs(by_round[MarkingRound.FIRST].score - by_round[MarkingRound.SECOND].score)
    return MarkingRound.THIRD if gap > sitting.marking_tolerance else None


def settled_score(sitting: Sitting, marks: list[ManualMark]) -> Decimal | None:
    """The mark that counts once :func:`next_round` is None: the only mark, the exact mean of two
    that agree (it may carry half a hundredth: 30.005), or the third marker's. None while a round
    is still to come. Pure."""
    if next_round(sitting, marks) is not None:
        return None
    by_round = {m.round: m.score for m in marks}
    if MarkingRound.THIRD in by_round:
        return by_round[MarkingRound.THIRD]
    if MarkingRound.SECOND in by_round:
        return (by_round[MarkingRound.FIRST] + by_round[MarkingRound.SECOND]) / 2
    return by_round[MarkingRound.FIRST]


def may_mark(actor: User, round_: MarkingRound, marks: list[ManualMark]) -> bool:
    """Whether ``actor`` may give the mark of ``round_``: never a second mark of the same response,
    and the third round only for a senior marker."""
    if any(m.marker_id == actor.id for m in marks):
        return False
    if round_ == MarkingRound.THIRD:
        return actor.has_role(Role.SENIOR_MARKER)
    return actor.has_role(*MARKERS)


@dataclass(frozen=True)
class QueueEntry:
    """One response waiting for the actor's mark. Carries nothing that names the candidate:
    ``item_id`` is the paper slot's own id (not the attempt's, not the person's)."""

    item_id: int
    sitting_id: int
    sitting_title: str
    slot: int
    round: MarkingRound
    max_points: Decimal
    stem: str


def _counted(item_id) -> Any:
    """SQL condition: the item's newest :class:`Mark` has points (none, or a newest mark without
    points, means it awaits marking: ``remarking``)."""
    newer = aliased(Mark)
    return exists().where(Mark.attempt_item_id == item_id, Mark.score.is_not(None),
                          ~exists().where(newer.attempt_item_id == Mark.attempt_item_id, newer.id > Mark.id))


def _waiting_items(actor: User):
    """Query of (item, sitting) for every item of a closed, unscored attempt in the actor's unit
    subtree whose question is marked by a person and that has no counting mark yet."""
    return (
        select(AttemptItem, Sitting)
        .join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .join(OrgUnit, Sitting.org_unit_id == OrgUnit.id)
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(protection.in_subtree(actor.org_unit),
               Attempt.state.in_([str(s) for s in CLOSED_STATES]), Attempt.score.is_(None),
               QuestionVersion.qtype.in_(person_marked_types()),
               ~_counted(AttemptItem.id))
        .order_by(Sitting.id, AttemptItem.slot, AttemptItem.id)
    )


def _manual_marks(session: Session, item_ids: list[int]) -> dict[int, list[ManualMark]]:
    """Item id → its markers' marks in the current marking of its response (earlier markings,
    of a response since changed, are history: ``remarking``), by round."""
    found: dict[int, list[ManualMark]] = defaultdict(list)
    if item_ids:
        current = current_markings(session, item_ids)
        for mark in session.scalars(select(ManualMark).where(ManualMark.attempt_item_id.in_(item_ids))
                                    .order_by(ManualMark.round)):
            if mark.marking == current[mark.attempt_item_id]:
                found[mark.attempt_item_id].append(mark)
    return found


def queue(session: Session, actor: User) -> list[QueueEntry]:
    """Responses the actor may mark now, by sitting and slot. Raises :class:`PermissionDenied`
    for someone who is not a marker."""
    protection.require_role(actor, *MARKERS)
    rows = session.execute(_waiting_items(actor)).all()
    marks = _manual_marks(session, [item.id for item, _ in rows])
    entries = []
    for item, sitting in rows:
        round_ = next_round(sitting, marks[item.id])
        if round_ is None or not may_mark(actor, round_, marks[item.id]):
            continue
        entries.append(QueueEntry(item.id, sitting.id, sitting.title, item.slot, round_, item.mark,
                                  item.question_version.stem))
    return entries


def without_senior_marker(session: Session, actor: User) -> int:
    """How many responses in the actor's unit subtree wait for a third mark (the two markers
    disagree) that no active senior marker can give: every senior marker whose subtree holds the
    sitting already marked the response in an earlier round, so it sits in nobody's queue. Someone
    must be given the senior-marker role (issue 6). Raises :class:`PermissionDenied` for a non-marker."""
    protection.require_role(actor, *MARKERS, Role.EXAM_ADMIN)
    rows = session.execute(_waiting_items(actor).where(Sitting.second_marking.is_(True))).all()
    marks = _manual_marks(session, [item.id for item, _ in rows])
    thirds = [(item, sitting) for item, sitting in rows if next_round(sitting, marks[item.id]) == MarkingRound.THIRD]
    if not thirds:
        return 0
    seniors = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == str(Role.SENIOR_MARKER), User.is_active.is_(True))).all()
    stranded = 0
    for item, sitting in thirds:
        marked_by = {m.marker_id for m in marks[item.id]}
        # A senior marker reaches the sittings of their unit's subtree.
        if not any(protection.reaches(s, sitting.org_unit) and s.id not in marked_by for s in seniors):
            stranded += 1
    return stranded


@dataclass(frozen=True)
class Script:
    """What a marker sees of one response: the question, its reference answer and rubric, the
    response text, the round, and (round 3 only) the earlier marks with their comments."""

    item: AttemptItem
    sitting: Sitting
    round: MarkingRound
    response: str
    earlier: list[ManualMark]


def _locked_item(session: Session, actor: User, item_id: int, *, lock: bool) -> tuple[AttemptItem, Attempt]:
    """The item a marker may mark and its attempt, read afresh (row-locked with ``lock``). An item outside
    the actor's subtree, or one a person does not mark, is :class:`NotFound` like a missing one; both are
    judged before the attempt's lock is taken, so a marker of another unit never holds it."""
    item = protection.get_in_scope(session, actor, AttemptItem, item_id, *MARKERS,
                                   unit_of=lambda found: found.attempt.sitting.org_unit)
    if item.question_version.qtype not in person_marked_types():
        raise NotFound()
    query = select(Attempt).where(Attempt.id == item.attempt_id).execution_options(populate_existing=True)
    attempt = session.scalars(query.with_for_update() if lock else query).one()
    return item, attempt


def script(session: Session, actor: User, item_id: int) -> Script:
    """The response ``item_id`` for the actor to mark. Raises :class:`NotFound` outside the actor's
    subtree or for an item a person does not mark, :class:`Conflict` when it needs no mark from
    this actor now (already settled, or already marked by them), :class:`PermissionDenied` for a
    third round to someone who is not a senior marker."""
    protection.require_role(actor, *MARKERS)
    item, attempt = _locked_item(session, actor, item_id, lock=False)
    round_, marks = _round_for(session, actor, item, attempt)
    step = current_responses(session, attempt.id).get(item.slot)
    earlier = marks if round_ == MarkingRound.THIRD else []
    return Script(item, attempt.sitting, round_, step.answer if step else "", earlier)


def _round_for(session: Session, actor: User, item: AttemptItem, attempt: Attempt) -> tuple[MarkingRound, list[ManualMark]]:
    if attempt.is_open or session.scalar(select(_counted(item.id))):
        raise Conflict(N_("This response needs no more marking."))
    marks = _manual_marks(session, [item.id])[item.id]
    round_ = next_round(attempt.sitting, marks)
    if round_ is None:
        raise Conflict(N_("This response needs no more marking."))
    if any(m.marker_id == actor.id for m in marks):
        raise Conflict(N_("You have already marked this response; another marker must give the next mark."))
    if not may_mark(actor, round_, marks):
        raise PermissionDenied(N_("Only a senior marker may set the mark when two markers disagree."))
    return round_, marks


def check_points(value: Decimal | None, maximum: Decimal, place: str = "score") -> list[Problem]:
    """Problems with a mark typed in points: missing, negative, above ``maximum`` or with more than
    two decimal places (refused, never rounded: C-20), each placed on ``place``."""
    if value is None or not value.is_finite():
        return [Problem(N_("Enter a mark in points."), place=place)]
    if not is_exact_points(value):
        return [Problem(N_("A mark has at most two decimal places (%(value)s was not rounded)."),
                        {"value": str(value)}, place)]
    if value < 0 or value > maximum:
        return [Problem(N_("A mark is between 0 and %(max)s points."), {"max": f"{maximum:.2f}"}, place)]
    return []


@dataclass(frozen=True)
class MarkOutcome:
    """What a mark did: its round, the mark that now counts for the item (None while another
    round is to come; an exact mean may have three places, 30.005), the points it is kept as
    (30.00, with the half carried: ``Mark.half_cent``), the round still to come, and the attempt's
    new total (None while any of its items still waits)."""

    round: MarkingRound
    settled: Decimal | None
    next_round: MarkingRound | None
    total: Decimal | None
    kept_as: Decimal | None = None

    @property
    def has_half_cent(self) -> bool:
        """Whether the mark that counts is a mean with half a hundredth (kept as :attr:`kept_as`)."""
        return self.settled is not None and self.kept_as != self.settled


def give_mark(session: Session, clock: Clock, actor: User, item_id: int, score: Decimal | None,
              comment: str) -> MarkOutcome:
    """Record the actor's mark (points, at most the item's mark, two decimal places) and comment
    for the response ``item_id``; settle the item and the attempt's total when this mark decides
    them. Audited ("mark.given"). Raises as :func:`script`, :class:`InvalidInput` (place "score"
    or "comment") for a bad mark, and :class:`Conflict` when another marker took the same round
    first."""
    protection.require_role(actor, *MARKERS)
    item, attempt = _locked_item(session, actor, item_id, lock=True)
    round_, marks = _round_for(session, actor, item, attempt)
    comment = (comment or "").strip()
    problems = check_points(score, item.mark)
    if len(comment) > 2000:
        problems.append(Problem(N_("A comment has at most %(n)d characters."), {"n": 2000}, "comment"))
    if problems:
        raise InvalidInput(problems)
    marking = current_markings(session, [item.id])[item.id]
    mark = ManualMark(attempt_item_id=item.id, marking=marking, round=int(round_), marker_id=actor.id, score=score,
                      comment=comment, marked_at=clock.now())
    try:
        with session.begin_nested():
            session.add(mark)
    except IntegrityError:
        raise Conflict(N_("Another marker has just marked this response.")) from None
    marks = [*marks, mark]
    settled = settled_score(attempt.sitting, marks)
    total = kept = None
    if settled is not None:
        kept = settled.quantize(CENT, rounding=ROUND_FLOOR)
        session.add(Mark(attempt_item=item, score=kept, half_cent=kept != settled, marked_at=clock.now(),
                         marker_id=actor.id, reason=REASONS[round_]))
        session.flush()
        complete_marking(session, clock, attempt, actor)
        total = attempt.score
    audit.record(session, clock, actor, "mark.given", "attempt_item", item.id,
                 after={"round": int(round_), "marking": marking, "score": f"{score:.2f}", "comment": comment,
                        "settled": None if settled is None else _text(settled)})
    session.flush()
    return MarkOutcome(round_, settled, next_round(attempt.sitting, marks), total, kept)


def _text(points: Decimal) -> str:
    """Points as written: two places, three for a mean with half a hundredth (30.005)."""
    return f"{points:.3f}" if points != points.quantize(CENT) else f"{points:.2f}"
