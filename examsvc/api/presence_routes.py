"""JSON endpoints of one active device (domain.md §6): a loaded exam page claims its attempt, and
takes it over from another page once the candidate confirms."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from examsvc import database
from examsvc.access import actor
from examsvc.api.routes import _json_body, bp
from examsvc.extensions import clock
from question_bank.services import attempts, presence


def _client() -> presence.Client:
    # remote_addr is the address after the configured trusted proxy hops (ProxyFix), never a
    # header the client chose.
    return presence.Client.of(request.remote_addr, request.headers.get("User-Agent"))


def _reply(found: presence.Presence) -> dict[str, Any]:
    return {"held_here": found.held_here, "since": found.since.isoformat() if found.since else None}


def _locked(attempt_id: int):
    """The candidate's attempt, locked; one found overdue is closed and that closure committed
    before the refusal that follows (case C-25)."""
    attempt = attempts.touch(database.session(), clock(), actor(), attempt_id)
    if not attempt.is_open:
        database.commit()
    return attempt


@bp.post("/attempts/<int:attempt_id>/presence")
def claim(attempt_id: int):
    """A page has loaded: ``{"page": "<its token>", "previous": "<the token this tab had before>"}``.
    ``{"held_here": true}`` when it now holds the attempt; false when another page does (the
    page then asks "continue here?"). 409 once the attempt is closed, and 409 ``"error": "time_up"``
    for any page but the holder from the deadline on (the attempt is being handed in)."""
    body = _json_body()
    page = attempts.page_token(body.get("page"), required=True)
    previous = attempts.page_token(body.get("previous"))
    attempt = _locked(attempt_id)
    found = presence.claim(database.session(), clock(), attempt, page, previous, _client())
    database.commit()
    return jsonify(_reply(found))


@bp.post("/attempts/<int:attempt_id>/takeover")
def take_over(attempt_id: int):
    """The candidate chose "continue here": ``{"page": "<token>"}``. The page holds the attempt
    from now on; the one that held it becomes read-only. 409 once the attempt is closed, and 409
    ``"error": "time_up"`` from the deadline on: no page takes over an attempt being handed in."""
    body = _json_body()
    page = attempts.page_token(body.get("page"), required=True)
    attempt = _locked(attempt_id)
    found = presence.take_over(database.session(), clock(), attempt, page, _client())
    database.commit()
    return jsonify(_reply(found))
