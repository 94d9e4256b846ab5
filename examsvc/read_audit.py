"""Reads of personal data and scores are audited (issue-10 trial F8): a view that shows or exports
them is decorated with :func:`audited_read`, and each answer it gives with a 2xx status writes a
``read.<what>`` audit event: who (the signed-in person; None for a records API token, which the
event's origin names), what object (type and id from the URL), the path and query, and where from
(the event's origin, :mod:`examsvc.audit_origin`). The event is committed before the answer
leaves, so nothing is shown that the audit log does not hold; a refused or failed request records
no read (refusals have their own events).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

from flask import make_response, request
from flask_login import current_user

from examsvc import database
from examsvc.extensions import clock
from question_bank import idnumbers
from question_bank.services import audit

#: Longest query string kept in a read event (characters); longer ones are kept cut, with their length.
MAX_QUERY_CHARS = 500


def _query() -> dict[str, Any]:
    """The request's query arguments as the event keeps them: URL-decoded ("+" and "%20" read as
    spaces, "%EF%BC%91" as "１"), so that a number however it was encoded is found, then ID numbers
    masked (issue-10 tester, item 1), and bounded."""
    text = idnumbers.redact(unquote_plus(request.query_string.decode("utf-8", "replace"), errors="replace"))
    if len(text) <= MAX_QUERY_CHARS:
        return {"query": text}
    return {"query": text[:MAX_QUERY_CHARS], "query_chars": len(text)}


def record_read(what: str, object_type: str, object_id: object) -> None:
    """Add and commit one ``read.<what>`` event about ``object_type`` ``object_id`` for this request."""
    reader = current_user._get_current_object() if current_user.is_authenticated else None
    audit.record(database.session(), clock(), reader, f"read.{what}", object_type, object_id,
                 after={"path": request.path, **_query()})
    database.commit()


def audited_read(what: str, object_type: str = "", id_arg: str | None = None) -> Callable:
    """Audit every successful answer of the decorated view as ``read.<what>`` about
    ``object_type`` with the id in the view's URL argument ``id_arg`` ("" without one: a list or
    a filtered summary, whose filter is in the query kept). Put it below the route and the access
    guard (it records only what was let through) and above a serialising decorator (flask-smorest's
    ``response``), so that it sees the finished response. The decorated view keeps
    ``audited_read`` = ``what`` for the tests that walk the routes."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            response = make_response(view(*args, **kwargs))
            if 200 <= response.status_code < 300:
                record_read(what, object_type, kwargs.get(id_arg, "") if id_arg else "")
            return response

        wrapped.audited_read = what  # type: ignore[attr-defined]
        return wrapped

    return decorate
