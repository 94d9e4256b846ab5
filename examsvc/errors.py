"""How domain errors reach people: one HTTP status per error class, a translated message, and the
problems with their places. JSON for the API and the exam page's script, a page otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from question_bank import errors
from examsvc import database
from examsvc.extensions import wants_json
from examsvc.formatting import local_time
from question_bank.errors import N_

#: Werkzeug's names of the HTTP errors people can meet, marked so that they reach the catalogue
#: (``_http_error`` translates ``exc.name``).
HTTP_ERROR_NAMES = (N_("Bad Request"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
                    N_("Request Entity Too Large"), N_("Internal Server Error"))

STATUS = {
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.AttemptVoided: 409,
    errors.AttemptClosed: 409,
    errors.DeadlinePassed: 409,
    errors.TakenOver: 409,
    errors.HandingIn: 409,
    errors.NotDueYet: 409,
    errors.WindowNotOpen: 409,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.DomainError: 400,
}

ERROR_CODES = {
    errors.NotFound: "not_found",
    errors.PermissionDenied: "forbidden",
    errors.AttemptVoided: "voided",
    errors.AttemptClosed: "already_submitted",
    errors.DeadlinePassed: "deadline_passed",
    errors.TakenOver: "taken_over",
    errors.HandingIn: "time_up",
    errors.NotDueYet: "not_due",
    errors.WindowNotOpen: "not_open",
    errors.Conflict: "conflict",
    errors.InvalidInput: "invalid",
    errors.DomainError: "error",
}


def _lookup(table: dict, exc: errors.DomainError):
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    raise KeyError(type(exc))


#: Names of the fields a domain problem may name by a plain string place.
FIELD_NAMES = {
    "cadres": _l("Cadres"), "category": _l("Category"), "closes_at": _l("Closes at"), "difficulty": _l("Difficulty"),
    "file": _l("File"), "key": _l("Answer key"), "opens_at": _l("Opens at"), "options": _l("Options"),
    "paper": _l("Paper"), "score": _l("Points"), "sections": _l("Sections"), "seq": _l("Sequence number"),
    "stem": _l("Stem"), "title": _l("Title"), "username": _l("Username"), "type": _l("Question type"),
    "explanation": _l("Explanation"), "password": _l("Password"), "slot": _l("Question"), "body": _l("Request body"),
    "answers": _l("Answers"), "base": _l("Version seen"), "writer": _l("Page token"), "page": _l("Page"),
    "pinned": _l("Pinned options"), "rubric": _l("Rubric"), "blanks": _l("Blanks"),
    "reference_answer": _l("Reference answer"),
    "current": _l("Current password"), "new": _l("New password"), "roles": _l("Roles"), "name": _l("Name"),
    "parent": _l("Parent unit"), "parent_category": _l("Parent category"), "display_name": _l("Name"), "id_number": _l("ID number"), "purpose": _l("Purpose"),
    "current_post": _l("Current post"), "proposed_post": _l("Proposed post"), "phone": _l("Phone"),
    # Study lists, law review, the law catalogue and practice.
    "scope": _l("Scope"), "year": _l("Year"), "hours": _l("Study hours"), "requirement": _l("Requirement"),
    "law_id": _l("Law"), "threshold": _l("Coverage threshold"), "org_unit_id": _l("Kept by unit"),
    "target_unit_ids": _l("For cadres of"), "levels": _l("Ranks"), "short_title": _l("Short title"),
    "article": _l("Article in the new version"), "note": _l("Note"), "article_ids": _l("Articles to study"),
    "source": _l("Practise from"),
    # Sittings, starting, proctoring, marking, reports and the bank's batches.
    "access_code": _l("Access code"), "aliases": _l("Other names"), "allowed_networks": _l("Allowed networks"),
    "answer": _l("Answer"), "attempts_allowed": _l("Attempts allowed"), "change": _l("Change"),
    "comment": _l("Comment"), "confirm": _l("Confirmation"), "days": _l("Days"), "decision": _l("Decision"), "deadline": _l("Deadline"),
    "excellent_mark": _l("Excellent mark"), "extra_time": _l("Extra time"), "format": _l("Format"),
    "grace": _l("Grace for late saves"), "items": _l("Items"), "kind": _l("Kind"), "kinds": _l("Kinds"),
    "last_day": _l("Last day"), "first_day": _l("First day"), "since": _l("From"), "unit": _l("Unit"),
    "late_start_cutoff": _l("Late-start cut-off"), "leave_out": _l("Leave out"),
    "link": _l("Link"), "makeup_of": _l("Make-up of"), "marking_tolerance": _l("Marking tolerance"),
    "mode": _l("Mode"), "number": _l("Number"), "pass_mark": _l("Pass mark"), "pledge": _l("Integrity pledge"),
    "question": _l("Question"), "reason": _l("Reason"), "repeats": _l("Repeats"), "reviewed": _l("Reviewed content"),
    "scopes": _l("Scopes"),
    "section": _l("Section"), "sort": _l("Sort order"), "status": _l("Status"), "tags": _l("Knowledge points"),
    "target": _l("Target"), "text": _l("Text"), "time_limit": _l("Time limit"), "until": _l("Until"),
    "used": _l("Used"), "yearly_cap": _l("Yearly cap"),
}


def shown(value: Any) -> Any:
    """A parameter as shown: messages (``errors.Msg``) translated, lists of them joined, times in
    the app's timezone (Asia/Shanghai)."""
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, errors.Msg):
        return gettext(value)
    if isinstance(value, tuple) and value and all(isinstance(v, errors.Msg) for v in value):
        return gettext(", ").join(gettext(v) for v in value)
    return value


def translate(template: str, params: dict) -> str:
    """A domain message template in the person's language, with its parameters filled in."""
    if not params:
        return gettext(template)
    return gettext(template, **{name: shown(value) for name, value in params.items()})


def format_place(place: errors.Place | dict[str, Any] | str | None) -> str:
    """Where a problem is, in the person's language: "sheet 题库, row 213, column G (答案)".

    Takes a :class:`~question_bank.errors.Place`, a place as an import batch's report stores it
    (a dict), or a plain string (a field name, or an already formatted place), which is shown as
    it is. A slot is said as the question number the candidate sees. Also the Jinja filter ``place``.
    """
    if isinstance(place, dict):
        place = errors.Place.from_json(place)
    if not isinstance(place, errors.Place):
        return "" if place is None else str(FIELD_NAMES.get(place, place))
    parts = [place.file] if place.file else []
    if place.sheet:
        parts.append(gettext("sheet %(sheet)s", sheet=place.sheet))
    if place.row is not None:
        parts.append(gettext("row %(row)d", row=place.row))
    if place.item is not None:
        parts.append(gettext("question %(item)d in the file", item=place.item))
    if place.column and place.header:
        parts.append(gettext("column %(column)s (%(header)s)", column=place.column, header=place.header))
    elif place.column:
        parts.append(gettext("column %(column)s", column=place.column))
    elif place.header:
        parts.append(place.header)
    if place.section is not None:
        parts.append(gettext("section %(section)d", section=place.section))
    if place.slot is not None:
        parts.append(gettext("question %(slot)d", slot=place.slot))
    if place.line is not None:
        parts.append(gettext("line %(line)d", line=place.line))
    return gettext(", ").join(parts)


def problem_text(problem: errors.Problem) -> dict[str, str]:
    """One problem for a page or a JSON body: ``{"place", "message"}``, both translated."""
    return {"place": format_place(problem.place), "message": translate(problem.message, problem.params)}


def problem_texts(exc: errors.DomainError) -> list[dict[str, str]]:
    """The problems of an :class:`~question_bank.errors.InvalidInput` (none for other errors)."""
    return [problem_text(p) for p in getattr(exc, "problems", [])]


def void_json(by: str, at: dt.datetime, reason: str) -> dict[str, str]:
    """A proctor's void as the exam page's script reads it: ``by`` (the proctor's name), ``at``
    (ISO 8601, UTC), ``at_local`` (Beijing time, "2026-05-11 10:20:00") and ``reason``."""
    return {"by": by, "at": at.isoformat(), "at_local": local_time(at, "yyyy-MM-dd HH:mm:ss"), "reason": reason}


def form_problems(form: Any) -> list[dict[str, str]]:
    """A WTForms form's errors as problems for a JSON body, ``{"place", "message"}``: the place is
    the field's label as the page shows it (empty for an error of the whole form). Only the
    validators' messages: never a value typed (a password among them)."""
    return [{"place": str(form[name].label.text) if name in form._fields else "", "message": str(message)}
            for name, messages in form.errors.items() for message in messages]


def json_error(status: int, code: str, message: str, problems: list[dict[str, str]] | None = None, **extra: Any):
    """An error as scripts and the API read it: ``{"error": code, "message", "problems"?, …extra}``
    with ``status``. For a view that answers a browser with its own page instead (the sign-in form)."""
    body = {"error": code, "message": message, **extra}
    if problems:
        body["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    return response


def invalid_json(problems: list[dict[str, str]]):
    """Input refused, as the handler answers :class:`~question_bank.errors.InvalidInput`: 422
    "invalid", the number of problems in words, and each problem."""
    return json_error(STATUS[errors.InvalidInput], ERROR_CODES[errors.InvalidInput],
                      translate(errors.InvalidInput.template, {"count": len(problems)}), problems)


def _respond(status: int, code: str, message: str, problems: list[dict[str, str]] | None = None,
             back: str | None = None, **extra):
    """The error as JSON for scripts and the API, else as a page (``back``: a link to offer, such
    as the form the refused upload came from)."""
    if wants_json():
        return json_error(status, code, message, problems, **extra)
    return render_template("error.html", status=status, message=message, problems=problems or [], back=back), status


def register(app: Flask) -> None:
    app.add_template_filter(format_place, "place")

    @app.errorhandler(errors.DomainError)
    def _domain_error(exc: errors.DomainError):
        if exc.keeps_work:
            # Before the response: the work that led to the refusal must be stored even if the
            # client goes away (C-25: an attempt closed while refusing a late save stays closed).
            database.commit()
        extra = {}
        if isinstance(exc, errors.AttemptClosed) and "attempt_id" in exc.params:
            extra["attempt_id"] = exc.params["attempt_id"]
        if isinstance(exc, errors.AttemptVoided):
            # Who voided the attempt, when and why, for the page to show beside its changes not taken.
            extra["void"] = void_json(exc.params["by"], exc.params["at"], exc.params["reason"])
        if isinstance(exc, errors.NotDueYet):
            extra["remaining_s"] = exc.params["remaining_s"]
        return _respond(_lookup(STATUS, exc), _lookup(ERROR_CODES, exc), translate(exc.template, exc.params),
                        problem_texts(exc), **extra)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _respond(400, "csrf", gettext("The form has expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge):
        limit_mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return _respond(413, "too_large", gettext("The upload is larger than %(mb)d MB, the most this service accepts. "
                                                  "Split the file into several smaller ones.", mb=limit_mb),
                        back=request.path if request.method == "POST" else None)

    @app.errorhandler(RequestHeaderFieldsTooLarge)
    def _header_too_large(exc: RequestHeaderFieldsTooLarge):
        # The description is the refusal's own translated message (``audit_origin``).
        return _respond(431, "header_too_large", exc.description or gettext(exc.name))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if (exc.code or 500) >= 500:
            # An unexpected error may have left the request's transaction failed (PostgreSQL refuses
            # every statement after a failed one), and the error page reads the signed-in person:
            # rendering it raised again, and the person got the server's bare English page (outside
            # trial). Nothing of a failed request is kept anyway.
            database.discard_work()
        return _respond(exc.code or 500, exc.name.lower().replace(" ", "_"), gettext(exc.name))
