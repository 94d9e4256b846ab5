"""Starting a sitting from its confirmation page (case C-24): the candidate has been shown the real
end time, the exam rules and the integrity pledge, and starts only by accepting the pledge."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, Sitting, User
from question_bank.services import admission, attempts
from question_bank.services.admission import Refusal
from question_bank.services.start_terms import StartTerms, start_terms


def terms_for(session: Session, clock: Clock, candidate: User, sitting: Sitting) -> StartTerms:
    """The terms the candidate would start under now, with their own extra time. Raises
    :class:`NotFound` when they are not on the sitting's roster."""
    entry = attempts.roster_entry(session, sitting, candidate)
    return start_terms(sitting, entry.extra_time_s, clock.now())


@dataclass(frozen=True)
class StartOutcome:
    """The attempt started or resumed, or the admission refusal (already audited: the caller
    commits, then refuses with ``refusal.error()``)."""

    attempt: Attempt | None = None
    refusal: Refusal | None = None


def confirm_start(session: Session, clock: Clock, candidate: User, sitting: Sitting, *, accepted: bool,
                  pledge_shown: str, code: str | None = None, client_ip: str | None = None) -> StartOutcome:
    """Start (or resume) the candidate's attempt from the confirmation page.

    ``accepted`` says whether the candidate ticked the integrity pledge; ``pledge_shown`` is the
    pledge's text as the page showed it, recorded in the "attempt.start" audit entry. ``code`` is
    the access code typed (when the sitting asks for one) and ``client_ip`` the client's address
    (trusted proxy hops only). An attempt already in progress resumes without pledge or code, but
    only from an allowed address. Raises :class:`InvalidInput` (place "pledge") when a new attempt
    would start without the pledge, and whatever :func:`attempts.start_attempt` raises (outside
    the window, within its late-start cut-off, no attempts left…).
    """
    refusal = admission.address_refusal(session, clock, candidate, sitting, client_ip)
    if refusal is not None:
        return StartOutcome(refusal=refusal)
    # The roster entry is locked before the look for an attempt in progress, so the look is the one
    # the start acts on (issue 7: it was made twice, before and under the lock).
    place = attempts.lock_for_start(session, sitting, candidate)
    if place.current_id is None:
        if not accepted:
            raise InvalidInput([Problem(N_("accept the integrity pledge to start the exam"), place="pledge")])
        refusal = admission.start_refusal(session, clock, candidate, sitting, code=code, client_ip=client_ip)
        if refusal is not None:
            return StartOutcome(refusal=refusal)
    return StartOutcome(attempts.start_attempt(session, clock, candidate, sitting, pledge=pledge_shown, place=place))
