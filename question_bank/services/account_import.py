"""Creating cadre accounts in bulk from a roster file (issue 10): the same .xlsx or CSV the roster
import reads (:func:`question_bank.formats.roster_file.read_roster_file`, through the guarded
reader, SEC-U1 … U7), with the columns 姓名 and 身份证号 and, optional, 单位, 用户名, 现任职务,
拟任职务, 手机.

All or nothing: every row is checked first and any problem, named by file, sheet, row and column,
leaves everything as it was. A person whose ID number already has an account in the administrator's
units is listed and left alone, so the same file can be loaded again after adding rows to it.

Each new account gets a temporary password (returned once, for the administrator to hand over)
that its owner replaces at first sign-in; the cadre can sign in with the username or the ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank import id_vault
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Place, Problem
from question_bank.formats.guarded import clean_filename
from question_bank.formats.roster_file import LIMITS, RosterFile, RosterRow, cell_text, read_roster_file
from question_bank.models import OrgUnit, Role, User
from question_bank.services import audit, people, protection
from question_bank.services.passwords import temporary_password
from question_bank.text import hidden_characters
from question_bank.services.roster import MAX_POST_CHARS, UNSAVED_FORMULA, _row_of, mask_id, row_id_number

#: Most accounts one file creates: each needs a password hash (scrypt, tens of milliseconds), and
#: the request must end well within a proxy's timeout.
MAX_NEW_ACCOUNTS = 1000
#: Generated usernames: this prefix and the account's id ("cadre-1207"), never anything personal.
GENERATED_PREFIX = "cadre-"
_COLUMNS = ("name", "id_number", "unit", "username", "current_post", "proposed_post", "phone")


@dataclass(frozen=True)
class CreatedAccount:
    """A new account, the row it came from and its temporary password (shown once)."""

    row: int
    user: User
    temporary_password: str


@dataclass(frozen=True)
class AccountImport:
    """What a load did: accounts created, and rows whose ID number already had an account."""

    created: list[CreatedAccount]
    existing: list[tuple[int, User]]


@dataclass(frozen=True)
class _Person:
    row: RosterRow
    id_number: str
    unit: OrgUnit


def _units_by_label(session: Session, actor: User) -> dict[str, OrgUnit | None]:
    """The actor's units by every way a file may name one: the path below the actor's unit ("甲市/司法局"
    with or without spaces around the slashes) and the bare name; a bare name two units share maps to
    None (ambiguous)."""
    units = people.units_in_scope(session, actor)
    paths = people.unit_paths(session, units, below=actor.org_unit, separator="/")
    labels: dict[str, OrgUnit | None] = {}
    for unit in units:
        labels[paths[unit.id]] = unit
        labels[unit.name] = None if unit.name in labels and labels[unit.name] is not unit else unit
    return labels


def _check_rows(session: Session, clock: Clock, actor: User, roster: RosterFile,
                default_unit: OrgUnit) -> tuple[list[_Person], list[Problem]]:
    problems: list[Problem] = []
    people_rows: list[_Person] = []
    labels = _units_by_label(session, actor)
    first_row: dict[str, int] = {}
    usernames: dict[str, int] = {}
    for row in roster.rows:
        bad = False
        for key in _COLUMNS:
            if key in row.formulas:
                problems.append(Problem(UNSAVED_FORMULA, place=roster.place(row.number, key)))
                bad = True
        if not cell_text(row.values.get("name")):
            problems.append(Problem(N_("the name is empty"), place=roster.place(row.number, "name")))
            bad = True
        hidden = roster.hidden_character_problems(row, ("name", "unit", "current_post", "proposed_post", "phone"))
        problems += hidden
        bad = bad or bool(hidden)
        for key in ("current_post", "proposed_post"):
            if len(cell_text(row.values.get(key))) > MAX_POST_CHARS:
                problems.append(Problem(N_("the post is longer than %(n)d characters"), {"n": MAX_POST_CHARS},
                                        roster.place(row.number, key)))
                bad = True
        typed = people.fold_username(cell_text(row.values.get("username")))
        if typed:
            problem = people.username_problem(typed)
            if problem is None and typed.lower() in usernames:
                problem = Problem(N_("this username is also in row %(row)d"), {"row": usernames[typed.lower()]})
            usernames.setdefault(typed.lower(), row.number)
            if problem is not None:
                problems.append(Problem(problem.message, problem.params, roster.place(row.number, "username")))
                bad = True
        unit = default_unit
        unit_text = cell_text(row.values.get("unit")).replace(" / ", "/")
        if unit_text and not hidden_characters(unit_text):  # else refused above, and looked up by nobody
            unit = labels.get(unit_text)
            if unit is None:
                message = (N_("the unit %(unit)s is the name of several of your units; write its path, e.g. 甲市/司法局")
                           if unit_text in labels else N_("the unit %(unit)s is not one of your units"))
                problems.append(Problem(message, {"unit": unit_text}, roster.place(row.number, "unit")))
                bad = True
        number = row_id_number(row, roster.place(row.number, "id_number"), clock, first_row, problems)
        if number is None:
            continue
        if not bad and unit is not None:
            people_rows.append(_Person(row, number, unit))
    return people_rows, problems


def create_cadre_accounts(session: Session, clock: Clock, actor: User, stream: IO[bytes], filename: str,
                          default_unit: OrgUnit) -> AccountImport:
    """Create a cadre account for each row of a roster file whose ID number has none yet.

    A row's unit is its 单位 cell (a unit of the actor's subtree, by name or by path below the
    actor's unit) or, blank, ``default_unit``; its username the 用户名 cell (checked as
    :func:`question_bank.services.people.create_user` checks one) or, blank, "cadre-<id>".
    Raises :class:`PermissionDenied` (not a sysadmin, or ``default_unit`` outside their subtree) or
    :class:`InvalidInput` naming file, sheet, row and column of every problem: what the guarded
    reader refuses, an empty name, a control or invisible character in a name, unit, post or phone
    (:func:`question_bank.text.hidden_character_problems`), an ID number invalid, stored as a number
    or repeated, an unknown or ambiguous unit, a username taken or malformed, an ID number whose account lies outside the
    actor's units, more than :data:`MAX_NEW_ACCOUNTS` new accounts, or no rows at all. The caller
    rolls back on an error (nothing is kept) and commits otherwise.
    """
    if not protection.may(actor, (Role.SYSADMIN,), default_unit):
        raise PermissionDenied()
    name = clean_filename(filename) if filename else ""
    roster = read_roster_file(name, stream.read(LIMITS.max_file_bytes + 1))
    if not roster.rows:
        raise InvalidInput([Problem(N_("the file has no rows below the header"), place=roster.place())])
    rows, problems = _check_rows(session, clock, actor, roster, default_unit)
    # Found by keyed hash (SEC-P5): the numbers at rest are sealed.
    by_lookup = id_vault.lookups(p.id_number for p in rows)
    in_scope = {by_lookup[u.id_number_lookup]: u for u in session.scalars(
        people.users_in_scope(actor).where(User.id_number_lookup.in_(list(by_lookup)))
    )} if rows else {}
    existing = [(p.row.number, in_scope[p.id_number]) for p in rows if p.id_number in in_scope]
    new = [p for p in rows if p.id_number not in in_scope]
    taken = {by_lookup[found] for found in session.scalars(select(User.id_number_lookup).where(
        id_vault.holders_of(p.id_number for p in new)))} if new else set()
    for person in [p for p in new if p.id_number in taken]:
        problems.append(Problem(N_("an account outside your units already has the ID number %(id)s"),
                                {"id": mask_id(person.id_number)}, roster.place(person.row.number, "id_number")))
        new.remove(person)
    for person in new:
        typed = people.fold_username(cell_text(person.row.values.get("username")))
        # Only for new accounts: a row of someone who has one may repeat their username.
        if typed and people.username_taken(session, typed):
            problems.append(Problem(N_("the username %(name)s is taken"), {"name": typed},
                                    roster.place(person.row.number, "username")))
    if len(new) > MAX_NEW_ACCOUNTS:
        problems.append(Problem(N_("the file would create %(n)d accounts; at most %(max)d at a time"),
                                {"n": len(new), "max": MAX_NEW_ACCOUNTS}, roster.place()))
    created: list[CreatedAccount] = []
    if not problems:
        for person in new:
            account = _create(session, clock, actor, roster, person, problems)
            if account is not None:
                created.append(account)
    if problems:
        raise InvalidInput(sorted(problems, key=_row_of))
    audit.record(session, clock, actor, "user.import", "file", name or "-",
                 after={"rows": len(roster.rows), "created": len(created), "existing": len(existing)})
    return AccountImport(created, existing)


def _create(session: Session, clock: Clock, actor: User, roster: RosterFile, person: _Person,
            problems: list[Problem]) -> CreatedAccount | None:
    """One account, its problems (placed on the file's cell) added to ``problems``."""
    values = person.row.values
    typed = cell_text(values.get("username"))
    password = temporary_password(typed, cell_text(values.get("name")), person.id_number)
    try:
        user = people.create_user(
            session, clock, actor, username=typed, username_prefix=None if typed else GENERATED_PREFIX,
            display_name=cell_text(values.get("name")), password=password, unit=person.unit, roles=[Role.CADRE],
            id_number=person.id_number, current_post=cell_text(values.get("current_post")) or None,
            proposed_post=cell_text(values.get("proposed_post")) or None,
            phone=people.normalise_phone(cell_text(values.get("phone"))),
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            # The ID number was checked above; what is left is the username (or a rare race).
            key = problem.place if problem.place in ("id_number", "username") else None
            problems.append(Problem(problem.message, problem.params,
                                    roster.place(person.row.number, key) if key else roster.place(person.row.number)))
        return None
    return CreatedAccount(person.row.number, user, password)
