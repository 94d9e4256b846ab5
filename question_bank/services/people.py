"""Organisation units and people: creating them, passwords, and who may see whom (domain.md §2)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.models import OrgUnit, Role, UnitLevel, User, UserRole
from question_bank.services import audit

#: werkzeug's scrypt parameters (its default method), stated so the hash format is a decision.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 8


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
    **profile: str | None,
) -> User:
    """Add a person. ``actor`` None is the system (demo loader, first sysadmin from the CLI).

    Only a sysadmin may create accounts, and only in their own subtree. ``profile`` takes
    ``id_number``, ``current_post``, ``proposed_post``, ``rank``, ``phone``.
    Raises :class:`PermissionDenied` or :class:`InvalidInput` (taken username, short password).
    """
    if actor is not None and not (actor.has_role(Role.SYSADMIN) and actor.org_unit.contains(unit)):
        raise PermissionDenied()
    problems = []
    if not username.strip():
        problems.append(Problem(N_("the username is empty"), place="username"))
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(Problem(N_("the username %(name)s is taken"), {"name": username}, "username"))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password needs at least %(n)d characters"), {"n": MIN_PASSWORD_LENGTH}, "password"))
    if problems:
        raise InvalidInput(problems)
    user = User(
        username=username.strip(),
        display_name=display_name,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        org_unit=unit,
        created_at=clock.now(),
        **profile,
    )
    user.role_rows = [UserRole(role=str(r)) for r in sorted(set(roles))]
    session.add(user)
    session.flush()
    audit.record(session, clock, actor, "user.create", "user", user.id,
                 after={"username": user.username, "roles": sorted(map(str, user.roles)), "unit": unit.id})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None. The hash is checked even for an
    unknown name, so response time does not tell which names exist."""
    user = session.scalar(select(User).where(User.username == username))
    hashed = user.password_hash if user else _DUMMY_HASH
    ok = check_password_hash(hashed, password)
    return user if (user and ok and user.is_active) else None


_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def load_session_user(session: Session, token: str) -> User | None:
    """The user a session token ("id:epoch", see ``User.get_id``) stands for, if still valid."""
    user_id, _, epoch = token.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def users_in_scope(actor: User) -> Select[tuple[User]]:
    """A query for the people in the actor's unit subtree (staff scope, domain.md §2)."""
    return select(User).join(OrgUnit, User.org_unit_id == OrgUnit.id).where(
        OrgUnit.path.startswith(actor.org_unit.path, autoescape=True)
    )


def units_in_scope(session: Session, actor: User) -> list[OrgUnit]:
    """The actor's unit and every unit below it, in tree order."""
    return list(session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(actor.org_unit.path, autoescape=True)).order_by(OrgUnit.path)
    ))
