"""JSON endpoints the exam page's script calls: attempt state, autosave, submit, leaving the page.

Every answer here is the same shape whichever option is the key, and carries no key, no
explanation and no per-option score (case C-17). Writes need the CSRF token in ``X-CSRFToken``
and a JSON body; fields other than the documented ones are ignored (SEC-A4).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for

from examsvc import database
from examsvc.access import actor, guard
from examsvc.extensions import clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, Role
from question_bank.services import attempts, results
from question_bank.services import focus as focus_service

bp = Blueprint("api", __name__, url_prefix="/api")
guard(bp, Role.CADRE)


def _status_json(attempt: Attempt) -> dict[str, Any]:
    status = attempts.status(database.session(), clock(), attempt)
    body: dict[str, Any] = {
        "attempt_id": attempt.id,
        "state": str(status.state),
        "server_time": status.server_time.isoformat(),
        "deadline": status.deadline.isoformat(),
        "remaining_s": status.remaining_s,
        "answered": status.answered,
        "total": status.total,
    }
    if attempt.is_open:
        # So that a page open on another device can show what is stored now.
        body["responses"] = {str(slot): answer for slot, answer in status.responses.items()}
    if not attempt.is_open:
        body["finished_at"] = attempt.finished_at.isoformat() if attempt.finished_at else None
        body["result_url"] = url_for("candidate.result", attempt_id=attempt.id)
        body["awaiting_marking"] = attempt.score is None
        shown = results.disclosure(database.session(), attempt, status.server_time)
        if shown.score_shown:
            body.update(score=str(shown.result.score), max_score=str(shown.result.max_score),
                        passed=shown.result.passed, band=shown.result.band)
    return body


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=False)
    if not isinstance(body, dict):
        raise InvalidInput([Problem(N_("the request body must be a JSON object"), place="body")])
    return body


@bp.get("/attempts/<int:attempt_id>/state")
def attempt_state(attempt_id: int):
    attempt = attempts.touch(database.session(), clock(), actor(), attempt_id)
    body = _status_json(attempt)
    database.commit()
    return jsonify(body)


@bp.post("/attempts/<int:attempt_id>/responses")
def save_response(attempt_id: int):
    """Autosave one slot: ``{"slot": 3, "answer": ["A", "C"], "seq": 17, "writer": "<page token>"}``.
    Acknowledged (200) only after the commit; 409 once the deadline (plus grace) has passed."""
    body = _json_body()
    receipt = attempts.save_response(database.session(), clock(), actor(), attempt_id, body.get("slot"),
                                     body.get("answer"), body.get("seq"), body.get("writer"))
    database.commit()
    return jsonify({"saved": True, "slot": receipt.slot, "seq": receipt.client_seq, "current": receipt.current,
                    "server_time": clock().now().isoformat()})


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    """Submit: ``{"answers": {"3": ["A"], …}}`` with the answers not yet acknowledged. Submitting
    again returns the same result with ``already_submitted`` true."""
    body = _json_body()
    raw = body.get("answers") or {}
    if not isinstance(raw, dict):
        raise InvalidInput([Problem(N_("answers must map question numbers to answers"), place="answers")])
    try:
        final = {int(slot): answer for slot, answer in raw.items()}
    except ValueError as exc:
        raise InvalidInput([Problem(N_("answers must map question numbers to answers"), place="answers")]) from exc
    outcome = attempts.submit_attempt(database.session(), clock(), actor(), attempt_id, final)
    database.commit()
    return jsonify({**_status_json(outcome.attempt), "already_submitted": not outcome.closed_now})


@bp.post("/attempts/<int:attempt_id>/focus")
def focus(attempt_id: int):
    """The exam page was left or came back: ``{"change": "left"}`` or ``{"change": "back"}``,
    recorded at the server's time for the proctor (never scored). ``stored`` is false once the
    attempt is closed."""
    body = _json_body()
    stored = focus_service.record_focus(database.session(), clock(), actor(), attempt_id, body.get("change"))
    database.commit()
    return jsonify({"stored": stored})
