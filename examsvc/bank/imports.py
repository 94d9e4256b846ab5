"""The import pages of the question bank (domain.md §3; issue step 2): upload a template file,
download the template, list the import batches, look through one, and approve or reject it.

Bank editors upload; bank reviewers decide; both may look. The blueprint's guard already keeps
everyone else out; each view narrows it where it must. The four-eyes rule (the uploader never
decides their own batch) is the domain's, in ``question_bank.services.review.decide_batch``.
"""

from __future__ import annotations

from io import BytesIO
from math import ceil

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.bank.import_forms import DecideForm, ImportForm
from examsvc.bank.routes import bp
from examsvc.errors import problem_text
from examsvc.extensions import clock
from question_bank.errors import NotFound
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.formats.template import GUIDE
from question_bank.formats.template_file import write_template
from question_bank.models import ImportBatch, Role
from question_bank.services import importing, review

#: Batches a page of the list shows, and questions a page of a batch shows.
BATCHES_PER_PAGE = 20
QUESTIONS_PER_PAGE = 20
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.BANK_EDITOR)
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _upload_page(form, None, 422 if form.is_submitted() else 200)
    upload = form.file.data
    report = importing.import_questions(database.session(), clock(), actor(), upload.filename or "",
                                        upload.read(), form.mode.data)
    if report.refused:
        return _upload_page(form, report, 422)
    database.commit()
    message = _("%(n)d questions imported from %(file)s into batch %(id)d; they wait for review.",
                n=report.imported, file=report.filename, id=report.batch.id)
    if report.errors:
        message += " " + _("%(n)d problems were found; those rows were left out.", n=len(report.errors))
    flash(message, "success")
    if report.duplicates:
        flash(_("%(n)d questions repeat an existing stem; they are flagged below.", n=len(report.duplicates)), "error")
    return redirect(url_for("bank.batch", batch_id=report.batch.id))


def _upload_page(form: ImportForm, report: importing.ImportReport | None, status: int):
    errors = [problem_text(p) for p in report.errors] if report is not None else []
    return render_template("bank/import.html", form=form, report=report, errors=errors, guide=GUIDE,
                           max_rows=MAX_DATA_ROWS), status


@bp.get("/import/template.xlsx")
@roles_required(Role.BANK_EDITOR, Role.BANK_REVIEWER)
def import_template():
    return send_file(BytesIO(write_template()), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="题库导入模板.xlsx", max_age=0)


@bp.get("/batches")
def batches():
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = importing.recent_batches(database.session(), page, BATCHES_PER_PAGE)
    return render_template("bank/batches.html", batches=rows, page=page,
                           pages=max(ceil(total / BATCHES_PER_PAGE), 1), total=total)


def _batch(batch_id: int) -> ImportBatch:
    batch = database.session().get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    return batch


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):
    return _batch_page(_batch(batch_id), DecideForm(), 200)


def _batch_page(batch: ImportBatch, form: DecideForm, status: int):
    db = database.session()
    page = max(request.args.get("page", 1, type=int), 1)
    count = importing.batch_question_count(db, batch)
    questions = review.batch_questions(db, batch, offset=(page - 1) * QUESTIONS_PER_PAGE, limit=QUESTIONS_PER_PAGE)
    report = batch.report or {}
    errors = [problem_text(importing.read_stored_problem(e)) for e in report.get("errors", [])]
    return render_template("bank/batch.html", batch=batch, form=form, questions=questions, count=count,
                           page=page, pages=max(ceil(count / QUESTIONS_PER_PAGE), 1), errors=errors,
                           duplicates=report.get("duplicates", []), first=(page - 1) * QUESTIONS_PER_PAGE), status


@bp.post("/batches/<int:batch_id>/decide")
@roles_required(Role.BANK_REVIEWER)
def decide(batch_id: int):
    batch = _batch(batch_id)
    form = DecideForm()
    if not (form.approve.data or form.reject.data):
        abort(400)
    if not form.validate():
        return _batch_page(batch, form, 422)
    approve = bool(form.approve.data)
    changed = review.decide_batch(database.session(), clock(), actor(), batch, approve, (form.note.data or "").strip())
    database.commit()
    if approve:
        flash(_("Batch %(id)d approved: %(n)d questions published.", id=batch.id, n=changed), "success")
    else:
        flash(_("Batch %(id)d rejected: %(n)d questions returned as drafts.", id=batch.id, n=changed), "success")
    return redirect(url_for("bank.batch", batch_id=batch.id))
