"""The auditor's pages (审计员): the audit log with filters and its export, sittings and their score
records read-only, and the verification of the score ledger and audit log. Nothing here changes a
record; an export is itself an audit event."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from examsvc import database
from examsvc.access import actor, guard
from examsvc.downloads import disposition
from examsvc.errors import problem_texts
from examsvc.extensions import clock
from examsvc.read_audit import audited_read
from examsvc.reports.routes import CSV_TYPE, XLSX_TYPE
from question_bank import date_filters
from question_bank.clock import BEIJING
from question_bank.errors import InvalidInput
from question_bank.formats import tabular
from question_bank.models import Role
from examsvc.audit import labels
from question_bank import idnumbers
from question_bank.services import audit_log

bp = Blueprint("audit", __name__, url_prefix="/audit")
guard(bp, Role.AUDITOR)

#: Events a page shows.
PAGE_SIZE = 100

#: The origin channels (``question_bank.services.audit.Channel``) as the page names them.
CHANNEL_NAMES = {"web": _l("Web page"), "api": _l("API token"), "cli": _l("Command line"),
                 "worker": _l("Background worker")}


def _day(name: str, *, end: bool = False) -> dt.datetime | None:
    """A yyyy-mm-dd query argument as the start of that Beijing day (``end``: of the next day, so
    the day given is included); None when empty. Raises :class:`InvalidInput` naming the field
    for anything else ("garbage", "2026-13-01", a year outside the searchable years:
    ``date_filters.parse_day``): showing the whole log instead would mislead."""
    day = date_filters.parse_day(name, request.args.get(name))
    if day is None:
        return None
    start = dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    return start + dt.timedelta(days=1) if end else start


def _labelled(snapshot):
    """A snapshot's labelled keys, ID numbers masked as in the raw JSON (``audit_log.json_text``)."""
    return labels.labelled(idnumbers.redact_document(snapshot))


def _filter() -> audit_log.EventFilter:
    """The filter the query asks for. Raises :class:`InvalidInput` for an unreadable date (both named)."""
    args = request.args
    problems, days = [], {}
    for name in ("since", "until"):
        try:
            days[name] = _day(name, end=name == "until")
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return audit_log.EventFilter(actor=args.get("actor", ""), object_type=args.get("object_type", ""),
                                 object_id=args.get("object_id", ""), action=args.get("action", ""),
                                 since=days["since"], until=days["until"])


@bp.get("/")
def events():
    db = database.session()
    before = request.args.get("before", type=int)
    try:
        found = audit_log.events(db, actor(), _filter(), limit=PAGE_SIZE + 1, before_id=before)
        problems = []
    except InvalidInput as exc:
        found, problems = [], problem_texts(exc)
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    query = {k: v for k, v in request.args.items() if k != "before"}
    return render_template("audit/events.html", events=found, args=request.args, query=query, problems=problems,
                           object_types=audit_log.object_types(db), more=more, json_text=audit_log.json_text,
                           shown_text=audit_log.shown_text, channel_names=CHANNEL_NAMES,
                           action_label=labels.action_label, object_label=labels.object_label,
                           action_labels=labels.ACTIONS, labelled=_labelled,
                           next_before=found[-1].id if more else None), 422 if problems else 200


def _export(fmt: str) -> Response:
    db = database.session()
    headers, rows = audit_log.export_rows(db, clock(), actor(), _filter(), fmt)
    database.commit()
    if fmt == "xlsx":
        response = Response(tabular.to_xlsx_bytes(headers, rows, sheet_title="审计日志"), content_type=XLSX_TYPE)
    else:
        response = Response(tabular.iter_csv_bytes(headers, rows), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = disposition(f"审计日志.{fmt}", f"audit-log.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events.csv")
@audited_read("audit_export", "audit_event")
def events_csv():
    return _export("csv")


@bp.get("/events.xlsx")
@audited_read("audit_export", "audit_event")
def events_xlsx():
    return _export("xlsx")


@bp.get("/sittings")
def sittings():
    return render_template("audit/sittings.html", sittings=audit_log.sittings(database.session(), actor()))


@bp.get("/sittings/<int:sitting_id>")
@audited_read("score_records", "sitting", "sitting_id")
def sitting(sitting_id: int):
    db = database.session()
    found = audit_log.visible_sitting(db, actor(), sitting_id)
    return render_template("audit/sitting.html", sitting=found, lines=audit_log.score_records(db, actor(), found))


@bp.get("/ledger")
def ledger():
    return render_template("audit/ledger.html", status=audit_log.ledger_status(database.session(), actor()))
