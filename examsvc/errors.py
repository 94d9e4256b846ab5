"""How domain errors reach people: one HTTP status per error class, a translated message, and the
problems with their places. JSON for the API and the exam page's script, a page otherwise."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from question_bank import errors
from examsvc.extensions import wants_json

STATUS = {
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.AttemptClosed: 409,
    errors.DeadlinePassed: 409,
    errors.WindowNotOpen: 409,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.DomainError: 400,
}

ERROR_CODES = {
    errors.NotFound: "not_found",
    errors.PermissionDenied: "forbidden",
    errors.AttemptClosed: "already_submitted",
    errors.DeadlinePassed: "deadline_passed",
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


def translate(template: str, params: dict) -> str:
    """A domain message template in the person's language, with its parameters filled in."""
    return gettext(template, **params) if params else gettext(template)


def problem_texts(exc: errors.DomainError) -> list[dict[str, str]]:
    return [
        {"place": p.place, "message": translate(p.message, p.params)}
        for p in getattr(exc, "problems", [])
    ]


def _respond(status: int, code: str, message: str, problems: list[dict[str, str]] | None = None, **extra):
    if wants_json():
        body = {"error": code, "message": message, **extra}
        if problems:
            body["problems"] = problems
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, problems=problems or []), status


def register(app: Flask) -> None:
    @app.errorhandler(errors.DomainError)
    def _domain_error(exc: errors.DomainError):
        extra = {}
        if isinstance(exc, errors.AttemptClosed) and "attempt_id" in exc.params:
            extra["attempt_id"] = exc.params["attempt_id"]
        return _respond(_lookup(STATUS, exc), _lookup(ERROR_CODES, exc), translate(exc.template, exc.params),
                        problem_texts(exc), **extra)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _respond(400, "csrf", gettext("The form has expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _respond(exc.code or 500, exc.name.lower().replace(" ", "_"), gettext(exc.name))
