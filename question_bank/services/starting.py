"""Starting a sitting from its confirmation page (case C-24): the candidate has been shown the real
end time, the exam rules and the integrity pledge, and starts only by accepting the pledge."""

from __future__ import annotations

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, Sitting, User
from question_bank.services import attempts
from question_bank.services.start_terms import StartTerms, start_terms


def terms_for(session: Session, clock: Clock, candidate: User, sitting: Sitting) -> StartTerms:
    """The terms the candidate would start under now, with their own extra time. Raises
    :class:`NotFound` when they are not on the sitting's roster."""
    entry = attempts.roster_entry(session, sitting, candidate)
    return start_terms(sitting, entry.extra_time_s, clock.now())


def confirm_start(session: Session, clock: Clock, candidate: User, sitting: Sitting, *, accepted: bool,
                  pledge_shown: str) -> Attempt:
    """Start (or resume) the candidate's attempt from the confirmation page.

    ``accepted`` says whether the candidate ticked the integrity pledge; ``pledge_shown`` is the
    pledge's text as the page showed it, recorded in the "attempt.start" audit entry. An attempt
    already in progress resumes without asking again. Raises :class:`InvalidInput` (place
    "pledge") when a new attempt would start without the pledge, and whatever
    :func:`attempts.start_attempt` raises (outside the window, within its late-start cut-off, no
    attempts left…).
    """
    if attempts.open_attempt(session, sitting, candidate) is None and not accepted:
        raise InvalidInput([Problem(N_("accept the integrity pledge to start the exam"), place="pledge")])
    return attempts.start_attempt(session, clock, candidate, sitting, pledge=pledge_shown)
