"""Flask extensions, created once here and bound to an app in ``create_app`` (init_app pattern)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from question_bank.clock import Clock, SystemClock

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"

_SYSTEM_CLOCK = SystemClock()


def clock() -> Clock:
    """The app's clock: the system clock, or the one a test configured."""
    return current_app.config.get("CLOCK") or _SYSTEM_CLOCK


def select_locale() -> str:
    """The language the person chose (kept in their session), else Chinese."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def wants_json() -> bool:
    """Whether the caller is the exam page's script or an API client rather than a browser page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
