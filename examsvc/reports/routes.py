"""HR reports: the sittings an HR officer can report on, a sitting's score sheet, and its download
as .xlsx or .csv (domain.md §8, issue step 6, cases C-14, C-16, C-26), and the early release of a
sitting's results (C-19).

Every view is for role ``hr`` only; a sitting with no roster entry in the officer's unit subtree is
404, exactly like one that does not exist. Each download is an audit event.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, render_template, url_for

from examsvc import database
from examsvc.access import actor, guard
from examsvc.downloads import disposition
from examsvc.extensions import clock
from examsvc.formatting import points
from examsvc.read_audit import audited_read
from examsvc.results_release import release_and_return
from question_bank.formats import tabular
from question_bank.models import Role, Sitting
from question_bank.reports import score_sheet as sheets
from question_bank.services import deadlines, full_id_exports, release
from question_bank.services import score_sheets as sheet_service
from question_bank.services.standing import CandidateStatus

bp = Blueprint("reports", __name__, url_prefix="/reports")
guard(bp, Role.HR)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

#: Longest file name stem offered for a download, in characters.
MAX_FILENAME_STEM = 80
#: Characters never put in a download name: quotes, path separators and what Windows forbids.
_UNSAFE_FILENAME = re.compile(r"[\"'\\/:*?<>|\s_]+")
#: Badge class of how each row ended on the preview (absent and in progress stand out), by the label
#: before any note ("；曾重新开放 …").
ENDED_BADGES = {
    sheets.ENDED_LABELS[CandidateStatus.SUBMITTED]: "ok",
    sheets.ENDED_LABELS[CandidateStatus.AUTO_SUBMITTED]: "ok",
    sheets.ENDED_LABELS[CandidateStatus.IN_PROGRESS]: "warn",
    sheets.ENDED_LABELS[CandidateStatus.ABSENT]: "bad",
    sheets.ENDED_LABELS[CandidateStatus.VOIDED]: "bad",
}


def cell_text(value: Any) -> str:
    """A sheet cell as the web preview shows it: points as on every page, date-times to the second."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return points(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@bp.get("/sittings")
def sittings():
    db = database.session()
    # Reports only read: the overdue attempts they would show are closed here first (issue 6).
    deadlines.sweep(db, clock(), sitting_ids=sheet_service.summary_sitting_ids(db, actor()))
    database.commit()
    summaries = sheet_service.sitting_summaries(db, clock(), actor())
    return render_template("reports/sittings.html", summaries=summaries)


@bp.get("/sittings/<int:sitting_id>")
@audited_read("score_sheet", "sitting", "sitting_id")
def sitting(sitting_id: int):
    db = database.session()
    found = sheet_service.visible_sitting(db, sitting_id, actor())
    headers, rows = _closed_then_read(found)
    now = clock().now()
    report_ids = sheet_service.counted_attempt_ids(db, clock(), found, actor())
    return render_template("reports/sitting.html", sitting=found, headers=headers, rows=rows, report_ids=report_ids,
                           is_open=found.is_open(now), badges=ENDED_BADGES, cell_text=cell_text,
                           ended_col=headers.index(sheets.COL_ENDED), is_withheld=sheets.is_withheld,
                           withheld=sheets.withheld(rows), can_release=release.can_release(actor(), found, now),
                           released_by=release.released_by(db, found),
                           may_export_full_ids=full_id_exports.may_export_full_ids(actor()))


@bp.post("/sittings/<int:sitting_id>/release-results")
def release_results(sitting_id: int):
    found = sheet_service.visible_sitting(database.session(), sitting_id, actor())
    return release_and_return(found, url_for("reports.sitting", sitting_id=found.id))


@bp.get("/sittings/<int:sitting_id>/scores.xlsx")
@audited_read("score_sheet_export", "sitting", "sitting_id")
def scores_xlsx(sitting_id: int):
    db = database.session()
    found = sheet_service.visible_sitting(db, sitting_id, actor())
    headers, rows = _closed_then_read(found)
    # Made before the export is recorded: a file that could not be made was never exported.
    body = tabular.to_xlsx_bytes(headers, rows, sheet_title=found.title)
    _record_export(found, "xlsx", rows)
    return _download(Response(body, content_type=XLSX_TYPE), found.title, sitting_id, "xlsx")


@bp.get("/sittings/<int:sitting_id>/scores.csv")
@audited_read("score_sheet_export", "sitting", "sitting_id")
def scores_csv(sitting_id: int):
    db = database.session()
    found = sheet_service.visible_sitting(db, sitting_id, actor())
    headers, rows = _closed_then_read(found)
    _record_export(found, "csv", rows)
    # Streamed from rows already read: the BOM is in the first chunk only (case C-14).
    return _download(Response(tabular.iter_csv_bytes(headers, rows), content_type=CSV_TYPE), found.title,
                     sitting_id, "csv")


def _closed_then_read(found: Sitting) -> tuple[tuple[str, ...], list]:
    """The sheet of ``found`` once the overdue attempts it shows are closed (and committed): the
    report itself only reads (issue 6, "the house")."""
    db = database.session()
    deadlines.sweep(db, clock(), sitting_ids=sheet_service.related_sitting_ids(db, found))
    database.commit()
    return sheet_service.score_sheet(db, clock(), found, actor())


def _record_export(found: Sitting, file_format: str, rows: list) -> None:
    """The download's audit event, committed before the file is sent."""
    sheet_service.record_export(database.session(), clock(), actor(), found, file_format, rows)
    database.commit()


def _download(response: Response, title: str, sitting_id: int, ext: str, label: str = "成绩汇总表") -> Response:
    response.headers["Content-Disposition"] = content_disposition(title, sitting_id, ext, label)
    response.headers["Cache-Control"] = "no-store"
    return response


def filename_stem(title: str) -> str:
    """A file name stem from a sitting title: control characters, quotes, path separators and
    characters Windows forbids become "_", runs of them one "_", cut to :data:`MAX_FILENAME_STEM`."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in title)
    text = _UNSAFE_FILENAME.sub("_", text).strip("._")
    return text[:MAX_FILENAME_STEM].rstrip("._")


def content_disposition(title: str, object_id: int, ext: str, label: str = "成绩汇总表",
                        fallback_stem: str = "score-sheet") -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the real name as RFC 6266 /
    RFC 5987 ``filename*=UTF-8''…`` (e.g. "任前法律知识考试-成绩汇总表.csv"); ``label`` names what
    the file is (成绩汇总表, 学习进度 …) and ``fallback_stem`` the ASCII name's start."""
    fallback = f"{fallback_stem}-{object_id}.{ext}"
    stem = filename_stem(title)
    name = f"{stem}-{label}.{ext}" if stem else f"{label}-{object_id}.{ext}"
    return disposition(name, fallback)


from examsvc.reports import full_id_pages  # noqa: E402,F401  (its view joins this blueprint)
