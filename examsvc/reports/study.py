"""HR's study progress: the published lists aimed at their units, one list's progress per cadre
and per unit (only cadres in the officer's subtree), and its download as .xlsx or .csv written
by the score sheet's writers (formula neutralising, BOM, RFC 6266 names); each download audited."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from examsvc import database
from examsvc.access import actor, guard
from examsvc.extensions import clock
from examsvc.read_audit import audited_read
from examsvc.reports.routes import CSV_TYPE, XLSX_TYPE, cell_text, content_disposition
from question_bank.formats import tabular
from question_bank.models import Role
from question_bank.services import study_reports

bp = Blueprint("study_reports", __name__, url_prefix="/reports/study")
guard(bp, Role.HR)

PER = {"cadre": "学习进度（按人员）", "unit": "学习进度（按单位）"}


@bp.get("/")
def lists():
    return render_template("reports/study_lists.html", lists=study_reports.lists_for_reader(database.session(), actor()))


@bp.get("/<int:list_id>")
@audited_read("study_progress", "study_list", "list_id")
def progress(list_id: int):
    db = database.session()
    found = study_reports.visible_list(db, actor(), list_id)
    return render_template("reports/study_progress.html", study_list=found,
                           cadre_headers=study_reports.CADRE_HEADERS, cadres=study_reports.cadre_rows(db, actor(), found),
                           unit_headers=study_reports.UNIT_HEADERS, units=study_reports.unit_rows(db, actor(), found),
                           cell_text=cell_text)


@bp.get("/<int:list_id>/<per>.<ext>")
@audited_read("study_progress_export", "study_list", "list_id")
def download(list_id: int, per: str, ext: str):
    if per not in PER or ext not in ("xlsx", "csv"):
        abort(404)
    db = database.session()
    found = study_reports.visible_list(db, actor(), list_id)
    headers, rows = study_reports.export_progress(db, clock(), actor(), found, per, ext)
    # The file is made before its export's audit event is committed: one that could not be made was never exported.
    if ext == "xlsx":
        response = Response(tabular.to_xlsx_bytes(headers, rows, sheet_title=found.title), content_type=XLSX_TYPE)
    else:
        response = Response(tabular.iter_csv_bytes(headers, rows), content_type=CSV_TYPE)
    database.commit()
    response.headers["Content-Disposition"] = content_disposition(found.title, found.id, ext, PER[per],
                                                                  f"study-progress-{per}")
    response.headers["Cache-Control"] = "no-store"
    return response
