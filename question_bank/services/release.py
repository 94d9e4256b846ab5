"""Releasing a sitting's results to candidates before its policy would (case C-19, issue 6).

A sitting that shows results "after the window closes" can be released earlier by an exam
administrator or HR of the unit that holds it (or a unit above). The release shows candidates who
have handed in their score, band and pass at once; keys and explanations still wait for the close,
since someone may yet sit (``results.disclose``). Each release is an audit event.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, PermissionDenied
from question_bank.models import AuditEvent, ResultPolicy, Role, Sitting, User
from question_bank.services import audit, protection

#: The audit action of a release.
RELEASE_ACTION = "sitting.release_results"
#: Roles that may release results.
RELEASER_ROLES = (Role.EXAM_ADMIN, Role.HR)


def may_release(actor: User, sitting: Sitting) -> bool:
    """Whether ``actor`` may release this sitting's results: an exam admin or HR officer whose
    unit subtree holds the sitting's unit (HR of one city cannot release a province's sitting)."""
    return protection.may(actor, RELEASER_ROLES, sitting.org_unit)


def release_refusal(sitting: Sitting, now: dt.datetime) -> Conflict | None:
    """Why the sitting's results cannot be released early now (None: they can)."""
    if sitting.results_policy == ResultPolicy.IMMEDIATELY:
        return Conflict(N_("Candidates of this sitting see their results as soon as they hand in; there is nothing to release."))
    if sitting.results_policy == ResultPolicy.NEVER:
        return Conflict(N_("This sitting does not show results to candidates. To show them, change its setting "
                           "\"Show candidates their score\" first."))
    if sitting.results_released_at is not None:
        return Conflict(N_("The results of this sitting were released already."))
    if now >= sitting.closes_at:
        return Conflict(N_("The window has closed, so candidates see their results already."))
    return None


def can_release(actor: User, sitting: Sitting, now: dt.datetime) -> bool:
    """Whether a release button belongs on the page for ``actor`` now."""
    return may_release(actor, sitting) and release_refusal(sitting, now) is None


def release_results(session: Session, clock: Clock, actor: User, sitting: Sitting) -> Sitting:
    """Release the sitting's results now. Raises :class:`PermissionDenied` (not an exam admin or
    HR of a unit holding the sitting) or :class:`Conflict` (see :func:`release_refusal`)."""
    if not may_release(actor, sitting):
        raise PermissionDenied()
    session.refresh(sitting, with_for_update=True)
    now = clock.now()
    refusal = release_refusal(sitting, now)
    if refusal is not None:
        raise refusal
    sitting.results_released_at = now
    audit.record(session, clock, actor, RELEASE_ACTION, "sitting", sitting.id,
                 before={"results_released_at": None},
                 after={"results_released_at": now.isoformat(), "results_policy": str(sitting.results_policy),
                        "closes_at": sitting.closes_at.isoformat()})
    session.flush()
    return sitting


def released_by(session: Session, sitting: Sitting) -> User | None:
    """Who released the sitting's results early (from the audit log); None when nobody did."""
    if sitting.results_released_at is None:
        return None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == RELEASE_ACTION,
                                                     AuditEvent.object_type == "sitting",
                                                     AuditEvent.object_id == str(sitting.id))
                           .order_by(AuditEvent.id.desc()).limit(1))
    return event.actor if event is not None else None
