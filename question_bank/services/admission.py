"""Who may start or continue a sitting from where: its optional access code and allowed networks.

- The access code is stored only as a werkzeug scrypt hash and checked with
  ``check_password_hash`` (a constant-time comparison). It is compared folded
  (:func:`fold_code`): a code the proctor announces is the same code however a phone's keyboard
  writes it, in full-width (a Chinese input method) or in another letter case (issue-9 trial). Wrong codes are counted in the database
  (``AccessCodeFailure``), per candidate and sitting, so every worker and host throttles alike:
  after :data:`MAX_CODE_FAILURES` wrong codes within :data:`FAILURE_WINDOW`, further tries are
  refused unchecked until the oldest of them leaves the window.
- Allowed networks are CIDR ranges (``ipaddress``, IPv4 and IPv6); an IPv4 client seen as an
  IPv4-mapped IPv6 address counts as its IPv4 address. The client address is whatever the web
  layer passes: ``request.remote_addr`` after ``ProxyFix`` with the configured trusted hops only.
- Every refusal is audited ("sitting.admission_refused": reason and address). A refusal is
  returned, not raised, so the caller can commit the audit entry (and the failure count) before
  it refuses (case C-25: a refusal that must leave a trace leaves it).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from question_bank.clock import Clock
from question_bank.errors import N_, DomainError, InvalidInput, PermissionDenied, Problem
from question_bank.models import AccessCodeFailure, Sitting, User
from question_bank.services import audit
from question_bank.services.people import hash_password

#: Wrong access codes a candidate may give for one sitting within FAILURE_WINDOW.
MAX_CODE_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
#: Longest access code and longest list of networks accepted.
MAX_CODE_CHARS = 64
MAX_NETWORKS = 200

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusalReason(StrEnum):
    ADDRESS = "address_not_allowed"
    CODE_MISSING = "access_code_missing"
    CODE_WRONG = "access_code_wrong"
    THROTTLED = "access_code_throttled"


class AdmissionRefused(PermissionDenied):
    """A start or continuation refused by the sitting's access code or allowed networks (403)."""

    template = N_("You cannot take this exam from here.")


_MESSAGES = {
    RefusalReason.ADDRESS: N_("This exam can only be taken from the exam room's network. Your address is %(ip)s; "
                              "ask the proctor."),
    RefusalReason.CODE_MISSING: N_("Enter the access code the proctor gave you."),
    RefusalReason.CODE_WRONG: N_("The access code is not right. %(left)d tries left before a wait."),
    RefusalReason.THROTTLED: N_("Too many wrong access codes. Try again after %(until)s, or ask the proctor."),
}


@dataclass(frozen=True)
class Refusal:
    """Why admission was refused, and what the message needs (tries left, wait until)."""

    reason: RefusalReason
    params: dict

    def error(self) -> DomainError:
        return AdmissionRefused(_MESSAGES[self.reason], **self.params)


#: Marks a stored hash made of the folded code; a hash without it (a code set before codes were
#: folded) was made of the code as typed, stripped.
FOLDED_PREFIX = "folded:"


def fold_code(code: str) -> str:
    """An access code as compared: NFKC (full-width letters and digits become ASCII), without any
    space, letter case folded. ``"Ａｂ １２"`` → ``"ab12"``."""
    return "".join(unicodedata.normalize("NFKC", code).split()).casefold()


def hash_code(code: str) -> str:
    """The stored form of an access code: :data:`FOLDED_PREFIX` and the werkzeug scrypt hash of
    :func:`fold_code` of it."""
    return FOLDED_PREFIX + hash_password(fold_code(code))


def code_matches(stored: str, typed: str) -> bool:
    """Whether ``typed`` is the access code whose stored form is ``stored`` (:func:`hash_code`).
    A code stored before codes were folded matches as typed (stripped) or in its NFKC form, so
    its full-width form is accepted too; its letter case still counts (the hash keeps it)."""
    if stored.startswith(FOLDED_PREFIX):
        return check_password_hash(stored[len(FOLDED_PREFIX):], fold_code(typed))
    plain = typed.strip()
    narrow = unicodedata.normalize("NFKC", typed).strip()
    return check_password_hash(stored, plain) or (narrow != plain and check_password_hash(stored, narrow))


def check_code_text(code: str) -> list[Problem]:
    """What is wrong with an access code an administrator typed (place "access_code")."""
    if not fold_code(code):
        return [Problem(N_("the access code is blank"), place="access_code")]
    if len(code) > MAX_CODE_CHARS:
        return [Problem(N_("the access code is longer than %(n)d characters"), {"n": MAX_CODE_CHARS}, "access_code")]
    return []


def parse_networks(text: str | None) -> list[Network]:
    """The networks of ``text``: one CIDR range or single address a line (blank lines and text
    after "#" ignored). Raises :class:`InvalidInput` naming each bad line ("allowed_networks",
    line N); a range with host bits set ("10.1.2.3/24") is refused, not silently widened."""
    networks: list[Network] = []
    problems: list[Problem] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            networks.append(ipaddress.ip_network(line, strict=True))
        except ValueError:
            try:
                suggestion = str(ipaddress.ip_network(line, strict=False))
            except ValueError:
                problems.append(Problem(N_("line %(line)d: %(value)s is not an IP address or network"),
                                        {"line": number, "value": line}, "allowed_networks"))
            else:
                problems.append(Problem(N_("line %(line)d: %(value)s has host bits set; did you mean %(network)s?"),
                                        {"line": number, "value": line, "network": suggestion}, "allowed_networks"))
    if len(networks) > MAX_NETWORKS:
        problems.append(Problem(N_("at most %(n)d networks"), {"n": MAX_NETWORKS}, "allowed_networks"))
    if problems:
        raise InvalidInput(problems)
    return networks


def networks_text(text: str | None) -> str | None:
    """The stored form of an allowed-networks list: each network in its standard form, one a line;
    None when it lists none (anywhere allowed). Raises as :func:`parse_networks`."""
    networks = parse_networks(text)
    return "\n".join(str(n) for n in networks) if networks else None


def address_allowed(sitting: Sitting, client_ip: str | None) -> bool:
    """Whether ``client_ip`` lies in one of the sitting's allowed networks (always, when it lists none).
    An address that cannot be read is not allowed."""
    return networks_allow(sitting.allowed_networks, client_ip)


def networks_allow(allowed_networks: str | None, client_ip: str | None) -> bool:
    """:func:`address_allowed` for a sitting's ``allowed_networks`` text as stored."""
    if not allowed_networks:
        return True
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in parse_networks(allowed_networks))


def _recent_failures(session: Session, sitting: Sitting, candidate: User, since: dt.datetime) -> list[dt.datetime]:
    return list(session.scalars(
        select(AccessCodeFailure.failed_at)
        .where(AccessCodeFailure.sitting_id == sitting.id, AccessCodeFailure.user_id == candidate.id,
               AccessCodeFailure.failed_at > since)
        .order_by(AccessCodeFailure.failed_at)
    ))


def _refuse(session: Session, clock: Clock, candidate: User, sitting: Sitting, reason: RefusalReason,
            client_ip: str | None, during: str | None = None, **params) -> Refusal:
    after = {"reason": str(reason), "ip": client_ip, "user": candidate.id}
    if during:
        after["during"] = during
    audit.record(session, clock, candidate, "sitting.admission_refused", "sitting", sitting.id, after=after)
    return Refusal(reason, params)


def address_refusal(session: Session, clock: Clock, candidate: User, sitting: Sitting,
                    client_ip: str | None, during: str | None = None) -> Refusal | None:
    """A refusal (audited) when the candidate's address is outside the sitting's allowed networks;
    None when it is allowed. For every request that starts, continues or writes to an attempt (start,
    resume, the exam page, each save and the submit): a device that left the exam room's network
    must not keep answering from outside it. ``during`` names the request in the audit entry
    ("save", "submit"; None for a start or page load)."""
    if address_allowed(sitting, client_ip):
        return None
    return _refuse(session, clock, candidate, sitting, RefusalReason.ADDRESS, client_ip, during, ip=client_ip or "?")


def start_refusal(session: Session, clock: Clock, candidate: User, sitting: Sitting, *, code: str | None,
                  client_ip: str | None) -> Refusal | None:
    """Whether a new attempt may start: the address first, then the access code (throttled).
    Returns None when admitted, else the refusal, already audited (a wrong code is also counted).
    The caller commits before refusing, so neither is rolled back."""
    refusal = address_refusal(session, clock, candidate, sitting, client_ip)
    if refusal is not None or sitting.access_code_hash is None:
        return refusal
    now = clock.now()
    failures = _recent_failures(session, sitting, candidate, now - FAILURE_WINDOW)
    if len(failures) >= MAX_CODE_FAILURES:
        until = failures[len(failures) - MAX_CODE_FAILURES] + FAILURE_WINDOW
        return _refuse(session, clock, candidate, sitting, RefusalReason.THROTTLED, client_ip, until=until)
    if not (code or "").strip():
        return _refuse(session, clock, candidate, sitting, RefusalReason.CODE_MISSING, client_ip)
    if code_matches(sitting.access_code_hash, code):
        return None
    session.add(AccessCodeFailure(sitting_id=sitting.id, user_id=candidate.id, failed_at=now,
                                  client_ip=(client_ip or "?")[:45]))
    session.flush()
    left = MAX_CODE_FAILURES - len(failures) - 1
    if left <= 0:
        until = (failures + [now])[len(failures) + 1 - MAX_CODE_FAILURES] + FAILURE_WINDOW
        return _refuse(session, clock, candidate, sitting, RefusalReason.THROTTLED, client_ip, until=until)
    return _refuse(session, clock, candidate, sitting, RefusalReason.CODE_WRONG, client_ip, left=left)


def failures_count(session: Session, sitting: Sitting, candidate: User) -> int:
    """Wrong codes the candidate gave for the sitting, ever (for the proctor)."""
    return session.scalar(select(func.count(AccessCodeFailure.id)).where(
        AccessCodeFailure.sitting_id == sitting.id, AccessCodeFailure.user_id == candidate.id)) or 0
