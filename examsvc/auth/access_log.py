"""Who did what from where (SEC-A1, SEC-P3): sign-in, sign-out, failed and throttled sign-ins and
refused authorisation are audit events carrying the client address, the user agent and the roles.

The address is ``request.remote_addr``: with ``PROXY_HOPS`` set, werkzeug's ``ProxyFix`` has
replaced it by the address the last trusted proxy saw, so a client's own ``X-Forwarded-For``,
``X-Real-IP`` or ``Forwarded`` header changes nothing. Values are stored as JSON strings (never
written into a log line): the user agent whole (a longer one than ``audit_origin.MAX_AGENT_CHARS``
is refused before any view), a typed name cut to a bounded length.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from examsvc import audit_origin, database
from examsvc.access import ROLES_NEEDED
from examsvc.extensions import clock
from examsvc.records_api import is_token_request
from question_bank import idnumbers
from question_bank.models import User
from question_bank.services import audit

MAX_NAME_CHARS = 100


def client_address() -> str:
    return request.remote_addr or ""


def client_context(user: User | None = None) -> dict[str, Any]:
    """The request's address, user agent and, for a known account, its roles."""
    context = {"address": client_address(), "agent": audit_origin.user_agent()}
    if user is not None:
        context["roles"] = sorted(map(str, user.roles))
    return context


def record_access(action: str, user: User | None, actor: User | None, **extra: Any) -> None:
    """Add an access event (``auth.*``) about account ``user`` (None: no such account), done by
    ``actor`` (None: someone not signed in), to the request's transaction. The caller commits."""
    after = {**client_context(user), **{k: (_kept_text(v) if isinstance(v, str) else v) for k, v in extra.items()}}
    audit.record(database.session(), clock(), actor, action, "user", user.id if user is not None else "", after=after)


def _kept_text(value: str) -> str:
    """A typed value as the access log keeps it: bounded, and any ID number in it masked (a cadre
    may type theirs as the sign-in name; SEC-P2)."""
    return idnumbers.redact(value[:MAX_NAME_CHARS])


#: ``g`` attribute a view sets to the roles it refused to give (``auth.routes.offer_grantable_roles``),
#: kept in the refusal's audit event.
REFUSED_ROLES = "refused_roles"


def _is_refusal(response: Response) -> bool:
    """A 403; or a 404 of a route that matched, to someone signed in: an object not theirs, or an id
    that does not exist, which answer alike (SEC-A1) and are both refusals (walking ids shows up)."""
    if response.status_code == 403:
        return True
    return (response.status_code == 404 and request.url_rule is not None and request.endpoint != "static"
            and current_user.is_authenticated)


def _refused(response: Response) -> Response:
    """One audit event per refusal (SEC-A1, SEC-P3), with who asked for what from where, in a
    transaction of its own, committed before the response leaves (case C-25)."""
    # The records API audits its own refusals with the token (``records_api.token_auth``).
    if _is_refusal(response) and not is_token_request():
        db = database.session()
        db.rollback()
        user = current_user._get_current_object() if current_user.is_authenticated else None
        needed = {ROLES_NEEDED: getattr(g, ROLES_NEEDED)} if hasattr(g, ROLES_NEEDED) else {}
        if hasattr(g, REFUSED_ROLES):
            needed[REFUSED_ROLES] = getattr(g, REFUSED_ROLES)
        record_access("auth.refused", user, user, method=request.method, path=request.path[:MAX_NAME_CHARS],
                      endpoint=request.endpoint or "", status=response.status_code, **needed)
        database.commit()
    return response


class CheckedForwardedAddress:
    """WSGI middleware under werkzeug's ``ProxyFix``: the client address ProxyFix took from
    X-Forwarded-For is kept only when it is an IP address (``ipaddress.ip_address``); anything else
    ("not-an-ip", "<b>x</b>", "1.2.3.4:80") is replaced by the connecting peer's address (the proxy's,
    as ProxyFix saved it), and ``audit_origin.FORWARDED_UNUSABLE`` is set so that the audit origin says so
    (issue-10 tester item 4). The address recorded and used as a throttle key is so always an
    address."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        peer = (environ.get("werkzeug.proxy_fix.orig") or {}).get("REMOTE_ADDR")
        address = environ.get("REMOTE_ADDR")
        if peer is not None and address != peer:
            try:
                ipaddress.ip_address(address or "")
            except ValueError:
                environ["REMOTE_ADDR"] = peer
                environ[audit_origin.FORWARDED_UNUSABLE] = True
        return self.app(environ, start_response)


def register(app: Flask) -> None:
    """Trust ``PROXY_HOPS`` proxies for the client address (none by default), an address only
    (:class:`CheckedForwardedAddress`), and audit refusals."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(CheckedForwardedAddress(app.wsgi_app),  # type: ignore[method-assign]
                                x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_refused)
