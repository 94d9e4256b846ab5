"""The one place the records API decides who may read what: :func:`token_required`.

Only ``Authorization: Bearer <token>`` counts. A session cookie is never looked at here (and
Flask-Login has no request loader, so a token never signs anyone in to a page). No CSRF token is
needed: a browser cannot be made to send a bearer header to another site. Every answered request
and every refusal is in the audit log, committed before the view runs or the refusal is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from flask_babel import gettext

from examsvc import audit_origin, database
from examsvc.auth.access_log import client_context
from examsvc.extensions import clock
from question_bank.models import ApiToken
from question_bank.services import api_tokens
from question_bank.services.api_tokens import Refusal, Scope, TokenRefused

#: What the API calls its realm in ``WWW-Authenticate`` (RFC 6750).
REALM = "examsvc records"


def _presented() -> str | None:
    """The bearer token of the request, None without one. A header of another scheme is
    malformed, given back as "" so that it is refused as such."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _refusal_response(refusal: TokenRefused):
    if refusal.reason == Refusal.SCOPE:
        body = {"error": "forbidden", "reason": str(refusal.reason),
                "message": gettext("This token may not read this: it lacks the scope this request needs.")}
        return jsonify(body), 403
    messages = {
        Refusal.MISSING: gettext("Send an API token as Authorization: Bearer <token>."),
        Refusal.MALFORMED: gettext("This is not an API token of this service."),
        Refusal.UNKNOWN: gettext("This API token is not known."),
        Refusal.REVOKED: gettext("This API token was revoked."),
        Refusal.EXPIRED: gettext("This API token has expired."),
    }
    response = jsonify({"error": "unauthenticated", "reason": str(refusal.reason), "message": messages[refusal.reason]})
    challenge = f'Bearer realm="{REALM}"'
    if refusal.reason != Refusal.MISSING:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response, 401


def token_required(scope: Scope) -> Callable:
    """Let a view answer only a request whose bearer token is known, neither revoked nor expired,
    and holds ``scope``; the token is then ``current_token()``.

    Refusals: 401 (no token, not one of ours, unknown, revoked, expired) with ``WWW-Authenticate``,
    403 (the token lacks ``scope``), each a JSON body ``{"error", "reason", "message"}`` and an
    ``api_token.refuse`` audit event. An accepted request is audited (``api_token.use``) and the
    token's last use noted before the view runs, so a request that then fails is still on record.
    The scope is kept on the view as ``required_scope`` for the authorisation table.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            db = database.session()
            try:
                token = api_tokens.authenticate(db, clock(), _presented(), scope)
            except TokenRefused as refusal:
                api_tokens.record_refusal(db, clock(), refusal, request.path, client_context())
                database.commit()
                return _refusal_response(refusal)
            audit_origin.note_token(db, token)
            api_tokens.record_use(db, clock(), token, request.path, request.query_string.decode("latin-1"),
                                  client_context())
            database.commit()
            g.api_token = token
            return view(*args, **kwargs)

        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorate


def current_token() -> ApiToken:
    """The token of the request (views behind :func:`token_required` only)."""
    return g.api_token
