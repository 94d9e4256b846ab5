"""HR's printable score report of one attempt (A4, the browser's print; print stylesheet
``css/print_report.css``) and the issuing of its verification code, which anyone can check on the
public page of ``examsvc.verification``. The report only reads; issuing a code is a POST, audited.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from examsvc import database
from examsvc.access import actor, guard
from examsvc.extensions import clock
from examsvc.read_audit import audited_read
from question_bank import id_vault
from question_bank.models import Role
from question_bank.reports import score_sheet as sheets
from question_bank.services import report_codes

bp = Blueprint("score_reports", __name__, url_prefix="/reports/attempts")
guard(bp, Role.HR)


@bp.get("/<int:attempt_id>")
@audited_read("score_report", "attempt", "attempt_id")
def show(attempt_id: int):
    found = report_codes.report(database.session(), actor(), attempt_id)
    attempt = found.attempt
    return render_template("reports/score_report.html", report=found, attempt=attempt,
                           masked_id=id_vault.masked(attempt.user),
                           duration=sheets.minutes_answering(attempt),
                           duration_s=sheets.answering_seconds(attempt),
                           reopened=sheets.reopened_periods(attempt),
                           makeup=sheets.is_makeup(attempt.sitting, attempt),
                           band=sheets.BAND_LABELS.get(found.result.band, ""),
                           printed_code=report_codes.printed(found.code.code) if found.code else None,
                           verify_url=url_for("verification.page", _external=True), now=clock().now())


@bp.post("/<int:attempt_id>/code")
def issue_code(attempt_id: int):
    report_codes.issue(database.session(), clock(), actor(), attempt_id)
    database.commit()
    return redirect(url_for("score_reports.show", attempt_id=attempt_id))
