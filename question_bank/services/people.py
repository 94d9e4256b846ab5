"""Organisation units and people: creating them, passwords, and who may see whom (domain.md §2)."""

from __future__ import annotations

import functools
import string
import unicodedata
from collections.abc import Iterable

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload, load_only
from werkzeug.security import check_password_hash, generate_password_hash

from question_bank import id_vault, idnumbers
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.field_limits import too_long
from question_bank.idnumbers import InvalidIdNumber, local_date, parse_id_number
from question_bank.models import OrgUnit, Role, UnitLevel, User, UserRole
from question_bank.services import audit, protection
from question_bank.services.passwords import MIN_PASSWORD_LENGTH, normalise_password, password_problems
from question_bank.text import hidden_character_problems

#: werkzeug's scrypt parameters (its default method), stated so the hash format is a decision.
#: Read at each call (:func:`hash_password`, the dummy hash), so a changed value takes effect at
#: once (the tests set a cheap one).
PASSWORD_METHOD = "scrypt"
#: Longest username the account table holds (after folding, which may lengthen a name).
MAX_USERNAME_LENGTH = 80
#: The characters a username may hold: ASCII letters and digits and ". _ - @", what Chinese
#: government systems take (pinyin, job numbers, phone numbers, e-mail addresses). Letters of other
#: scripts are left out because some look exactly like Latin ones (Cyrillic "с", Latin "c"): two
#: accounts could otherwise have names nobody can tell apart by reading them.
USERNAME_CHARACTERS = frozenset(string.ascii_letters + string.digits + "._-@")


def hash_password(password: str) -> str:
    """The stored hash of a password: werkzeug's :data:`PASSWORD_METHOD` over its NFKC form
    (``passwords.normalise_password``; letter case kept), so that the same password typed with an
    input method in full-width mode signs in too (F10-02, SP 800-63B §5.1.1.2). The method is the
    one in force at the call, e.g. ``"scrypt:32768:8:1$<salt>$<hex>"``."""
    return generate_password_hash(normalise_password(password), method=PASSWORD_METHOD)


def password_matches(stored: str, typed: str) -> bool:
    """True when ``typed`` is the password ``stored`` (a :func:`hash_password` hash) was made from,
    typed in any width. A hash made before passwords were normalised is of the password exactly as
    typed then, so when NFKC changes what is typed that exact form is tried as well (only then: a
    plain ASCII password is checked once)."""
    normal = normalise_password(typed)
    return check_password_hash(stored, normal) or (normal != typed and check_password_hash(stored, typed))


def fold_username(text: str) -> str:
    """A username as it is stored and compared: NFKC-folded (full-width "ｃａｄｒｅ１" is "cadre1",
    an ideographic space a plain one) and without the space around it. Letter case is kept here;
    comparisons ignore it (``lower()`` on both sides, as the unique index on ``lower(username)``)."""
    return unicodedata.normalize("NFKC", text or "").strip()


def normalise_phone(text: str | None) -> str | None:
    """A phone number as it is stored, from the account form and the account import alike (issue
    10, item 6): NFKC-folded, so full-width digits, "＋" and "－" (what a Chinese input method in
    full-width mode types) are their ASCII forms, and without the space around it; None when empty.
    The digits are the same number: nothing is lost, and the caller may say so
    (:func:`phone_was_folded`). Separators inside ("138-0013-8000") are kept as typed."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return folded or None


def phone_was_folded(text: str | None) -> bool:
    """True when :func:`normalise_phone` changes more than the space around ``text``: the person
    typed full-width characters, stored as their ordinary forms."""
    return (text or "").strip() != (normalise_phone(text) or "")


def username_problem(username: str) -> Problem | None:
    """What is wrong with a folded username (:func:`fold_username`), placed on ``username``, or
    None: empty, too long, holding a character other than those of :data:`USERNAME_CHARACTERS`
    (a space, an invisible character, a letter of another script that may look like a Latin one;
    the message names the position of the first such character, 1 for the first), or laid out like
    an ID number (:func:`question_bank.idnumbers.looks_like_id_number`)."""
    if not username:
        return Problem(N_("the username is empty"), place="username")
    if len(username) > MAX_USERNAME_LENGTH:
        return Problem(N_("the username may have at most %(n)d characters"), {"n": MAX_USERNAME_LENGTH}, "username")
    for position, char in enumerate(username, start=1):
        if char not in USERNAME_CHARACTERS:
            return Problem(N_("the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
                              "character %(position)d is none of these"), {"position": position}, "username")
    if idnumbers.looks_like_id_number(username):
        # Cadres sign in with their ID number too: a username laid out like one would take over the
        # sign-in of whoever holds that number, in any unit (a username is looked up first).
        return Problem(N_("the username must not be laid out like an ID number (17 digits and a digit or X, or "
                          "15 digits): cadres sign in with their ID number"), place="username")
    return None


def create_unit(session: Session, clock: Clock, name: str, level: UnitLevel, parent: OrgUnit | None = None) -> OrgUnit:
    """Add a unit under ``parent`` (None for a root) and give it its materialised path."""
    unit = OrgUnit(name=name, level=level, parent=parent, created_at=clock.now())
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def create_user(
    session: Session,
    clock: Clock,
    actor: User | None,
    *,
    username: str,
    display_name: str,
    password: str,
    unit: OrgUnit,
    roles: Iterable[Role],
    username_prefix: str | None = None,
    **profile: str | None,
) -> User:
    """Add a person. ``actor`` None is the system (demo loader, first sysadmin from the CLI).

    Only a sysadmin may create accounts, and only in their own subtree. ``profile`` takes
    ``id_number``, ``current_post``, ``proposed_post``, ``rank``, ``phone``. With
    ``username_prefix`` the username is made from it and the new id ("cadre-1207", a suffix "-2"
    if taken) and ``username`` is only a placeholder, never stored.

    The username is stored NFKC-folded, without the space around it (:func:`fold_username`), letter
    case as typed; it may hold only ASCII letters, digits and ". _ - @" (:func:`username_problem`)
    and must differ from every other username in more than letter case, since signing in folds the
    typed name the same way and ignores case (:func:`authenticate`). An ID
    number is checked by :func:`question_bank.idnumbers.parse_id_number` (GB 11643-1999; a birth
    date after the clock's date in China is refused), stored normalised (upper-case "X") and sealed
    (:func:`question_bank.id_vault.store`), and must not belong to another account: rosters match
    people by it.
    A password an administrator sets must pass the policy
    (:func:`question_bank.services.passwords.password_problems`) and is changed by its owner at
    first sign-in (``must_change_password``); the system's accounts (demo, CLI) need only its length.
    An administrator of a unit below the top one gives no role that acts on the whole province
    (:func:`question_bank.services.protection.require_grantable`: :class:`protection.RolesNotGrantable`).
    Raises :class:`PermissionDenied` or :class:`InvalidInput` (empty, malformed or taken username,
    short or common password, invalid or taken ID number, a control or invisible character in the
    name or a profile text: :func:`question_bank.text.hidden_character_problems`), each problem
    placed on its field.
    """
    if actor is not None and not protection.may(actor, (Role.SYSADMIN,), unit):
        raise PermissionDenied()
    roles = list(roles)
    if actor is not None:
        protection.require_grantable(actor, roles)
    problems = []
    username = fold_username(username)
    invalid = None if username_prefix else username_problem(username)
    if username_prefix:
        pass  # made from the new id below
    elif invalid is not None:
        problems.append(invalid)
    elif username_taken(session, username):
        problems.append(Problem(N_("the username %(name)s is taken"), {"name": username}, "username"))
    if actor is not None:
        number = (profile.get("id_number") or "").strip()
        problems += password_problems(password, username, id_number=idnumbers.normalise(number) if number else None,
                                      display_name=display_name)
    elif len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password needs at least %(n)d characters"), {"n": MIN_PASSWORD_LENGTH}, "password"))
    if "phone" in profile:
        profile["phone"] = normalise_phone(profile["phone"])
    typed = {"display_name": display_name, **{k: v for k, v in profile.items() if k != "id_number"}}
    problems.extend(too_long(User, typed))
    problems.extend(hidden_character_problems(typed))
    if (profile.get("id_number") or "").strip():
        try:
            profile["id_number"] = parse_id_number(profile["id_number"], today=local_date(clock.now()))
        except InvalidIdNumber as exc:
            problems.append(Problem(exc.message, place="id_number"))
        else:
            if id_number_taken(session, profile["id_number"]):
                problems.append(Problem(N_("another account already has this ID number"), place="id_number"))
    else:
        profile["id_number"] = None
    if problems:
        raise InvalidInput(problems)
    id_number = profile.pop("id_number")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        org_unit=unit,
        created_at=clock.now(),
        # An administrator's initial password is known to two people: the owner replaces it.
        must_change_password=actor is not None,
        **profile,
    )
    id_vault.store(user, id_number)
    user.role_rows = [UserRole(role=str(r)) for r in sorted(set(roles))]
    session.add(user)
    session.flush()
    if username_prefix:
        user.username = _free_username(session, f"{username_prefix}{user.id}")
        session.flush()
    audit.record(session, clock, actor, "user.create", "user", user.id,
                 after={"username": user.username, "roles": sorted(map(str, user.roles)), "unit": unit.id})
    return user


def _free_username(session: Session, wanted: str) -> str:
    name, suffix = wanted, 1
    while username_taken(session, name):
        suffix += 1
        name = f"{wanted}-{suffix}"
    return name


def username_taken(session: Session, username: str) -> bool:
    """True when an account's username equals ``username`` once folded (:func:`fold_username`),
    ignoring letter case (as the database folds it: ``lower()`` on both sides, so the comparison,
    the unique index and sign-in agree)."""
    return session.scalar(
        select(User.id).where(func.lower(User.username) == func.lower(fold_username(username))).limit(1)
    ) is not None


def id_number_taken(session: Session, id_number: str) -> bool:
    """True when an account holds ``id_number`` (compared by keyed hash once normalised, ``id_vault``)."""
    return session.scalar(select(User.id).where(id_vault.is_holder(id_number)).limit(1)) is not None


def sign_in_account(session: Session, name: str) -> User | None:
    """The account a typed sign-in name stands for, active or not: the username, folded as stored
    names are (:func:`fold_username`: full-width letters and digits, surrounding space) with letter
    case ignored; else, for a cadre, their resident ID number (as many exam systems for cadres
    allow; width, spaces, hyphens and dashes and a lower-case "x" folded as ``idnumbers.normalise`` does). A username
    wins over someone else's ID number; no username made since :func:`username_problem` refused
    the layout can be one."""
    folded = fold_username(name)
    user = session.scalar(select(User).where(func.lower(User.username) == func.lower(folded)))
    number = idnumbers.normalise(name)  # spaces or hyphens typed inside the number are dropped, as everywhere
    if user is None and len(number) == idnumbers.LENGTH:
        candidate = session.scalar(select(User).where(id_vault.is_holder(number)))
        if candidate is not None and candidate.has_role(Role.CADRE):
            user = candidate
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this sign-in name (:func:`sign_in_account`) and password, or None. The
    hash is checked even for an unknown name, so response time does not tell which names exist."""
    user = sign_in_account(session, username)
    right = password_right(user, password)  # checked whether or not the account exists
    return user if (right and user.is_active) else None


def password_right(user: User | None, password: str) -> bool:
    """True when ``password`` is ``user``'s, enabled or not; False for no account, after checking
    it against a dummy hash of the same cost, so that the time taken does not tell whether the
    account exists. One hash check either way."""
    hashed = user.password_hash if user else _dummy_hash(PASSWORD_METHOD)
    ok = password_matches(hashed, password)
    return user is not None and ok


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash no password matches, checked for an unknown name so that it costs what an account's
    check costs: made with the method accounts are hashed with (one per method, kept)."""
    return generate_password_hash("not-a-real-password", method=method)


# Made at import, as before, so the first unknown name takes no longer than the next ones.
_dummy_hash(PASSWORD_METHOD)


#: What :func:`load_session_user` reads: a user's columns a request needs, and their roles. Built
#: once (building it cost more CPU than running it).
_SESSION_USER = select(User).where(User.id == bindparam("user_id")).options(
    load_only(User.id, User.username, User.display_name, User.org_unit_id, User.is_active, User.session_epoch,
              User.must_change_password),
    joinedload(User.role_rows))


def load_session_user(session: Session, token: str) -> User | None:
    """The user a session token ("id:epoch", see ``User.get_id``) stands for, if still valid, with
    their roles: one statement. Columns beyond those a request needs load when first read."""
    user_id, _, epoch = token.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and epoch.isascii() and epoch.isdigit()):
        return None
    # One statement, roles included, and only the columns a request reads of its signed-in person
    # (the page header, the rules every request passes): this runs on every request, the autosave
    # included. The others (the password hash, the sealed ID number, posts, phone) are loaded only
    # if a request asks for them (e.g. changing the password).
    user = session.scalars(_SESSION_USER, {"user_id": int(user_id)}).unique().one_or_none()
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def users_in_scope(actor: User) -> Select[tuple[User]]:
    """A query for the people in the actor's unit subtree (staff scope, domain.md §2)."""
    return protection.scoped(User, actor)


def units_in_scope(session: Session, actor: User) -> list[OrgUnit]:
    """The actor's unit and every unit below it, in tree order."""
    return list(session.scalars(
        select(OrgUnit).where(protection.in_subtree(actor.org_unit)).order_by(OrgUnit.path)
    ))


def unit_paths(session: Session, units: Iterable[OrgUnit], below: OrgUnit | None = None,
               separator: str = " / ") -> dict[int, str]:
    """Each unit's id → the names along its path, e.g. "甲市 / 司法局", so that two departments of the
    same name in different cities can be told apart.

    The path starts at the root, or with ``below`` given (the viewer's own unit) just below it: the
    levels every unit in view shares are left out. ``below`` itself keeps its name."""
    units = list(units)
    skip = len(_path_ids(below)) if below is not None else 0
    ids = {part for unit in units for part in _path_ids(unit)}
    names = {unit_id: name for unit_id, name in session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))
    )} if ids else {}
    labels = {}
    for unit in units:
        parts = _path_ids(unit)
        shown = (parts[skip:] or parts[-1:]) if below is not None and below.contains(unit) else parts
        labels[unit.id] = separator.join(names[part] for part in shown)
    return labels


def _path_ids(unit: OrgUnit) -> list[int]:
    """The ids on a unit's materialised path "/1/4/9/", root first."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]
