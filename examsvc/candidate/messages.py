"""The exam page's messages for its script (``data-msg-*`` attributes), rendered once per
language and worker.

They are the same for every attempt in one language, and they were about forty of the seventy
translations a 100-question exam page looked up on every view (issue 7). The cache holds one
small string per language, so it needs no bound; it lives in the app (a new deployment, or a
test's app, starts it afresh).
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

_TEMPLATE = "candidate/_exam_messages.html"
_KEY = "examsvc.exam_messages"


def exam_messages() -> Markup:
    """The ``data-msg-*`` attributes of the exam page in the request's language, as markup."""
    rendered: dict[str, Markup] = current_app.extensions.setdefault(_KEY, {})
    locale = str(get_locale())
    found = rendered.get(locale)
    if found is None:
        # Two threads rendering the same language at once store equal strings: no lock needed.
        found = rendered[locale] = Markup(render_template(_TEMPLATE))
    return found


def register(app: Flask) -> None:
    """Make :func:`exam_messages` available to templates."""
    app.add_template_global(exam_messages)
