"""Who may call what. Every blueprint states its roles once (deny by default): see ``guard``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g
from flask_login import current_user

from examsvc import database
from examsvc.auth import session_claim
from examsvc.extensions import login_manager
from question_bank.db import read_outside_transaction
from question_bank.models import Role, User
from question_bank.services.people import load_session_user


def actor() -> User:
    """The signed-in person (views behind ``guard`` only)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the person the session names, with their roles, in one statement
    (``people.load_session_user``), usually the request's first.

    On SQLite it is read without taking the write lock (:func:`read_outside_transaction`), so a
    request holds the lock only around its own writes. On PostgreSQL the pool does not ping
    connections (``examsvc.database.init_app``): a connection the server dropped fails here, is
    discarded with every connection made before it, and the lookup runs once more on a new one."""
    db = database.session()

    def lookup() -> User | None:
        with read_outside_transaction(db):
            return load_session_user(db, token)

    return database.first_statements(lookup)


#: Where a refusal by role leaves the roles it needed, for the one audit event every refusal gets
#: (``examsvc.auth.access_log``, committed before the response leaves: case C-25).
ROLES_NEEDED = "roles_needed"


def _check(roles: tuple[Role, ...]) -> Any:
    if session_claim.deferred() is not None:
        return None  # the view checks the person and role in its own statement (session_claim)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if roles and not current_user.has_role(*roles):
        setattr(g, ROLES_NEEDED, sorted(str(r) for r in roles))
        abort(403)
    return None


def guard(blueprint: Blueprint, *roles: Role) -> None:
    """Require a signed-in person holding one of ``roles`` for every view of ``blueprint``."""
    blueprint.before_request(lambda: _check(roles))


def roles_required(*roles: Role) -> Callable:
    """Narrow one view further than its blueprint's guard."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return _check(roles) or view(*args, **kwargs)

        return wrapped

    return decorate
