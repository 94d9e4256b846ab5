"""The exam page's messages for its script (``data-msg-*`` attributes), rendered once per
language and app.

They are the same for every attempt in one language, and they were about forty of the seventy
translations a 100-question exam page looked up on every view (issue 7). The cache holds one
small string per language, so it needs no bound; it lives in the app (a new deployment, or a
test's app, starts it afresh).

The page is rendered with :data:`MESSAGES_PLACE` where they go, and :func:`put_in` puts them
there, as ``paper.page_with`` puts the paper: nothing is marked safe (SEC-X4). What is put in is
the output of an autoescaped template holding only translated text.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale

_TEMPLATE = "candidate/_exam_messages.html"
_KEY = "examsvc.exam_messages"

#: Where candidate/attempt.html puts the messages. Nothing in it is escaped by the template.
MESSAGES_PLACE = "\x00exam-messages\x00"


def exam_messages() -> str:
    """The ``data-msg-*`` attributes of the exam page in the request's language, as HTML."""
    rendered: dict[str, str] = current_app.extensions.setdefault(_KEY, {})
    locale = str(get_locale())
    found = rendered.get(locale)
    if found is None:
        # Two threads rendering the same language at once store equal strings: no lock needed.
        found = rendered[locale] = render_template(_TEMPLATE)
    return found


def put_in(page: str) -> str:
    """``page`` (candidate/attempt.html rendered with ``messages_place``) with the messages in their place."""
    return page.replace(MESSAGES_PLACE, exam_messages(), 1)
