"""The records API's endpoints: short views that read through ``question_bank.services.api_records``
for the token's unit subtree and shape the answer. Authorisation is :func:`token_required` alone;
every route here names its scope through :func:`_protected`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask, redirect, url_for
from flask_babel import gettext
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import UnprocessableEntity

from examsvc import database
from examsvc.errors import format_place, translate
from examsvc.extensions import clock
from examsvc.read_audit import audited_read
from examsvc.records_api import PREFIX, SessionlessTokenApi
from examsvc.records_api.schemas import (
    AppraisalArgs,
    AppraisalCadrePage,
    AppraisalUnitPage,
    AuditArgs,
    AuditEventPage,
    ErrorSchema,
    RosterArgs,
    RosterPage,
    ScoreArgs,
    ScoreRecordPage,
    SittingArgs,
    SittingPage,
    SittingSchema,
)
from examsvc.records_api.token_auth import current_token, token_required
from question_bank.errors import InvalidInput
from question_bank import id_vault
from question_bank.models import RosterEntry, Sitting, User
from question_bank.reports.appraisal import CadreSummary, Outcome, UnitFigures
from question_bank.reports.score_share import PaperScore
from question_bank.services import api_appraisal, api_records, audit_log
from question_bank.services.api_appraisal import AppraisalQuery, UnitLine
from question_bank.services.api_records import CandidateRecord, RosterLine, SittingFilter
from question_bank.services.audit_log import EventFilter
from question_bank.services.api_tokens import Scope
from question_bank.services.marking import pass_mark_for

blp = Blueprint("records", __name__, url_prefix=PREFIX, description=(
    "Read-only score records for HR and organisation-department systems. Lists ascend by id and are "
    "paged by cursor: pass a page's next_after as after for the next one (null: the last page)."))


def _protected(scope: Scope, *, looks_up: bool = True):
    """A view readable with ``scope`` only (:func:`token_required`), documented with its bearer
    security and its 401/403 answers, and 404 where it ``looks_up`` a sitting or unit by id."""

    def decorate(view):
        # flask-smorest takes the summary and description from the docstring; the scope joins the latter.
        description = inspect.cleandoc(view.__doc__ or "").partition("\n\n")[2]
        view = token_required(scope)(view)
        view = blp.doc(security=[{"bearerAuth": []}],
                       description=f"{description}\n\nNeeds scope `{scope}`.".strip())(view)
        view = blp.alt_response(401, schema=ErrorSchema, description="No token, or one unknown, revoked or expired.")(view)
        view = blp.alt_response(403, schema=ErrorSchema, description=f"The token lacks scope {scope}.")(view)
        if looks_up:
            view = blp.alt_response(404, schema=ErrorSchema, description="Not found within the token's unit subtree.")(view)
        return view

    return decorate


def points(value: Decimal | None) -> str | None:
    """Points as an exact two-place string: Decimal("86.5") → "86.50"."""
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def _sitting_json(sitting: Sitting, roster_in_scope: int) -> dict[str, Any]:
    return {"id": sitting.id, "title": sitting.title, "kind": str(sitting.kind), "org_unit_id": sitting.org_unit_id,
            "opens_at": sitting.opens_at, "closes_at": sitting.closes_at, "time_limit_s": sitting.time_limit_s,
            "pass_mark": points(sitting.pass_mark), "excellent_mark": points(sitting.excellent_mark),
            "attempts_allowed": sitting.attempts_allowed, "results_policy": str(sitting.results_policy),
            "roster_in_scope": roster_in_scope}


@blp.route("/sittings")
@_protected(Scope.SITTINGS)
@blp.arguments(SittingArgs, location="query", as_kwargs=True)
@blp.response(200, SittingPage)
def list_sittings(after: int, limit: int, **filters: Any):
    """Sittings of the token's unit subtree

    Sittings held by a unit of the subtree or with one of its cadres on the roster, by id."""
    page, sizes = api_records.sittings(database.session(), current_token(), SittingFilter(**filters),
                                       after=after, limit=limit)
    return {"items": [_sitting_json(s, sizes.get(s.id, 0)) for s in page.items], "next_after": page.next_after}


@blp.route("/sittings/<int:sitting_id>")
@_protected(Scope.SITTINGS)
@blp.response(200, SittingSchema)
def get_sitting(sitting_id: int):
    """One sitting"""
    token = current_token()
    found = api_records.sitting(database.session(), token, sitting_id)
    return _sitting_json(found, api_records.roster_sizes(database.session(), token, [found.id]).get(found.id, 0))


def percent(value: Decimal | None, step: str = "0.1") -> str | None:
    """A percentage as an exact string with the places of ``step``: Decimal("50") → "50.0"."""
    return None if value is None else format(value.quantize(Decimal(step)), "f")


def _paper_score_json(score: PaperScore | None) -> dict[str, str] | None:
    """A score out of its paper's maximum, with its share in percent to two places."""
    if score is None:
        return None
    return {"points": points(score.points), "max_points": points(score.max_points),
            "percent": percent(score.percent, "0.01")}


def _person_json(user: User, entry: RosterEntry | None = None) -> dict[str, Any]:
    """A cadre, ID number masked; the posts as they stood for ``entry``'s exam where it has them."""
    return {"user_id": user.id, "name": user.display_name, "id_number": id_vault.masked(user),
            "unit_id": user.org_unit_id, "unit": user.org_unit.name, "rank": user.rank,
            "current_post": (entry and entry.current_post) or user.current_post,
            "proposed_post": (entry and entry.proposed_post) or user.proposed_post}


def _record_json(record: CandidateRecord) -> dict[str, Any]:
    attempt, result = record.attempt, record.result
    trusted = result is not None and result.trusted
    return {
        "roster_entry_id": record.entry.id,
        "candidate": _person_json(record.entry.user, record.entry),
        "status": str(record.status),
        "attempt": None if attempt is None else {
            "id": attempt.id, "attempt_no": attempt.attempt_no, "state": str(attempt.state),
            "started_at": attempt.started_at, "finished_at": attempt.finished_at, "duration_s": attempt.duration_s},
        "score_state": None if result is None else str(result.state),
        "score": points(result.score) if trusted else None,
        "max_score": points(result.max_score) if trusted else None,
        "pass_mark": points(pass_mark_for(attempt.sitting, attempt)) if trusted else None,
        "band": result.band if trusted else None,
        "passed": result.passed if trusted else None,
        "history": [{"id": r.id, "attempt_id": r.attempt_id, "score": points(r.score), "max_score": points(r.max_score),
                     "band": r.band, "passed": r.passed, "reason": r.reason, "recorded_at": r.recorded_at,
                     "entry_hash": r.entry_hash, "intact": intact} for r, intact in record.history],
    }


@blp.route("/sittings/<int:sitting_id>/scores")
@_protected(Scope.SCORES)
@audited_read("api_scores", "sitting", "sitting_id")
@blp.arguments(ScoreArgs, location="query", as_kwargs=True)
@blp.response(200, ScoreRecordPage)
def list_scores(sitting_id: int, after: int, limit: int, unit_id: int | None = None):
    """Score records of a sitting

    One item per roster entry whose cadre belongs to the token's subtree, in roster order: where
    the candidate stands, the attempt that counts, its score only when it agrees with the score
    ledger, and the ledger history (regrades included). Overdue attempts are closed first."""
    page = api_records.score_records(database.session(), clock(), current_token(), sitting_id, unit_id=unit_id,
                                     after=after, limit=limit)
    body = {"items": [_record_json(r) for r in page.items], "next_after": page.next_after}
    database.commit()  # overdue attempts closed on the way (domain.md §6)
    return body


@blp.route("/sittings/<int:sitting_id>/roster")
@_protected(Scope.ROSTERS)
@audited_read("api_roster", "sitting", "sitting_id")
@blp.arguments(RosterArgs, location="query", as_kwargs=True)
@blp.response(200, RosterPage)
def list_roster(sitting_id: int, after: int, limit: int, unit_id: int | None = None):
    """Roster of a sitting

    Who is on the roster, for the cadres of the token's subtree, in roster order: unit, rank,
    posts for this exam and where each stands. Overdue attempts are closed first."""
    page = api_records.roster(database.session(), clock(), current_token(), sitting_id, unit_id=unit_id,
                              after=after, limit=limit)
    body = {"items": [_roster_json(line) for line in page.items], "next_after": page.next_after}
    database.commit()  # overdue attempts closed on the way (domain.md §6)
    return body


def _roster_json(line: RosterLine) -> dict[str, Any]:
    return {"roster_entry_id": line.entry.id, "candidate": _person_json(line.entry.user, line.entry),
            "status": str(line.status), "extra_time_s": line.entry.extra_time_s, "added_at": line.entry.added_at}


@blp.route("/appraisal/cadres")
@_protected(Scope.APPRAISAL)
@audited_read("api_appraisal_cadres", "org_unit")
@blp.arguments(AppraisalArgs, location="query", as_kwargs=True)
@blp.response(200, AppraisalCadrePage)
def list_appraisal_cadres(after: int, limit: int, **filters: Any):
    """Appraisal summary per cadre

    HR's appraisal summary (考核汇总) per cadre of the token's subtree (or unit_id's, inside it)
    over a year or a period, for the kind of sitting chosen, by user id: the same figures, by the
    same rules, as the page. Overdue attempts of the period's sittings are closed first."""
    return _appraisal_answer(api_appraisal.cadres, _cadre_json, filters, after, limit)


def _appraisal_answer(read: Callable[..., api_records.Page], shape: Callable[[Any], dict[str, Any]],
                      filters: dict[str, Any], after: int, limit: int,
                      total: Callable[..., dict[str, Any]] | None = None) -> dict[str, Any]:
    """A page of the appraisal summary ``read`` for the token (``api_appraisal.cadres`` or
    ``units``), each item made by ``shape``, with ``total``'s figures as "total" when given;
    committed, since overdue attempts were closed."""
    page = read(database.session(), clock(), current_token(), AppraisalQuery(**filters), after=after, limit=limit)
    body = {"items": [shape(item) for item in page.items], "next_after": page.next_after}
    if total is not None:
        body["total"] = total(database.session(), clock(), current_token(), AppraisalQuery(**filters))
    database.commit()  # overdue attempts closed on the way (domain.md §6)
    return body


def _cadre_json(summary: CadreSummary) -> dict[str, Any]:
    study, practice, outcome = summary.study, summary.practice, summary.outcome
    return {
        "candidate": _person_json(summary.user), "expected": summary.expected, "taken": summary.taken,
        "absent": summary.absent, "makeups": summary.makeups, "awaiting_marking": summary.awaiting,
        "unverified": summary.unverified, "first_attempt_best": _paper_score_json(summary.first_best),
        "makeup_best": _paper_score_json(summary.makeup_best), "best": _paper_score_json(summary.best),
        "latest": _paper_score_json(summary.latest), "mean_percent": percent(summary.mean_percent, "0.01"),
        "latest_sitting": summary.latest_sitting or None, "outcome": None if outcome is None else str(outcome),
        "passed": {Outcome.PASSED: True, Outcome.FAILED: False}.get(outcome),
        "study": None if study is None else {"studied": study.studied, "total": study.total},
        "practice": None if practice is None else {"answered": practice.answered, "correct": practice.correct,
                                                   "accuracy_percent": percent(summary.practice_accuracy)},
        "history": summary.history,
    }


@blp.route("/appraisal/units")
@_protected(Scope.APPRAISAL)
@audited_read("api_appraisal_units", "org_unit")
@blp.arguments(AppraisalArgs, location="query", as_kwargs=True)
@blp.response(200, AppraisalUnitPage)
def list_appraisal_units(after: int, limit: int, **filters: Any):
    """Appraisal summary per unit

    The per-unit table of HR's appraisal summary: each unit of the token's subtree (or unit_id's)
    with a counted cadre of its own, by unit id; a unit's figures are its own cadres', not its
    subtree's. Overdue attempts of the period's sittings are closed first."""
    return _appraisal_answer(api_appraisal.units, _unit_json, filters, after, limit, total=_subtree_total_json)


def _subtree_total_json(*args: Any) -> dict[str, Any]:
    return _figures_json(api_appraisal.subtree_total(*args))


def _unit_json(line: UnitLine) -> dict[str, Any]:
    return {"unit_id": line.unit.id, "unit": line.unit.name, **_figures_json(line.figures)}


def _figures_json(figures: UnitFigures) -> dict[str, Any]:
    return {"cadres": figures.cadres,
            "candidates": figures.expected, "taken": figures.taken, "passed": figures.passed,
            "pass_rate_percent": percent(figures.pass_rate), "mean_percent": percent(figures.mean_percent, "0.01"),
            "absences": figures.absences, "makeup_candidates": figures.makeup_cadres,
            "awaiting_marking": figures.awaiting}


@blp.route("/audit-events")
@_protected(Scope.AUDIT, looks_up=False)
@audited_read("api_audit_events", "audit_event")
@blp.arguments(AuditArgs, location="query", as_kwargs=True)
@blp.response(200, AuditEventPage)
def list_audit_events(after: int, limit: int, **filters: Any):
    """Audit events, oldest first

    A root-unit token reads every event; another reads the events of people of its subtree.
    ID numbers in the snapshots are masked."""
    flt = EventFilter(**{name: filters.get(name) or "" for name in ("action", "object_type", "object_id")},
                      since=filters.get("since"), until=filters.get("until"))
    page = api_records.audit_events(database.session(), current_token(), flt, after=after, limit=limit)
    return {"items": [{"id": e.id, "occurred_at": e.occurred_at, "actor": username, "action": e.action,
                       "object_type": e.object_type, "object_id": e.object_id,
                       "before": api_records.masked_snapshot(e.before), "after": api_records.masked_snapshot(e.after),
                       "detail": audit_log.shown_text(e.detail), "origin": api_records.masked_snapshot(e.origin),
                       "entry_hash": e.entry_hash} for e, username in page.items],
            "next_after": page.next_after}


@blp.errorhandler(InvalidInput)
def _invalid_input(exc: InvalidInput):
    """A rule the domain found broken: each problem's place is the parameter's own name
    (``until``), which a client program can match, never its label in the reader's language."""
    problems = [{"place": p.place if isinstance(p.place, str) else format_place(p.place),
                 "message": translate(p.message, p.params)} for p in exc.problems]
    return {"error": "invalid", "message": translate(exc.template, exc.params), "problems": problems}, 422


@blp.errorhandler(UnprocessableEntity)
def _invalid_parameters(exc: UnprocessableEntity):
    """A parameter that does not fit (webargs): every problem, named by its parameter."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    problems = [{"place": name, "message": " ".join(map(str, texts)) if isinstance(texts, list) else str(texts)}
                for location in messages.values() for name, texts in location.items()]
    return {"error": "invalid", "message": gettext("Some parameters are not valid."), "problems": problems}, 422


class RecordsApi(Api):
    """flask-smorest's Api, with the app's own error pages kept: it would otherwise answer every
    HTTP error of every page with its JSON (the records API's errors are JSON already, see
    ``examsvc.errors.wants_json``); its default error response is left out so that the document
    lists the answers each operation really gives."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        pass


def register(app: Flask) -> None:
    """Serve the records API and its OpenAPI 3 document at ``/api/v1/openapi.json`` (also
    reached from ``/api/openapi.json``)."""
    app.config.update(API_TITLE="examsvc records API", API_VERSION="1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json")
    app.session_interface = SessionlessTokenApi()
    api = RecordsApi(app)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A token made by a system administrator (Accounts → API tokens)."})
    api.register_blueprint(blp)
    # Where issue 6 named the document; the versioned address is the one to keep using.
    app.add_url_rule("/api/openapi.json", "records_openapi",
                     lambda: redirect(url_for("api-docs.openapi_json"), code=308))
