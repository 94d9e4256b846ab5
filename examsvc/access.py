"""Who may call what. Every blueprint states its roles once (deny by default): see ``guard``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g
from flask_login import current_user

from question_bank.models import Role, User
from examsvc.extensions import login_manager


def actor() -> User:
    """The signed-in person (views behind ``guard`` only)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


#: Where a refusal by role leaves the roles it needed, for the one audit event every refusal gets
#: (``examsvc.auth.access_log``, committed before the response leaves: case C-25).
ROLES_NEEDED = "roles_needed"


def _check(roles: tuple[Role, ...]) -> Any:
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
