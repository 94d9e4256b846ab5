"""Make-up sittings (补考): a sitting linked to the one it makes up for (issue 9).

- Only a sitting of kind make-up may be linked, to one sitting of the administrator's units that
  is not itself a make-up of it, and that has closed by the time the make-up opens (a make-up is
  for those whose result there is final).
- Its roster defaults to the original's candidates who failed (their counted attempt, marked, did
  not pass, or every attempt was voided) or were absent (never started); someone whose attempt still awaits marking is left
  out and counted, so the administrator can add them by hand. Each is added with the posts and
  extra time they had there, audited as "roster.add" and, once, "sitting.makeup_roster".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, NotFound, Problem
from question_bank.models import Attempt, ExamKind, MakeupLink, RosterEntry, Sitting, User
from question_bank.services import audit, deadlines
from question_bank.services.standing import ENDED, CandidateStatus, candidate_status


def original_of(session: Session, sitting: Sitting) -> Sitting | None:
    """The sitting ``sitting`` makes up for, or None."""
    link = session.get(MakeupLink, sitting.id)
    return link.original if link is not None else None


def makeups_of(session: Session, sitting: Sitting) -> list[Sitting]:
    """The make-up sittings of ``sitting``, oldest window first."""
    return list(session.scalars(select(Sitting).join(MakeupLink, MakeupLink.makeup_sitting_id == Sitting.id)
                                .where(MakeupLink.original_sitting_id == sitting.id).order_by(Sitting.opens_at)))


def link_problems(makeup_kind: ExamKind, original: Sitting | None, makeup_opens_at, makeup_id: int | None) -> list[Problem]:
    """What is wrong with making a sitting of ``makeup_kind`` opening at ``makeup_opens_at`` a
    make-up of ``original`` (None: no link asked)."""
    if original is None:
        return []
    found: list[Problem] = []
    if makeup_kind != ExamKind.MAKEUP:
        found.append(Problem(N_("only a make-up sitting can make up for another"), place="makeup_of"))
    if makeup_id is not None and original.id == makeup_id:
        found.append(Problem(N_("a sitting cannot make up for itself"), place="makeup_of"))
    elif makeup_opens_at is not None and makeup_opens_at < original.closes_at:
        found.append(Problem(N_("a make-up must open after the sitting it makes up for has closed (%(closes)s)"),
                             {"closes": original.closes_at}, "makeup_of"))
    return found


@dataclass(frozen=True)
class MakeupRoster:
    """The default roster of a make-up: the entries added, and how many of the original's
    candidates were left out because their attempt still awaits marking."""

    added: list[RosterEntry]
    awaiting_marking: int


def _needs_makeup(attempts: list[Attempt], original: Sitting) -> bool | None:
    """True when failed or absent at ``original``, False when passed, None while undecided."""
    status, counted = candidate_status(attempts, original, original.closes_at)
    if status in (CandidateStatus.ABSENT, CandidateStatus.VOIDED):
        return True
    if status in ENDED and counted is not None:
        return None if counted.passed is None else not counted.passed
    return None


def link_and_fill(session: Session, clock: Clock, actor: User, makeup: Sitting, original: Sitting) -> MakeupRoster:
    """Link ``makeup`` to ``original`` and put on its roster those who failed or were absent
    there (people already on it stay as they are). The caller has checked both sittings are in
    the actor's scope and :func:`link_problems` is empty. Raises :class:`InvalidInput` when either
    check was skipped.

    Overdue attempts of ``original`` are closed first (``deadlines.sweep``): one whose deadline
    passed while no request came to close it is still "in progress" in the database, and its
    candidate, who failed or left it empty, would otherwise be missing from the roster."""
    problems = link_problems(makeup.kind, original, makeup.opens_at, makeup.id)
    if problems:
        raise InvalidInput(problems)
    deadlines.sweep(session, clock, [original.id])
    session.add(MakeupLink(makeup_sitting_id=makeup.id, original_sitting_id=original.id))
    attempts: dict[int, list[Attempt]] = {}
    for attempt in session.scalars(select(Attempt).where(Attempt.sitting_id == original.id)
                                   .order_by(Attempt.attempt_no)):
        attempts.setdefault(attempt.user_id, []).append(attempt)
    on_roster = set(session.scalars(select(RosterEntry.user_id).where(RosterEntry.sitting_id == makeup.id)))
    added: list[RosterEntry] = []
    undecided = 0
    for entry in original.roster:
        verdict = _needs_makeup(attempts.get(entry.user_id, []), original)
        if verdict is None:
            undecided += 1
        elif verdict and entry.user_id not in on_roster:
            added.append(RosterEntry(sitting_id=makeup.id, user_id=entry.user_id, extra_time_s=entry.extra_time_s,
                                     current_post=entry.current_post, proposed_post=entry.proposed_post,
                                     added_at=clock.now()))
    session.add_all(added)
    session.flush()
    for entry in added:
        audit.record(session, clock, actor, "roster.add", "roster_entry", entry.id,
                     after={"sitting": makeup.id, "user": entry.user_id, "makeup_of": original.id})
    audit.record(session, clock, actor, "sitting.makeup_roster", "sitting", makeup.id,
                 after={"makeup_of": original.id, "added": len(added), "awaiting_marking": undecided})
    return MakeupRoster(added, undecided)


def require_original(session: Session, sitting_id: int | None, in_scope) -> Sitting | None:
    """The sitting ``sitting_id`` names for a make-up link, checked by ``in_scope(session, id)``
    (which raises :class:`NotFound` outside the actor's units); None for no link. Raises
    :class:`InvalidInput` (place "makeup_of") for a sitting the actor cannot see."""
    if not sitting_id:
        return None
    try:
        return in_scope(session, sitting_id)
    except NotFound:
        raise InvalidInput([Problem(N_("choose a sitting of your units to make up for"), place="makeup_of")]) from None
