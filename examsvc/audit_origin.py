"""Where an audited action came in (issue-10 trial F9): the origin stamped on every audit event
a request or a command records (``AuditEvent.origin``, covered by the event's hash).

- a request for the records API (``/api/v1``): channel ``api``, with the token's id once known;
- any other request (pages, and the exam page's script with its session cookie): channel ``web``;
- both with the client ``address`` (``request.remote_addr``: with ``PROXY_HOPS`` set, the address
  the last trusted proxy saw, through werkzeug's ``ProxyFix``; a client's own X-Forwarded-For
  changes nothing; a forwarded value that is no IP address is replaced by the proxy's own address
  and ``forwarded_for_unusable`` set) and the whole user ``agent``;
- a ``flask --app wsgi <command>``: channel ``cli`` with the command's name;
- the import worker stamps its own (``question_bank.import_worker``; channel ``worker``).

A user agent longer than :data:`MAX_AGENT_CHARS` is refused with 431 before anything is done, so
the agent recorded is always the whole one, never silently cut.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, has_request_context, request
from flask_babel import gettext
from werkzeug.exceptions import RequestHeaderFieldsTooLarge

from examsvc.records_api import is_token_request
from question_bank.models import ApiToken
from question_bank.services.audit import ORIGIN_KEY, Channel
from sqlalchemy.orm import Session

#: Longest User-Agent accepted (characters). Browsers send 100-250; in-app browsers (WeChat,
#: DingTalk) with their extra tokens up to about 500. Longer is refused, not cut.
MAX_AGENT_CHARS = 2048
#: WSGI environ key set (to True) when the trusted proxies' X-Forwarded-For gave no IP address and
#: the connecting peer's address was used instead (``auth.access_log.CheckedForwardedAddress``).
FORWARDED_UNUSABLE = "examsvc.forwarded_for_unusable"


def user_agent() -> str:
    """The request's whole User-Agent ("" without one); at most :data:`MAX_AGENT_CHARS` characters,
    since a longer one is refused before any view runs (:func:`register`)."""
    return request.headers.get("User-Agent", "")


def current() -> dict[str, Any] | None:
    """The origin of what is recorded now: the request's, else the command's; None outside both."""
    if has_request_context():
        channel = Channel.API if is_token_request() else Channel.WEB
        origin = {"channel": str(channel), "address": request.remote_addr or "", "agent": user_agent()}
        if request.environ.get(FORWARDED_UNUSABLE):
            origin["forwarded_for_unusable"] = True  # the proxies' X-Forwarded-For held no address
        return origin
    command = click.get_current_context(silent=True)
    if command is not None:
        return {"channel": str(Channel.CLI), "command": command.info_name or ""}
    return None


def session_info() -> dict[str, Any]:
    """``Session.info`` for a new session: the current origin, when there is one."""
    origin = current()
    return {} if origin is None else {ORIGIN_KEY: origin}


def note_token(session: Session, token: ApiToken) -> None:
    """Add the records API token now known to the origin of what ``session`` records next."""
    origin = session.info.get(ORIGIN_KEY)
    if origin is not None:
        session.info[ORIGIN_KEY] = {**origin, "token": token.id}


class UserAgentTooLong(RequestHeaderFieldsTooLarge):
    """A User-Agent longer than :data:`MAX_AGENT_CHARS`: refused rather than recorded cut."""


def _refuse_long_agent() -> None:
    if len(user_agent()) > MAX_AGENT_CHARS:
        raise UserAgentTooLong(gettext(
            "Your browser identifies itself (User-Agent) in more than %(limit)d characters, more than this "
            "service records. Use an ordinary browser, or remove what was added to its identification.",
            limit=MAX_AGENT_CHARS))


def register(app: Flask) -> None:
    """Refuse over-long user agents before any other check or view runs (register it first)."""
    app.before_request(_refuse_long_agent)
