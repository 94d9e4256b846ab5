"""Who may call what. Every blueprint states its roles once (deny by default): see ``guard``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from question_bank.models import Role, User
from examsvc import database
from examsvc.extensions import clock, login_manager
from question_bank.services import audit


def actor() -> User:
    """The signed-in person (views behind ``guard`` only)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _check(roles: tuple[Role, ...]) -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if roles and not current_user.has_role(*roles):
        _audit_refusal(roles)
        abort(403)
    return None


def _audit_refusal(roles: tuple[Role, ...]) -> None:
    """Keep who was refused what, committed before the 403 (case C-25: a refusal that should leave
    an audit entry leaves it)."""
    audit.record(database.session(), clock(), actor(), "access.refused", "path", request.path[:40],
                 after={"method": request.method, "path": request.path, "roles_needed": sorted(str(r) for r in roles)})
    database.commit()


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
