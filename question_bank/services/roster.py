"""Rosters (考生名单): who may sit a sitting, picked from the org tree or imported from Excel
(domain.md §5), with extra time per person (which also lengthens an attempt in progress).

- Only cadres of the admin's own unit subtree can be put on a roster (domain.md §2).
- An import matches existing cadre accounts by ID number and never creates accounts: people it
  cannot match are reported by row. It is all-or-nothing: one bad row and nothing is added.
- A roster entry with an attempt stays: the attempt and its score belong to it.
- Every change is an audit event (domain.md §9).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, Place, Problem
from question_bank.formats.guarded import clean_filename
from question_bank.formats.roster_file import (  # noqa: F401  (COLUMNS, HEADER_SEARCH_ROWS: where they were)
    COLUMNS,
    HEADER_SEARCH_ROWS,
    LIMITS,
    MAX_IMPORT_ROWS,
    RosterRow,
    cell_text,
    read_roster_file,
)
from question_bank import id_vault
from question_bank.idnumbers import LENGTH, InvalidIdNumber, local_date, normalise, parse_id_number
from question_bank.idnumbers import mask as mask_id  # noqa: F401  (account imports and their page use it from here)
from question_bank.models import Attempt, AttemptState, OrgUnit, Role, RosterEntry, Sitting, User, UserRole
from question_bank.services import audit, protection
from question_bank.services.people import users_in_scope
from question_bank.services.sittings import get_sitting, recompute_deadline
from question_bank.text import hidden_characters

#: Most extra time one person may be given, in seconds.
MAX_EXTRA_TIME_S = 4 * 3600
#: An ID number Excel turned into a number and wrote into a CSV in scientific notation.
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)
#: Longest post a roster entry keeps (the column's size); a longer one is a row error, never cut.
MAX_POST_CHARS = 200
#: Columns whose cells an import reads (单位 and 手机 are only there for the people filling it in).
READ_COLUMNS = ("name", "id_number", "current_post", "proposed_post")
#: What a cell holding a formula without a saved value is told (as the question import says it).
UNSAVED_FORMULA = N_("this cell holds a formula without a saved value; enter the value itself")


def _entry_snapshot(entry: RosterEntry) -> dict[str, Any]:
    return {"sitting": entry.sitting_id, "user": entry.user_id, "extra_time_s": entry.extra_time_s,
            "current_post": entry.current_post, "proposed_post": entry.proposed_post}


def cadres_in_scope(session: Session, actor: User, *, exclude_sitting: Sitting | None = None) -> list[User]:
    """Cadres of the actor's unit subtree, by unit then name; without those already on
    ``exclude_sitting``'s roster."""
    query = users_in_scope(actor).where(User.is_active, User.role_rows.any(UserRole.role == Role.CADRE))
    if exclude_sitting is not None:
        query = query.where(~exists().where(RosterEntry.sitting_id == exclude_sitting.id,
                                            RosterEntry.user_id == User.id))
    return list(session.scalars(query.order_by(OrgUnit.path, User.display_name, User.id)))


#: Cadres the roster picker shows on a page, and the most a caller may ask for.
PICKER_PAGE_SIZE, MAX_PICKER_PAGE_SIZE = 50, 200


@dataclass(frozen=True)
class CadreQuery:
    """What the roster picker asks for; empty means "any". ``text`` is part of a name, a user
    name or an ID number (compared without case); ``unit_id`` a unit whose whole subtree counts
    (it must lie in the actor's); ``rank`` a rank (职级) exactly as stored; ``post`` part of the
    current or proposed post."""

    text: str = ""
    unit_id: int | None = None
    rank: str = ""
    post: str = ""


@dataclass(frozen=True)
class CadrePage:
    """One page of the picker: ``cadres`` (by unit then name), ``total`` matching, the 1-based
    ``page`` returned and ``pages`` (at least 1)."""

    cadres: list[User]
    total: int
    page: int
    pages: int


def _matching(session: Session, actor: User, sitting: Sitting, query: CadreQuery):
    """The SQL query of the active cadres of the actor's subtree matching ``query`` and not yet
    on the sitting's roster. Raises :class:`NotFound` for a unit outside the actor's subtree."""
    found = users_in_scope(actor).where(
        User.is_active, User.role_rows.any(UserRole.role == Role.CADRE),
        ~exists().where(RosterEntry.sitting_id == sitting.id, RosterEntry.user_id == User.id))
    if query.unit_id is not None:
        found = found.where(protection.in_subtree(protection.unit_in_reach(session, actor, query.unit_id)))
    text = query.text.strip()
    if text:
        # "%" and "_" are ordinary characters here, as in the bank search.
        folded = text.lower()
        matches = (func.lower(User.display_name).contains(folded, autoescape=True)
                   | func.lower(User.username).contains(folded, autoescape=True))
        # ID numbers are sealed at rest (SEC-P5): a whole number is found by its keyed hash; a
        # part of one finds nothing, as nothing can be compared with a part without decrypting all.
        if len(normalise(text)) == LENGTH:
            matches = matches | id_vault.is_holder(text)
        found = found.where(matches)
    if query.rank.strip():
        found = found.where(User.rank == query.rank.strip())
    post = query.post.strip()
    if post:
        found = found.where(User.current_post.contains(post, autoescape=True)
                            | User.proposed_post.contains(post, autoescape=True))
    return found


def find_cadres(session: Session, actor: User, sitting: Sitting, query: CadreQuery, page: int = 1,
                page_size: int = PICKER_PAGE_SIZE) -> CadrePage:
    """One page of the cadres the actor may put on the sitting's roster matching ``query`` (a
    province has thousands: the picker pages and searches instead of listing everyone). A page
    past the end gives the last page; ``page_size`` is capped at :data:`MAX_PICKER_PAGE_SIZE`.
    Raises :class:`NotFound` (sitting or unit outside the actor's subtree)."""
    sitting = get_sitting(session, actor, sitting.id)
    size = min(max(page_size, 1), MAX_PICKER_PAGE_SIZE)
    matching = _matching(session, actor, sitting, query)
    total = session.scalar(select(func.count()).select_from(matching.with_only_columns(User.id).subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(max(page, 1), pages)
    cadres = session.scalars(matching.order_by(OrgUnit.path, User.display_name, User.id)
                             .offset((number - 1) * size).limit(size))
    return CadrePage(list(cadres), total, number, pages)


def ranks_in_scope(session: Session, actor: User) -> list[str]:
    """The ranks (职级) the cadres of the actor's subtree hold, sorted, for the picker's filter."""
    query = users_in_scope(actor).with_only_columns(User.rank).where(User.rank.is_not(None), User.rank != "").distinct()
    return sorted(session.scalars(query))


def add_matching(session: Session, clock: Clock, actor: User, sitting: Sitting, query: CadreQuery) -> list[RosterEntry]:
    """Put every cadre matching ``query`` on the roster (picking by unit subtree, rank and post),
    as :func:`add_to_roster` would one by one. Raises :class:`InvalidInput` when nobody matches
    or the query is empty (adding everyone of a province takes an explicit filter), and as
    :func:`find_cadres`."""
    sitting = get_sitting(session, actor, sitting.id)
    if query == CadreQuery():
        raise InvalidInput([Problem(N_("choose a unit, a rank, a post or a text to add by"), place="cadres")])
    ids = list(session.scalars(_matching(session, actor, sitting, query).with_only_columns(User.id)))
    if not ids:
        raise InvalidInput([Problem(N_("nobody matching is left to add"), place="cadres")])
    return add_to_roster(session, clock, actor, sitting, ids)


def _new_entry(sitting: Sitting, user: User, clock: Clock, current_post: str | None = None,
               proposed_post: str | None = None) -> RosterEntry:
    return RosterEntry(sitting_id=sitting.id, user_id=user.id, added_at=clock.now(),
                       current_post=current_post or user.current_post, proposed_post=proposed_post or user.proposed_post)


def add_to_roster(session: Session, clock: Clock, actor: User, sitting: Sitting, user_ids: list[int]) -> list[RosterEntry]:
    """Put the cadres ``user_ids`` on the sitting's roster, with their posts as their accounts
    give them; people already on it are left as they are. Returns the new entries.

    Raises :class:`NotFound` (sitting outside the actor's subtree) or :class:`InvalidInput` when an
    id is not a cadre of the actor's units; then nobody is added.
    """
    sitting = get_sitting(session, actor, sitting.id)
    wanted = sorted(set(user_ids))
    if not wanted:
        raise InvalidInput([Problem(N_("tick at least one cadre"), place="cadres")])
    found = {u.id: u for u in session.scalars(
        users_in_scope(actor).where(User.id.in_(wanted), User.role_rows.any(UserRole.role == Role.CADRE))
    )}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput([Problem(N_("person %(id)s is not a cadre of your units"), {"id": i}, "cadres")
                            for i in missing])
    on_roster = set(session.scalars(select(RosterEntry.user_id).where(RosterEntry.sitting_id == sitting.id)))
    entries = [_new_entry(sitting, found[i], clock) for i in wanted if i not in on_roster]
    return _add(session, clock, actor, entries)


def _add(session: Session, clock: Clock, actor: User, entries: list[RosterEntry]) -> list[RosterEntry]:
    session.add_all(entries)
    session.flush()
    for entry in entries:
        audit.record(session, clock, actor, "roster.add", "roster_entry", entry.id, after=_entry_snapshot(entry))
    return entries


def _entry(session: Session, sitting: Sitting, entry_id: int) -> RosterEntry:
    entry = session.get(RosterEntry, entry_id)
    if entry is None or entry.sitting_id != sitting.id:
        raise NotFound()
    return entry


def remove_from_roster(session: Session, clock: Clock, actor: User, sitting: Sitting, entry_id: int) -> None:
    """Take a person off the roster. Raises :class:`NotFound`, or :class:`Conflict` when they have
    an attempt at the sitting (it and its score belong to the roster place)."""
    sitting = get_sitting(session, actor, sitting.id)
    entry = _entry(session, sitting, entry_id)
    if session.scalar(select(exists().where(Attempt.sitting_id == sitting.id, Attempt.user_id == entry.user_id))):
        raise Conflict(N_("This candidate has an attempt at the sitting, so they stay on the roster."))
    before = _entry_snapshot(entry)
    session.delete(entry)
    session.flush()
    audit.record(session, clock, actor, "roster.remove", "roster_entry", entry_id, before=before)


@dataclass(frozen=True)
class ExtraTime:
    """What setting extra time did: the roster entry; the candidate's attempt that was in progress
    (None when there was none) with its deadline before (``old_deadline``; ``attempt.deadline`` is
    the deadline now); ``closed`` when that attempt was already past deadline + grace and so was
    closed at its deadline instead of lengthened."""

    entry: RosterEntry
    attempt: Attempt | None = None
    old_deadline: dt.datetime | None = None
    closed: bool = False

    @property
    def lengthened(self) -> bool:
        return self.attempt is not None and not self.closed and self.attempt.deadline != self.old_deadline


def set_extra_time(session: Session, clock: Clock, actor: User, sitting: Sitting, entry_id: int, extra_time_s: int) -> ExtraTime:
    """Give one candidate ``extra_time_s`` seconds on top of the time limit (still capped by the
    window's close), for attempts they start from now on and for the one in progress, if any (an
    accommodation granted mid-exam, a crashed PC): its deadline becomes
    max(deadline, min(started_at + time limit + extra time, closes_at)), so a running attempt is
    lengthened, never shortened (domain.md §6). An attempt already past its deadline + grace is
    closed at its deadline with its saved answers, as the next request or the sweep would close it,
    and is not reopened.

    Audited: "roster.extra_time" when the value changes, "attempt.deadline" (before/after) when a
    deadline moves. Raises :class:`NotFound` or :class:`InvalidInput` (outside 0 … 4 hours).
    """
    sitting = get_sitting(session, actor, sitting.id)
    # Locked as start_attempt locks it: an attempt starting at this moment either reads the new
    # extra time or exists already and is lengthened below.
    entry = session.scalar(select(RosterEntry).where(RosterEntry.id == entry_id, RosterEntry.sitting_id == sitting.id)
                           .with_for_update().execution_options(populate_existing=True))
    if entry is None:
        raise NotFound()
    if not isinstance(extra_time_s, int) or not 0 <= extra_time_s <= MAX_EXTRA_TIME_S:
        raise InvalidInput([Problem(N_("extra time must be 0 to %(n)d minutes"), {"n": MAX_EXTRA_TIME_S // 60},
                                    "extra_time")])
    if entry.extra_time_s != extra_time_s:
        before = _entry_snapshot(entry)
        entry.extra_time_s = extra_time_s
        session.flush()
        audit.record(session, clock, actor, "roster.extra_time", "roster_entry", entry.id,
                     before=before, after=_entry_snapshot(entry))
    return _lengthen_running_attempt(session, clock, actor, sitting, entry)


def _lengthen_running_attempt(session: Session, clock: Clock, actor: User, sitting: Sitting, entry: RosterEntry) -> ExtraTime:
    """Apply the entry's extra time to the candidate's attempt in progress (see :func:`set_extra_time`),
    by the same rule as a later closing time (``sittings.recompute_deadline``)."""
    attempt = session.scalar(
        select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.user_id == entry.user_id,
                              Attempt.state == AttemptState.IN_PROGRESS)
        .with_for_update().execution_options(populate_existing=True)
    )
    if attempt is None:
        return ExtraTime(entry)
    change = recompute_deadline(session, clock, actor, sitting, attempt, entry.extra_time_s)
    return ExtraTime(entry, attempt, change.old_deadline, closed=change.closed)


# --- import from Excel ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterImport:
    """What an import did: the entries added, and the people of the file already on the roster."""

    added: list[RosterEntry]
    already: list[User]


def _row_of(problem: Problem) -> int:
    return (problem.place.row or 0) if isinstance(problem.place, Place) else 0


def _as_written(value: Any) -> str:
    """A post as the file writes it, only the space around it dropped (width folding is for
    comparing ID numbers and names, not for what is stored)."""
    return "" if value is None else str(value).strip()


def _typed_as_number(raw: Any) -> bool:
    """True when an ID number reached the file as a number, which Excel keeps to 15 digits: a
    number cell, or in a CSV the text Excel wrote for one ("3.20102E+17")."""
    if isinstance(raw, bool):
        return False
    return isinstance(raw, (int, float)) or bool(_SCIENTIFIC.fullmatch(cell_text(raw)))


def import_roster(session: Session, clock: Clock, actor: User, sitting: Sitting, stream: IO[bytes],
                  filename: str = "") -> RosterImport:
    """Add the people of a roster file to the sitting, matching existing cadre accounts of the
    actor's units by ID number. The file (``stream``, named ``filename`` in every problem) is an
    .xlsx workbook (its first sheet) or a CSV file in UTF-8, GB18030/GBK or UTF-16, read through the
    guarded reader (:func:`question_bank.formats.roster_file.read_roster_file`; SEC-U1 … U7), with
    the columns 姓名, 身份证号, 单位, 现任职务, 拟任职务, 手机.

    The posts in the file are kept on the roster entry (blank: the account's); 单位 and 手机 are not
    read into anything. The 姓名 and 身份证号 columns are required. Raises :class:`NotFound` (sitting
    outside the actor's subtree) or :class:`InvalidInput` naming file, sheet, row and column of every
    problem: a file the guarded reader refuses, a cell of 姓名, 身份证号, 现任职务 or 拟任职务
    holding a formula without a saved value (never taken for empty, so a post never silently falls
    back to the account's), an empty name, a control or invisible character in a name or post
    (:func:`question_bank.text.hidden_character_problems`), an ID number that is stored as a number,
    is not a valid resident identity number (empty, malformed, impossible birth date or wrong check character:
    :func:`question_bank.idnumbers.parse_id_number`), is repeated, or matches no cadre account of
    the actor's units (accounts are not created by an import), or a name that differs from the
    account's. Nothing is added unless every row is good.
    """
    sitting = get_sitting(session, actor, sitting.id)
    name = clean_filename(filename) if filename else ""
    # One byte past the cap is enough to know the file is too large, without reading all of it.
    roster = read_roster_file(name, stream.read(LIMITS.max_file_bytes + 1))
    rows = roster.rows
    problems: list[Problem] = []
    numbers: dict[int, str] = {}
    first_row: dict[str, int] = {}
    for row in rows:
        for key in READ_COLUMNS:
            if key in row.formulas:
                problems.append(Problem(UNSAVED_FORMULA, place=roster.place(row.number, key)))
        if "name" not in row.formulas and not cell_text(row.values.get("name")):
            problems.append(Problem(N_("the name is empty"), place=roster.place(row.number, "name")))
        problems += roster.hidden_character_problems(row, ("name", "current_post", "proposed_post"))
        for key in ("current_post", "proposed_post"):
            if len(_as_written(row.values.get(key))) > MAX_POST_CHARS:
                problems.append(Problem(N_("the post is longer than %(n)d characters"), {"n": MAX_POST_CHARS},
                                        roster.place(row.number, key)))
        if "id_number" in row.formulas:
            continue
        number = row_id_number(row, roster.place(row.number, "id_number"), clock, first_row, problems)
        if number is not None:
            numbers[row.number] = number
    accounts: dict[str, list[User]] = {}
    if numbers:
        by_lookup = id_vault.lookups(set(numbers.values()))
        query = users_in_scope(actor).where(User.id_number_lookup.in_(list(by_lookup)))
        for user in session.scalars(query):
            accounts.setdefault(by_lookup[user.id_number_lookup], []).append(user)
    matched: list[tuple[RosterRow, User]] = []
    for row in rows:
        if row.number not in numbers:
            continue
        number = numbers[row.number]
        place = roster.place(row.number, "id_number")
        candidates = accounts.get(number, [])
        if not candidates:
            problems.append(Problem(N_("no cadre account of your units has the ID number %(id)s; an import does not create accounts"),
                                    {"id": mask_id(number)}, place))
        elif len(candidates) > 1:
            problems.append(Problem(N_("%(n)d accounts have the ID number %(id)s"),
                                    {"n": len(candidates), "id": mask_id(number)}, place))
        elif not candidates[0].has_role(Role.CADRE):
            problems.append(Problem(N_("the account with the ID number %(id)s is not a cadre account"),
                                    {"id": mask_id(number)}, place))
        elif (cell_text(row.values.get("name")).replace(" ", "") not in ("", candidates[0].display_name.replace(" ", ""))
              and not hidden_characters(cell_text(row.values.get("name")))):  # that one is said above
            problems.append(Problem(N_("the name %(name)s does not match the account with this ID number (%(account)s)"),
                                    {"name": cell_text(row.values.get("name")), "account": candidates[0].display_name},
                                    roster.place(row.number, "name")))
        else:
            matched.append((row, candidates[0]))
    if problems:
        # In the order of the file's rows, as a person works down the sheet to fix them.
        raise InvalidInput(sorted(problems, key=_row_of))
    if not rows:
        raise InvalidInput([Problem(N_("the file has no rows below the header"), place=roster.place())])
    on_roster = set(session.scalars(select(RosterEntry.user_id).where(RosterEntry.sitting_id == sitting.id)))
    already = [user for _, user in matched if user.id in on_roster]
    entries = [
        _new_entry(sitting, user, clock, _as_written(row.values.get("current_post")) or None,
                   _as_written(row.values.get("proposed_post")) or None)
        for row, user in matched if user.id not in on_roster
    ]
    added = _add(session, clock, actor, entries)
    audit.record(session, clock, actor, "roster.import", "sitting", sitting.id,
                 after={"rows": len(rows), "added": len(added), "already": len(already)})
    return RosterImport(added, already)


def row_id_number(row: RosterRow, where: Place, clock: Clock, first_row: dict[str, int],
                  problems: list[Problem]) -> str | None:
    """The resident ID number of a roster or account file row, checked (GB 11643, GB/T 2260) and
    normalised; None, with the reason appended to ``problems``, when it is typed as a number (Excel
    has rounded it), invalid, or already on an earlier row (``first_row``: number → row, updated).
    ``where`` is the cell, for the problems."""
    raw = row.values.get("id_number")
    if _typed_as_number(raw):
        problems.append(Problem(N_("the ID number is stored as a number, which Excel rounds; format the column as text"),
                                place=where))
        return None
    try:
        number = parse_id_number(cell_text(raw), today=local_date(clock.now()))
    except InvalidIdNumber as exc:
        problems.append(Problem(exc.message, place=where))
        return None
    if number in first_row:
        problems.append(Problem(N_("this ID number is also in row %(row)d"), {"row": first_row[number]}, where))
        return None
    first_row[number] = row.number
    return number
