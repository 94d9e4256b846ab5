"""The score sheet with full ID numbers (SEC-P1): the one way a resident ID number leaves the service
unmasked.

Every other list, page and file shows ID numbers masked (``id_vault.masked``). An HR officer may
have the sheet with full numbers only when all of these hold, checked here in this order:

1. the officer holds the separate grant :attr:`Role.FULL_ID_EXPORT` besides HR (a sysadmin gives
   it on the accounts pages; the change is audited like every role change) — else
   :class:`PermissionDenied` (the web layer audits the refusal as every 403);
2. a purpose is stated (at least :data:`MIN_PURPOSE_LETTERS` letters, at most
   :data:`MAX_PURPOSE_CHARS` characters, no invisible, control or private-use character but line
   breaks, kept as typed in the audit event) and the officer's own
   password is typed again in the same form (a session left open on a desk is not enough) — else
   :class:`InvalidInput` naming the field, and the audit event :data:`REFUSED_ACTION` saying which
   (never the password);
3. then the audit event :data:`ACTION` records actor, sitting, format, row count, purpose and the
   actor's unit (and how many ID numbers did not open, if any), in the transaction that the caller
   commits before sending the file.

The sheet is the ordinary one (same scope, same checks against the ledger), its 身份证号 column
holding :func:`question_bank.id_vault.shown_in_full` of each row's account (``UNREADABLE`` where the
sealed value does not open: the other rows still come out).
"""

from __future__ import annotations

import dataclasses

from question_bank import id_vault
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.models import Role, Sitting, User
from question_bank.reports.score_sheet import PairedSheetRow, ScoreSheetRow
from question_bank.services import audit, people, protection, score_sheets
from question_bank.text import hidden_character_problems, is_invisible

#: The audit action of a full-ID export.
ACTION = "export.score_sheet_full_id"
#: The audit action of a full-ID export refused for a missing purpose or a wrong password.
REFUSED_ACTION = "export.score_sheet_full_id_refused"
#: Longest purpose kept, in characters.
MAX_PURPOSE_CHARS = 500
#: Fewest letters a purpose must hold (issue 10, F10-07: "a", "..." or "1111" say nothing to an
#: auditor; "任前公示" does). A letter is what ``str.isalpha`` says is one (Unicode categories L*):
#: Chinese characters, Latin letters of any width, and the letters of every other script (Uyghur,
#: Tibetan, Mongolian …); digits, punctuation, symbols and spaces are not, nor are the letters that
#: show as nothing (:func:`question_bank.text.is_invisible`: the Hangul fillers U+3164, U+115F,
#: U+1160, U+FFA0 are letters to Unicode, and "ㅤㅤㅤㅤ" looks empty).
MIN_PURPOSE_LETTERS = 4


def purpose_letters(purpose: str) -> int:
    """How many letters ``purpose`` holds, as :data:`MIN_PURPOSE_LETTERS` counts them."""
    return sum(char.isalpha() and not is_invisible(char) for char in purpose)


def may_export_full_ids(viewer: User) -> bool:
    """Whether ``viewer`` holds HR and the full-ID export grant."""
    return viewer.has_role(Role.HR) and viewer.has_role(Role.FULL_ID_EXPORT)


def request_problems(viewer: User, purpose: str, password: str) -> list[Problem]:
    """What is missing from a full-ID export request: the purpose (empty, fewer than
    :data:`MIN_PURPOSE_LETTERS` letters, too long, or holding an invisible, control or private-use
    character other than a line break: :func:`question_bank.text.hidden_character_problems`, since
    the purpose is kept as typed in the audit trail) and the password (empty or not the viewer's),
    each placed on its field."""
    problems = []
    stated = (purpose or "").strip()
    if not stated:
        problems.append(Problem(N_("state the purpose of the export"), place="purpose"))
    elif purpose_letters(stated) < MIN_PURPOSE_LETTERS:
        problems.append(Problem(N_("the purpose must say why in words: at least %(n)d letters (Chinese characters "
                                   "or letters; digits, punctuation and spaces do not count)"),
                                {"n": MIN_PURPOSE_LETTERS}, "purpose"))
    elif len(stated) > MAX_PURPOSE_CHARS:
        problems.append(Problem(N_("the purpose may have at most %(n)d characters"), {"n": MAX_PURPOSE_CHARS},
                                "purpose"))
    else:
        problems += hidden_character_problems({"purpose": stated})
    if not password or not people.password_matches(viewer.password_hash, password):
        problems.append(Problem(N_("the password is not yours; type your own password again"), place="password"))
    return problems


def _with_full_id(row: ScoreSheetRow | PairedSheetRow, number: str) -> ScoreSheetRow | PairedSheetRow:
    if isinstance(row, PairedSheetRow):
        return dataclasses.replace(row, row=row.row._replace(id_number=number))
    return row._replace(id_number=number)


def full_id_score_sheet(session, clock: Clock, sitting: Sitting, viewer: User, *, purpose: str, password: str,
                        file_format: str) -> tuple[tuple[str, ...], list]:
    """The sitting's score sheet as ``(headers, rows)`` with full ID numbers, and its audit event
    (``file_format`` "csv" or "xlsx" is recorded in it). Raises :class:`PermissionDenied` (not HR,
    or no grant), :class:`NotFound` (as :func:`score_sheets.score_sheet`) or :class:`InvalidInput`
    (purpose or password; the refusal's audit event is then in the session for the caller to
    commit)."""
    protection.require_role(viewer, *score_sheets.READER_ROLES)
    if not may_export_full_ids(viewer):
        raise PermissionDenied()
    problems = request_problems(viewer, purpose, password)
    if problems:
        audit.record(session, clock, viewer, REFUSED_ACTION, "sitting", sitting.id,
                     after={"format": file_format, "missing": sorted(str(p.place) for p in problems),
                            "purpose": (purpose or "").strip()[:MAX_PURPOSE_CHARS]})
        session.flush()
        raise InvalidInput(problems)
    headers, rows, entries = score_sheets.score_sheet_of_entries(session, clock, sitting, viewer)
    numbers = [id_vault.shown_in_full(entry.user) for entry in entries]
    full = [_with_full_id(row, number) for row, number in zip(rows, numbers, strict=True)]
    unreadable = numbers.count(id_vault.UNREADABLE)
    audit.record(session, clock, viewer, ACTION, "sitting", sitting.id,
                 after={"format": file_format, "rows": len(full), "purpose": purpose.strip(),
                        "scope_unit": viewer.org_unit_id, **({"unreadable_ids": unreadable} if unreadable else {})})
    session.flush()
    return headers, full
