"""Manual score changes with four eyes (domain.md §7, issue 6): one exam administrator proposes a
new mark for one item of a closed attempt, with a reason; a different exam administrator approves
or rejects it. Approval adds the item's :class:`Mark` (insert-only; the old one stays), sets the
total and appends a score ledger entry with the reason. Proposal, approval and rejection are audited.

The database holds the rules too: one open proposal per item (a partial unique index), and a
decision by someone other than the proposer (a check constraint). A decision is taken once: the
state changes by a conditional UPDATE, so two approvers at once cannot both apply it.

A change is refused while the item still awaits marking (the marking queue, with its blind,
second and senior markers, sets that first mark), on a voided attempt (its score stays void), and
on a question voided for the sitting by a regrade (its mark is the same for everyone; out of the
total it would count in a score whose maximum leaves it out), at proposal and at approval.
Approval is refused when the item's mark is no longer the one the proposal started from (a regrade
or another change came in between): approving would silently undo that.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from question_bank.models import (
    VOID_BAND, Attempt, AttemptItem, ChangeState, Mark, Regrade, RegradeKind, Role, ScoreChange, Sitting, User,
)
from question_bank.services import audit, item_overrides, ledger, protection
from question_bank.services.manual_marking import check_points
from question_bank.services.marking import latest_item_marks, settle_total
from question_bank.services.remarking import MARK_REASON_PREFIX, approved_change_id  # noqa: F401 (used by regrade)




def _item_in_scope(session: Session, actor: User, item_id: int) -> AttemptItem:
    return protection.get_in_scope(session, actor, AttemptItem, item_id, Role.EXAM_ADMIN,
                                   unit_of=lambda item: item.attempt.sitting.org_unit)


def _refuse_voided_question(session: Session, item: AttemptItem) -> None:
    """Raise :class:`Conflict` when the item's question is voided for its sitting: out of the
    total, a mark would count in a score whose maximum leaves it out (98 of 98 would become 100 of
    98); with full marks to all, one candidate would no longer have what everyone has."""
    override = item_overrides.for_sitting(session, item.attempt.sitting_id).get(item.question_version.question_id)
    if override is not None and override.voids:
        raise Conflict(N_("This question is voided for the sitting (a regrade): its mark is the same for every "
                          "candidate and cannot be changed for one."))


def propose(session: Session, clock: Clock, actor: User, item_id: int, new_score: Decimal | None,
            reason: str) -> ScoreChange:
    """Propose ``new_score`` points (0 to the item's mark, two decimal places) for the item, with a
    reason. Raises :class:`InvalidInput` (places "score", "reason"), :class:`Conflict` for an open
    or voided attempt, a question voided for the sitting, an item still awaiting marking, an unchanged mark or an item that already
    has an open proposal. -0 is taken as 0."""
    item = _item_in_scope(session, actor, item_id)
    if item.attempt.is_open:
        raise Conflict(N_("The attempt is still in progress; its marks can change only after it closes."))
    if item.attempt.band == VOID_BAND:
        raise Conflict(N_("The attempt was voided; its score stays void and its marks cannot be changed."))
    _refuse_voided_question(session, item)
    current = latest_item_marks(session, item.attempt).get(item.id)
    if current is None:
        raise Conflict(N_("This item is still awaiting marking: it gets its first mark in the marking queue, "
                          "not by a score change."))
    if new_score is not None and new_score.is_finite() and new_score.is_zero():
        new_score = Decimal(0)  # "-0" is 0: never record or audit a negative zero
    problems = check_points(new_score, item.mark)
    if not (reason or "").strip():
        problems.append(Problem(N_("say why the mark changes"), place="reason"))
    if problems:
        raise InvalidInput(problems)
    if current is not None and current.score == new_score:
        raise Conflict(N_("The item already has %(points)s points."), points=f"{new_score:.2f}")
    change = ScoreChange(attempt_item_id=item.id, old_score=current.score if current else None, new_score=new_score,
                         reason=reason.strip(), proposed_by_id=actor.id, proposed_at=clock.now(),
                         state=ChangeState.PROPOSED, decision_note="")
    try:
        with session.begin_nested():
            session.add(change)
    except IntegrityError:
        raise Conflict(N_("A change of this item's mark is already waiting for approval.")) from None
    audit.record(session, clock, actor, "score_change.propose", "attempt_item", item.id,
                 before={"score": None if current is None else f"{current.score:.2f}"},
                 after={"score": f"{new_score:.2f}", "reason": change.reason, "change_id": change.id})
    return change


def decide(session: Session, clock: Clock, actor: User, change_id: int, approve: bool, note: str = "") -> ScoreChange:
    """Approve or reject an open proposal. The proposer may not decide it (four eyes:
    :class:`PermissionDenied`); a proposal already decided is a :class:`Conflict` naming who
    decided it, how and when (checked before anything else about it), and so is
    approving one whose old mark is no longer the item's mark (it must be proposed again). Approval
    adds the mark and, when the attempt has a total, a new ledger entry "score change: <reason>"."""
    protection.require_role(actor, Role.EXAM_ADMIN)
    change = session.get(ScoreChange, change_id)
    if change is None:
        raise NotFound()
    item = _item_in_scope(session, actor, change.attempt_item_id)
    if change.proposed_by_id == actor.id:
        raise PermissionDenied(N_("A score change needs a second person: you proposed it, so someone else decides."))
    # Lock the attempt first (marks and totals of it change), then take the decision exactly once.
    session.scalars(select(Attempt).where(Attempt.id == item.attempt_id).with_for_update()).one()
    session.refresh(change)
    if change.state != ChangeState.PROPOSED:
        _refuse_decided(change)
    if approve:
        _refuse_stale(session, item, change)
    now = clock.now()
    state = ChangeState.APPROVED if approve else ChangeState.REJECTED
    taken = session.execute(
        update(ScoreChange).where(ScoreChange.id == change.id, ScoreChange.state == ChangeState.PROPOSED)
        .values(state=state, decided_by_id=actor.id, decided_at=now, decision_note=(note or "").strip())
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(change)
    if taken != 1:
        _refuse_decided(change)
    record = None
    if approve:
        attempt = item.attempt
        session.add(Mark(attempt_item=item, score=change.new_score, marked_at=now, marker_id=actor.id,
                         reason=f"{MARK_REASON_PREFIX}{change.id}"))
        session.flush()
        if settle_total(session, attempt) is not None:
            record = ledger.append(session, clock, attempt, reason=f"score change: {change.reason}", actor=actor)
    audit.record(session, clock, actor, f"score_change.{'approve' if approve else 'reject'}", "attempt_item", item.id,
                 after={"change_id": change.id, "score": f"{change.new_score:.2f}", "proposed_by": change.proposed_by_id,
                        "proposed_by_name": change.proposed_by.display_name, "decided_by_name": actor.display_name,
                        "note": change.decision_note, "score_record_id": record.id if record else None})
    session.flush()
    return change


def _refuse_decided(change: ScoreChange) -> None:
    """Raise :class:`Conflict` saying who decided ``change`` already, how and when."""
    if change.state == ChangeState.APPROVED:
        raise Conflict(N_("This score change was already approved by %(name)s at %(when)s."),
                       name=change.decided_by.display_name if change.decided_by else "—", when=change.decided_at)
    raise Conflict(N_("This score change was already rejected by %(name)s at %(when)s."),
                   name=change.decided_by.display_name if change.decided_by else "—", when=change.decided_at)


def _refuse_stale(session: Session, item: AttemptItem, change: ScoreChange) -> None:
    """Raise :class:`Conflict` when the item's current mark is not the proposal's old mark, or its
    question has been voided for the sitting since."""
    if item.attempt.band == VOID_BAND:
        raise Conflict(N_("The attempt was voided; its score stays void and its marks cannot be changed."))
    current = latest_item_marks(session, item.attempt).get(item.id)
    now = None if current is None else current.score
    if now != change.old_score:
        raise Conflict(N_("The mark has changed since this was proposed: now %(now)s, proposed %(new)s (from "
                          "%(old)s). Reject this proposal and propose again."),
                       now="—" if now is None else f"{now:.2f}", new=f"{change.new_score:.2f}",
                       old="—" if change.old_score is None else f"{change.old_score:.2f}")
    _refuse_voided_question(session, item)


def open_changes(session: Session, actor: User, sitting: Sitting) -> list[ScoreChange]:
    """The sitting's proposals waiting for a decision, oldest first."""
    protection.require_role(actor, Role.EXAM_ADMIN)
    return list(session.scalars(
        select(ScoreChange).join(AttemptItem, ScoreChange.attempt_item_id == AttemptItem.id)
        .join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.sitting_id == sitting.id, ScoreChange.state == ChangeState.PROPOSED)
        .order_by(ScoreChange.id)))


def changes_of_attempt(session: Session, attempt: Attempt) -> list[ScoreChange]:
    """Every proposal on the attempt's items, newest first."""
    return list(session.scalars(
        select(ScoreChange).join(AttemptItem, ScoreChange.attempt_item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id == attempt.id).order_by(ScoreChange.id.desc())))


#: ``Mark.reason`` prefix of a mark a regrade added (``services.regrade``).
REGRADE_REASON_PREFIX = "regrade:"


def superseded_changes(session: Session, attempt: Attempt) -> dict[int, Regrade]:
    """Change id → the regrade that overtook it, for every approved change of the attempt whose
    mark no longer counts because of a later regrade (issue 6, tester finding 5): the item got a
    regrade's mark after the change's, or its question was voided for the sitting since (a void
    governs every item alike, and a voided question takes no change, so any void came later)."""
    approved = [c for c in changes_of_attempt(session, attempt) if c.state == ChangeState.APPROVED]
    if not approved:
        return {}
    item_ids = {c.attempt_item_id for c in approved}
    marks: dict[int, list[Mark]] = {i: [] for i in item_ids}
    for mark in session.scalars(select(Mark).where(Mark.attempt_item_id.in_(item_ids)).order_by(Mark.id)):
        marks[mark.attempt_item_id].append(mark)
    voids: dict[int, Regrade] = {}
    for regrade in session.scalars(select(Regrade).where(Regrade.sitting_id == attempt.sitting_id,
                                                         Regrade.kind != str(RegradeKind.KEY_CORRECTED))
                                   .order_by(Regrade.id)):
        voids.setdefault(regrade.question_id, regrade)
    found: dict[int, Regrade] = {}
    for change in approved:
        own = [m for m in marks[change.attempt_item_id] if m.reason == f"{MARK_REASON_PREFIX}{change.id}"]
        later = [m for m in marks[change.attempt_item_id]
                 if own and m.id > own[-1].id and m.reason.startswith(REGRADE_REASON_PREFIX)]
        if later:
            regrade = session.get(Regrade, int(later[0].reason.removeprefix(REGRADE_REASON_PREFIX)))
            if regrade is not None:
                found[change.id] = regrade
                continue
        void = voids.get(change.attempt_item.question_version.question_id)
        if void is not None:
            found[change.id] = void
    return found
