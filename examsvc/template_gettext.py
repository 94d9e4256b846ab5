"""The templates' ``_`` / ``gettext`` / ``ngettext`` / ``pgettext``, looking the request's
translations up once per request instead of once per call.

Flask-Babel installs callables that find the translations anew on every call (the request
context, the locale, the domain's cache), about 14 µs each; the 100-question exam page calls them
about 70 times per render, a fifth of its CPU (issue 7, ``cProfile`` of the exam page). These
take the translations from ``flask.g`` after the first call of a request. The locale never changes
within a request here (nothing uses ``flask_babel.force_locale``); should it come to, call
:func:`forget` after changing it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from flask_babel import get_translations

_KEY = "_template_translations"


def translations() -> Any:
    """The request's Babel translations, looked up once per request (outside a request: every call)."""
    if not has_request_context():
        return get_translations()
    found = g.get(_KEY)
    if found is None:
        found = get_translations()
        setattr(g, _KEY, found)
    return found


def forget() -> None:
    """Drop the request's cached translations (after a change of locale within the request)."""
    g.pop(_KEY, None)


def register(app: Flask) -> None:
    """Replace Flask-Babel's template callables with :func:`translations`-backed ones (call after
    ``babel.init_app``). Same strings, same newstyle formatting and autoescaping (Jinja wraps them)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
