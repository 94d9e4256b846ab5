"""Printed score reports and their verification codes (issue 6, "Reports": "a printable exam report
per candidate with a verification code that anyone can check on a public page").

Rules:
- HR prints the report of a closed attempt of a cadre in their unit subtree (others are
  :class:`NotFound`); the report shows the score only when it agrees with the score ledger
  (``score_check``), and a code is issued only then: one per attempt, kept, audited
  ("report.issue");
- the code is random, 16 characters of Crockford's base32 (80 bits from ``secrets``), so it
  cannot be derived from the attempt, the person or the time, nor guessed in the lookups allowed;
- anyone may look a code up; each lookup is counted per client address in the database (every
  worker shares the count) and refused beyond :data:`LOOKUP_LIMIT`, whatever the code;
- a lookup shows only the masked name, the sitting and its date, the current score and band,
  pass, when the attempt finished and when the code was issued; the current score is the newest
  ledger entry's, so a later regrade or change shows with the score printed and the date of the
  change, and a voided attempt shows as void; a score that disagrees with the ledger is not shown.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, DomainError, NotFound
from question_bank.models import CLOSED_STATES, VOID_BAND, Attempt, OrgUnit, ReportCode, Role, User, VerificationLookup
from question_bank.services import audit, protection, score_check
from question_bank.services.score_check import CheckedScore
from question_bank.services.throttle import Limit

#: Crockford's base32: digits and capitals without I, L, O and U (nothing to misread).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
#: Lookups allowed per client address within the window (a person checks a few reports; a
#: guesser needs about 2**79 tries).
LOOKUP_LIMIT = Limit(20, dt.timedelta(minutes=15))
READER_ROLES = (Role.HR,)
ISSUE_ACTION = "report.issue"
#: Misreadings a person typing a printed code makes, mapped as Crockford's base32 does.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class TooManyLookups(DomainError):
    """Too many lookups from one address within :data:`LOOKUP_LIMIT`'s window; ``until`` is when
    the next is allowed."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(N_("Too many lookups from your address. Try again after %(until)s."), until=until)
        self.until = until


def new_code() -> str:
    """A fresh random code of :data:`CODE_LENGTH` characters of :data:`ALPHABET`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def printed(code: str) -> str:
    """The code as printed, in groups of four: "7K3M-Q9XD-2HBT-VW8P"."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalised(text: str) -> str | None:
    """A code as someone typed it, as stored: full-width folded, spaces and dashes dropped, upper
    case, O read as 0 and I, L as 1; None when that is not :data:`CODE_LENGTH` characters of the
    alphabet (it cannot be anyone's code)."""
    folded = unicodedata.normalize("NFKC", text or "")
    cleaned = "".join(c for c in folded if not c.isspace() and c not in "-_‐－").upper().translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def mask_name(name: str) -> str:
    """The name as a verification shows it: the first character, then one * per other character
    ("张三丰" → "张**"); a one-character name is shown as "*"."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class ScoreReport:
    """What a printed report shows: the attempt (with its user, unit and sitting), its checked
    result, and its code (None until issued, and never for a result that cannot be trusted)."""

    attempt: Attempt
    result: CheckedScore
    code: ReportCode | None

    @property
    def can_issue(self) -> bool:
        return self.result.trusted and self.attempt.band != VOID_BAND


def _attempt_in_scope(session: Session, viewer: User, attempt_id: int) -> Attempt:
    protection.require_role(viewer, *READER_ROLES)
    attempt = session.scalar(
        select(Attempt).join(User, User.id == Attempt.user_id).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(Attempt.id == attempt_id, Attempt.state.in_([str(s) for s in CLOSED_STATES]),
               protection.in_subtree(viewer.org_unit)))
    if attempt is None:
        raise NotFound()
    return attempt


def report(session: Session, viewer: User, attempt_id: int) -> ScoreReport:
    """The report of a closed attempt of a cadre in the viewer's subtree. Reads only. Raises
    :class:`PermissionDenied` (not HR) or :class:`NotFound` (no such closed attempt in scope)."""
    attempt = _attempt_in_scope(session, viewer, attempt_id)
    code = session.scalar(select(ReportCode).where(ReportCode.attempt_id == attempt.id))
    return ScoreReport(attempt, score_check.checked_score(session, attempt), code)


def issue(session: Session, clock: Clock, viewer: User, attempt_id: int) -> ReportCode:
    """The attempt's code, issued now (audited "report.issue") unless it has one. Raises like
    :func:`report`, and :class:`Conflict` when the result is void, awaits marking or does not
    agree with the score ledger (a code would vouch for what the record does not hold)."""
    found = report(session, viewer, attempt_id)
    if found.code is not None:
        return found.code
    if not found.can_issue:
        raise Conflict(N_("A verification code is issued only for a marked score that agrees with the score record."))
    code = ReportCode(code=new_code(), attempt_id=found.attempt.id, score_record_id=found.result.recorded.id,
                      issued_by_id=viewer.id, issued_at=clock.now())
    session.add(code)
    session.flush()
    audit.record(session, clock, viewer, ISSUE_ACTION, "attempt", found.attempt.id,
                 after={"report_code_id": code.id, "score_record": found.result.recorded.id})
    return code


@dataclass(frozen=True)
class Verification:
    """What the public page shows for a code. ``score``/``max_score`` (points) and ``band`` are
    the current record's (None when void or not matching the record); ``printed_score`` is the
    score when the code was issued; ``changed_at`` when the record changed after that (None: not
    changed)."""

    masked_name: str
    sitting: str
    sitting_day: dt.datetime
    finished_at: dt.datetime
    issued_at: dt.datetime
    score: Decimal | None
    max_score: Decimal | None
    band: str | None
    passed: bool | None
    voided: bool
    matches_record: bool
    printed_score: Decimal
    changed_at: dt.datetime | None


def _count_lookup(session: Session, clock: Clock, address: str) -> None:
    """Count one lookup from ``address``; raise :class:`TooManyLookups` when the allowance of the
    window was already used (the refused lookup is not counted, so waiting is enough)."""
    now = clock.now()
    key = f"address:{address or 'unknown'}"
    session.execute(delete(VerificationLookup).where(VerificationLookup.occurred_at < now - LOOKUP_LIMIT.window))
    recent = list(session.scalars(select(VerificationLookup.occurred_at).where(
        VerificationLookup.key == key, VerificationLookup.occurred_at >= now - LOOKUP_LIMIT.window)
        .order_by(VerificationLookup.occurred_at)))
    if len(recent) >= LOOKUP_LIMIT.failures:
        raise TooManyLookups(recent[len(recent) - LOOKUP_LIMIT.failures] + LOOKUP_LIMIT.window)
    session.add(VerificationLookup(key=key, occurred_at=now))
    session.flush()


def verify(session: Session, clock: Clock, address: str, typed: str) -> Verification | None:
    """Look up a code typed by anyone (counted against ``address``; the caller commits even when
    nothing is found, so the count holds). None when no report has that code. Raises
    :class:`TooManyLookups`."""
    _count_lookup(session, clock, address)
    code_text = normalised(typed)
    if code_text is None:
        return None
    code = session.scalar(select(ReportCode).where(ReportCode.code == code_text))
    if code is None:
        return None
    attempt = code.attempt
    result = score_check.checked_score(session, attempt)
    newest = result.recorded
    changed_at = newest.recorded_at if newest is not None and newest.id != code.score_record_id else None
    voided = newest is not None and newest.band == VOID_BAND and result.trusted
    shown = result.trusted and not voided
    return Verification(
        masked_name=mask_name(attempt.user.display_name), sitting=attempt.sitting.title,
        sitting_day=attempt.started_at, finished_at=attempt.finished_at, issued_at=code.issued_at,
        score=result.score if shown else None, max_score=result.max_score if shown else None,
        band=result.band if shown else None, passed=result.passed if shown else None, voided=voided,
        matches_record=result.trusted, printed_score=code.score_record.score, changed_at=changed_at)


def lookups_counted(session: Session, address: str) -> int:
    """How many lookups from ``address`` are counted now (for tests and monitoring)."""
    return int(session.scalar(select(func.count(VerificationLookup.id))
                              .where(VerificationLookup.key == f"address:{address or 'unknown'}")) or 0)

