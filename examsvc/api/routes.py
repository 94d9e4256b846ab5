"""JSON endpoints the exam page's script calls: attempt state, autosave, submit, leaving the page.

Every answer here is the same shape whichever option is the key, and carries no key, no
explanation and no per-option score (case C-17). Writes need the CSRF token in ``X-CSRFToken``
and a JSON body; fields other than the documented ones are ignored (SEC-A4).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext

from examsvc import database
from examsvc.access import actor, guard
from examsvc.auth import session_claim
from examsvc.errors import void_json
from examsvc.extensions import clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Attempt, Role
from question_bank.services import admission, attempts, presence, quick_save, results
from question_bank.services import focus as focus_service
from question_bank.services.quick_save import Claimant
from question_bank.services.slot_changes import ChangeReceipt, Outcome

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
    # What is stored (the candidate's own answers, never a key): a page open on another device
    # shows it and bases its next change to a slot on the version it shows (case C-18); a page that
    # finds the attempt closed tells its candidate which of its unsent changes were not taken.
    body["responses"] = {str(slot): answer for slot, answer in status.responses.items()}
    if attempt.is_open:
        # Whether the asking page may still change answers (one active device): a page that was
        # taken over learns it here even when it has nothing to save.
        body["held_here"] = presence.held_here(attempt, request.args.get("page"))
        body["versions"] = {str(slot): version for slot, version in status.versions.items()}
    if not attempt.is_open:
        body["finished_at"] = attempt.finished_at.isoformat() if attempt.finished_at else None
        body["result_url"] = url_for("candidate.result", attempt_id=attempt.id)
        body["awaiting_marking"] = attempt.score is None
        if attempt.void_record is not None:
            void = attempt.void_record
            body["void"] = void_json(void.voided_by.display_name, void.voided_at, void.reason)
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


def _receipt_json(receipt: ChangeReceipt) -> dict[str, Any]:
    """One change's fate and what the server holds for its slot, so the page can show it."""
    return {"slot": receipt.slot, "seq": receipt.seq, "outcome": str(receipt.outcome), "current": receipt.current,
            "answer": receipt.answer, "stored": {"answer": receipt.stored_answer, "version": receipt.stored_version}}


def _ensure_admitted(attempt_id: int, during: str) -> None:
    """Refuse (403 ``forbidden``, saying why) a save or submit sent from outside the sitting's
    allowed networks, as the start and the exam page are refused. The refusal is audited and
    committed before it is raised; nothing of the request is stored, so the page keeps the change
    and sends it again (from the exam room it is taken, by the usual rules)."""
    db = database.session()
    attempt = attempts.candidate_attempt(db, attempt_id, actor())
    if not attempt.is_open:
        return  # nothing can be written any more: the service says so, from wherever it is asked
    # remote_addr is the address after the configured trusted proxy hops (ProxyFix) only.
    refusal = admission.address_refusal(db, clock(), actor(), attempt.sitting, request.remote_addr, during)
    if refusal is not None:
        # Refused from here, but an attempt past deadline + grace is closed at its deadline all the
        # same, as any late request closes it (case C-25).
        attempts.touch(db, clock(), actor(), attempt_id)
        database.commit()
        raise refusal.error()


def _quick_save(attempt_id: int, body: dict[str, Any]) -> ChangeReceipt | None:
    """The usual save in two or three statements (:mod:`question_bank.services.quick_save`), the person
    checked in the first when the sign-in hooks left them to it (``session_claim``), or None, with
    nothing written, for the general path to handle (and refuse) as it always has: a malformed
    request included, so that its errors come in the same order as before."""
    try:
        change = attempts.page_change(body.get("slot"), body.get("answer"), body.get("seq"), body.get("writer"),
                                      body.get("base"))
        page = attempts.page_token(body.get("page"))
    except InvalidInput:
        return None
    claimant = session_claim.deferred() or Claimant.of(actor())
    # remote_addr is the address after the configured trusted proxy hops (ProxyFix) only.
    return database.first_statements(lambda: quick_save.save(database.session(), clock(), claimant, attempt_id, change,
                                                             page, request.remote_addr))


@bp.post("/attempts/<int:attempt_id>/responses")
def save_response(attempt_id: int):
    """Autosave one slot: ``{"slot": 3, "answer": ["A", "C"], "seq": 17, "writer": "<page token>",
    "base": 2}`` where ``base`` is the slot version the page last saw (case C-18).

    200 once committed: ``{"saved": true, "current": …, "stored": {"answer", "version"}, …}``;
    ``current`` is false for a late arrival of the page's own older change. 409 with
    ``"error": "stale"`` when another page stored a newer version than ``base``: nothing replaced,
    the refusal is recorded (committed) and ``stored`` says what is held. 409 too once the deadline
    (plus grace) has passed or the attempt is submitted, with ``"error": "voided"`` and ``void``
    (who, when, why) once a proctor voided it, and with ``"error": "taken_over"`` when
    ``page`` (the sending page's token) no longer holds the attempt: another device took it over.
    403 from outside the sitting's allowed networks (audited; nothing stored)."""
    body = request.get_json(silent=True)
    receipt = _quick_save(attempt_id, body) if isinstance(body, dict) else None
    if receipt is None:
        # Nothing stored. The sign-in checks first, as for any request, when they were left to the
        # save (session_claim); then the body's own errors and the general path's refusals.
        refusal = session_claim.complete()
        if refusal is not None:
            return refusal
        body = _json_body()
        _ensure_admitted(attempt_id, "save")
        change = attempts.page_change(body.get("slot"), body.get("answer"), body.get("seq"), body.get("writer"),
                                      body.get("base"))
        receipt = attempts.save_response(database.session(), clock(), actor(), attempt_id, change.slot,
                                         change.answer, change.seq, change.writer, change.base,
                                         attempts.page_token(body.get("page")))
    else:
        session_claim.vouched()
    database.commit()
    reply = {**_receipt_json(receipt), "saved": receipt.outcome != Outcome.STALE,
             "server_time": clock().now().isoformat()}
    if receipt.outcome == Outcome.STALE:
        reply.update(error="stale", message=gettext(
            "Not saved: this answer was changed on another device. The answer shown is the one kept."))
        return jsonify(reply), 409
    return jsonify(reply)


def _final_changes(raw: Any) -> dict[int, attempts.Change]:
    """The submit payload's changes, each as the page's autosave would send it."""
    if not isinstance(raw, dict):
        raise InvalidInput([Problem(N_("answers must map question numbers to answers"), place="answers")])
    changes: dict[int, attempts.Change] = {}
    problems: list[Problem] = []
    for key, entry in raw.items():
        if not isinstance(entry, dict) or not (str(key).isascii() and str(key).isdigit()):
            problems.append(Problem(N_("each final answer must carry its page token, number and base version"),
                                    place="answers"))
            continue
        try:
            change = attempts.page_change(int(key), entry.get("answer"), entry.get("seq"), entry.get("writer"),
                                          entry.get("base"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        changes[change.slot] = change
    if problems:
        raise InvalidInput(problems)
    return changes


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    """Submit: ``{"answers": {"3": {"answer": ["A"], "seq": 9, "writer": "<token>", "base": 1}, …}}``
    with the changes not yet acknowledged; each obeys the autosave's rule (case C-18).

    The reply is the attempt's state plus ``not_taken``: each answer of the payload that did not
    become the response, with what is stored, and ``payload_ignored`` ("already_submitted",
    "deadline_passed", "voided") when the payload came too late to count at all; for a voided
    attempt ``void`` says who voided it, when and why. Submitting again returns
    the same result with ``already_submitted`` true. 403 from outside the sitting's allowed
    networks (audited; the attempt stays open and nothing of the payload is stored).

    ``"time_up": true`` says the page's countdown reached zero: before the server's deadline the
    reply is 409 ``"error": "not_due"`` with ``remaining_s`` and nothing changes. At or after the
    deadline the attempt ends as auto-submitted at its deadline, with or without ``time_up``."""
    body = _json_body()
    final = _final_changes(body.get("answers") or {})
    _ensure_admitted(attempt_id, "submit")
    outcome = attempts.submit_attempt(database.session(), clock(), actor(), attempt_id, final,
                                      attempts.page_token(body.get("page")), time_up=body.get("time_up") is True)
    database.commit()
    return jsonify({**_status_json(outcome.attempt), "already_submitted": not outcome.closed_now,
                    "payload_ignored": outcome.payload_ignored or None,
                    "not_taken": [_receipt_json(r) for r in outcome.not_taken]})


@bp.post("/attempts/<int:attempt_id>/focus")
def focus(attempt_id: int):
    """The exam page was left or came back: ``{"change": "left", "page": "<token>", "number": 3}``
    ("back" for coming back), recorded at the server's time for the proctor (never scored). The
    page resends a message whose reply it did not get under the same page and number; it is
    stored once. ``stored`` is false once the attempt is closed."""
    body = _json_body()
    stored = focus_service.record_focus(database.session(), clock(), actor(), attempt_id, body.get("change"),
                                        body.get("page"), body.get("number"))
    database.commit()
    return jsonify({"stored": stored})


# One active device: the claim and takeover endpoints live in their own module, on this blueprint.
from examsvc.api import presence_routes  # noqa: E402,F401
