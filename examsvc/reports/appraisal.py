"""HR's appraisal summary (考核汇总, issue 6 "Reports"): per cadre and per unit over a year or a
period, for a unit of the officer's subtree and the kinds of sitting chosen; downloaded as .xlsx
(openpyxl's write-only mode into a spooled file, streamed out) or .csv (streamed), each with a
header block saying what it covers, when and by whom it was made. Every download is audited.

The summary only reads; the overdue attempts it would show are closed here first (issue 6, "the
house"). The filter is in the query string, so a summary can be bookmarked and downloaded again.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import problem_texts
from examsvc.extensions import clock
from examsvc.read_audit import audited_read
from examsvc.reports.routes import CSV_TYPE, XLSX_TYPE, cell_text, content_disposition
from question_bank import date_filters
from question_bank.clock import BEIJING
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.formats import tabular
from question_bank.models import Role
from question_bank.reports import appraisal as report
from question_bank.reports import score_share
from question_bank.services import appraisal, deadlines

bp = Blueprint("appraisal", __name__, url_prefix="/reports/appraisal")
guard(bp, Role.HR)

#: The kinds a summary may cover, by the query argument ``kind`` (shared with the records API).
KIND_CHOICES = appraisal.KIND_CHOICES
#: The titles of the two tables, in their downloads' header block and file names.
TITLES = {"cadre": "考核汇总（按人员）", "unit": "考核汇总（按单位）"}
#: Bytes of a built xlsx kept in memory before the spooled file goes to disk; bytes per streamed chunk.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def _chosen() -> appraisal.AppraisalFilter:
    """The filter from the query string; the current Beijing year when nothing was chosen.
    Raises :class:`InvalidInput` naming the argument that cannot be read."""
    args = request.args
    problems: list[Problem] = []

    def day(name: str) -> dt.date | None:
        try:
            return date_filters.parse_day(name, args.get(name))
        except InvalidInput as exc:
            problems.extend(exc.problems)
            return None

    first_day, last_day = day("first_day"), day("last_day")
    year_text = (args.get("year") or "").strip()
    year = None
    if year_text:
        # Any number of digits is read, so that 0001 or 99999 is told the searchable years (filter_for).
        if year_text.isdecimal() and len(year_text) <= 9:  # isdigit() passes "²", which int() refuses
            year = int(year_text)
        else:
            problems.append(Problem(N_("%(value)s is not a year"), {"value": year_text[:40]}, "year"))
    elif first_day is None and last_day is None:
        year = clock().now().astimezone(BEIJING).year
    unit_text = (args.get("unit") or "").strip()
    unit_id = None
    if unit_text:
        # A unit that cannot be read is refused, never replaced by the officer's own unit.
        if unit_text.isascii() and unit_text.isdigit() and len(unit_text) <= 18:
            unit_id = int(unit_text)
        else:
            problems.append(Problem(N_("%(value)s is not a unit from the list"), {"value": unit_text[:40]}, "unit"))
    kind = args.get("kind") or "all"
    if kind not in KIND_CHOICES:
        problems.append(Problem(N_("choose a kind of sitting from the list"), place="kind"))
    if problems:
        raise InvalidInput(problems)
    return appraisal.make_filter(database.session(), actor(), year=year, first_day=first_day, last_day=last_day,
                                 unit_id=unit_id, kinds=KIND_CHOICES[kind])


def _summaries(chosen: appraisal.AppraisalFilter) -> list[report.CadreSummary]:
    """The summary, once the overdue attempts it shows are closed (and committed)."""
    db = database.session()
    deadlines.sweep(db, clock(), sitting_ids=appraisal.sitting_ids(db, actor(), chosen))
    database.commit()
    return appraisal.summary(db, actor(), chosen, clock().now())


@bp.get("/")
@audited_read("appraisal", "org_unit")
def page():
    units = appraisal.units_for(database.session(), actor())
    try:
        chosen = _chosen()
    except InvalidInput as exc:
        return render_template("reports/appraisal.html", problems=problem_texts(exc), args=request.args, units=units,
                               chosen=None, kind_label=kind_label), 422
    summaries = _summaries(chosen)
    cadre_headers, cadres = report.cadre_table(summaries)
    unit_headers, unit_rows = report.unit_table(summaries)
    return render_template("reports/appraisal.html", problems=[], args=request.args, units=units, chosen=chosen,
                           cadre_headers=cadre_headers, cadres=cadres, unit_headers=unit_headers, unit_rows=unit_rows,
                           cell_text=cell_text, query=_query(chosen), kind_label=kind_label,
                           rule_label=report.RULE_LABEL, rule=score_share.RULE)


def _query(chosen: appraisal.AppraisalFilter) -> dict[str, str]:
    """The query string of a download of exactly what the page shows."""
    kind = next(k for k, kinds in KIND_CHOICES.items() if kinds == chosen.kinds)
    return {"first_day": chosen.period.first_day.isoformat(), "last_day": chosen.period.last_day.isoformat(),
            "unit": str(chosen.unit.id), "kind": kind}


@bp.get("/<per>.<ext>")
@audited_read("appraisal_export", "org_unit")
def download(per: str, ext: str):
    if per not in TITLES or ext not in ("xlsx", "csv"):
        abort(404)
    chosen = _chosen()
    summaries = _summaries(chosen)
    headers, rows = appraisal.table(summaries, per)
    appraisal.record_export(database.session(), clock(), actor(), chosen, per, ext, len(rows))
    database.commit()
    preamble = report.header_block(TITLES[per], chosen.period, chosen.unit.name, chosen.kinds, clock().now(), actor())
    if ext == "xlsx":
        spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        tabular.write_xlsx_rows(headers, rows, spooled, sheet_title=TITLES[per],
                                widths=[max(len(h) * 2 + 2, 10) for h in headers], preamble=preamble)
        spooled.seek(0)
        response = Response(_chunks(spooled), content_type=XLSX_TYPE)
    else:
        response = Response(tabular.iter_csv_bytes(headers, rows, preamble=preamble), content_type=CSV_TYPE)
    label = f"{chosen.period.first_day.isoformat()}至{chosen.period.last_day.isoformat()}"
    response.headers["Content-Disposition"] = content_disposition(f"{chosen.unit.name}-{label}", chosen.unit.id, ext,
                                                                  TITLES[per], f"appraisal-{per}")
    response.headers["Cache-Control"] = "no-store"
    return response


def _chunks(spooled: IO[bytes]) -> Iterator[bytes]:
    """The file in chunks of :data:`CHUNK_BYTES`, closed (and its disk copy removed) at the end."""
    try:
        while chunk := spooled.read(CHUNK_BYTES):
            yield chunk
    finally:
        spooled.close()


def kind_label(kind: str) -> str:
    """The kind choice as the form shows it."""
    return {"all": _("Pre-appointment and annual exams"), "pre_appointment": _("Pre-appointment exams"),
            "annual": _("Annual law-study exams")}[kind]
