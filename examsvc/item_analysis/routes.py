"""Item analysis pages (issue 6, "Reports"): for exam admins (the sittings of their unit subtree)
and auditors (read-only, same scope). A sitting's item analysis with its charts, the pool of every
question version over the sittings that used it, and both as CSV or xlsx through the score sheet's
writers. Nothing is changed but the audit entry of a download ("export.item_analysis").
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from examsvc import database
from examsvc.access import actor, guard
from examsvc.extensions import clock
from examsvc.reports.routes import CSV_TYPE, XLSX_TYPE, content_disposition
from question_bank.analysis import item_analysis as ia
from question_bank.formats import tabular
from question_bank.models import Role
from question_bank.reports import charts, item_report
from question_bank.services import audit
from question_bank.services import item_statistics as stats_service

bp = Blueprint("item_analysis", __name__, url_prefix="/item-analysis")
guard(bp, Role.EXAM_ADMIN, Role.AUDITOR)

EXPORT_ACTION = "export.item_analysis"
FORMATS = ("csv", "xlsx")
LABEL = "试题分析"


@bp.get("/")
def sittings():
    return render_template("item_analysis/sittings.html",
                           sittings=stats_service.sittings_in_scope(database.session(), actor()))


def _scatter(analysis: ia.Analysis):
    return charts.scatter((str(n), s.facility, s.discrimination, bool(s.flags))
                          for n, s in enumerate(analysis.items, start=1))


@bp.get("/sittings/<int:sitting_id>")
def sitting(sitting_id: int):
    db = database.session()
    found = stats_service.visible_sitting(db, actor(), sitting_id)
    loaded = stats_service.load(db, [found])
    analysis = ia.analyse(loaded.matrix)
    histogram = charts.score_distribution(((c.score, c.max_score) for c in loaded.candidates),
                                          found.pass_mark, found.paper.total_marks)
    rate_bars, rate_height = charts.pass_rate_bars(charts.pass_rates((c.unit, c.passed) for c in loaded.candidates))
    return render_template("item_analysis/sitting.html", sitting=found, loaded=loaded, analysis=analysis,
                           histogram=histogram, rate_bars=rate_bars, rate_height=rate_height,
                           points=_scatter(analysis), box=charts.plot_box(), ia=ia, formats=FORMATS)


@bp.get("/versions")
def versions():
    loaded = stats_service.versions_used(database.session(), actor())
    analysis = ia.analyse(loaded.matrix)
    return render_template("item_analysis/versions.html", loaded=loaded, analysis=analysis,
                           sittings_per_item=_sittings_per_item(loaded), points=_scatter(analysis),
                           box=charts.plot_box(), ia=ia, formats=FORMATS)


def _sittings_per_item(loaded: stats_service.Loaded) -> dict[int, int]:
    return {key: len(stats_service.sittings_using(loaded, key)) for key in loaded.versions}


@bp.get("/sittings/<int:sitting_id>/items.<any(csv, xlsx):fmt>")
def sitting_export(sitting_id: int, fmt: str):
    db = database.session()
    found = stats_service.visible_sitting(db, actor(), sitting_id)
    rows = item_report.rows(ia.analyse(stats_service.load(db, [found]).matrix))
    return _download(rows, fmt, found.title, "sitting", found.id)


@bp.get("/versions.<any(csv, xlsx):fmt>")
def versions_export(fmt: str):
    loaded = stats_service.versions_used(database.session(), actor())
    rows = item_report.rows(ia.analyse(loaded.matrix), _sittings_per_item(loaded))
    return _download(rows, fmt, "题目版本汇总", "question_version_pool", 0)


def _download(rows: list[tuple], fmt: str, title: str, object_type: str, object_id: int) -> Response:
    """The file, after its audit entry (what was exported, the format and how many items)."""
    audit.record(database.session(), clock(), actor(), EXPORT_ACTION, object_type, object_id,
                 after={"format": fmt, "rows": len(rows)})
    database.commit()
    if fmt == "xlsx":
        response = Response(tabular.to_xlsx_bytes(item_report.HEADERS, rows, sheet_title=LABEL), content_type=XLSX_TYPE)
    else:
        response = Response(tabular.to_csv_bytes(item_report.HEADERS, rows), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = content_disposition(title, object_id, fmt, LABEL, "item-analysis")
    response.headers["Cache-Control"] = "no-store"
    return response
