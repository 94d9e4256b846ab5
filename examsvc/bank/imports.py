"""The import pages of the question bank (domain.md §3; issue step 2): upload a template file (or a
Moodle XML, GIFT or JSON Lines file, ``question_bank.services.import_formats``),
download the template, list the import batches, look through one, and approve or reject it.

Bank editors upload; bank reviewers decide; both may look. The blueprint's guard already keeps
everyone else out; each view narrows it where it must. The four-eyes rule (the uploader never
decides their own batch) is the domain's, in ``question_bank.services.review.decide_batch``.

A report may hold thousands of problems: a page shows its summary (rows read, imported and left
out; problems grouped by reason with their first rows) and the first :data:`PROBLEMS_SHOWN`
problems; the whole list is a download (CSV with BOM, or .xlsx) with the columns file, sheet, row,
column and reason. A batch page shows its report on the first page only, above the questions.
"""

from __future__ import annotations

import re
from io import BytesIO
from math import ceil

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.bank.import_forms import DecideForm, DiscardForm, HeldForm, ImportForm
from examsvc.bank.routes import bp
from examsvc.downloads import disposition
from examsvc.errors import FIELD_NAMES, format_place, problem_text, problem_texts, translate
from examsvc.extensions import clock
from examsvc.reports.routes import filename_stem
from question_bank.errors import Conflict, InvalidInput, NotFound, Place, Problem
from question_bank.formats import tabular
from question_bank.formats.row_estimate import estimate_rows
from question_bank.formats.spreadsheet import MAX_DATA_ROWS
from question_bank.formats.template import GUIDE
from question_bank.formats.template_file import write_template
from question_bank.models import ImportBatch, Role
from question_bank.services import batch_discard, held_imports, import_formats, import_jobs, importing, review, review_stamps

#: Batches a page of the list shows, and questions a page of a batch shows.
BATCHES_PER_PAGE = 20
QUESTIONS_PER_PAGE = 20
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
#: Problems a page lists; the rest are in the download.
PROBLEMS_SHOWN = 100
#: Repeated stems (and options pinned by proposal) a batch page lists; every such question shows
#: its badge in the list anyway.
DUPLICATES_SHOWN = 100
#: A page number: digits, perhaps signed; anything else is the first page.
_PAGE_NUMBER = re.compile(r"\s*([+-]?)(\d+)\s*", re.ASCII)
#: More digits than any real page count has: such a number is taken as "the last page".
_MAX_PAGE_DIGITS = 9


def page_number(pages: int) -> int:
    """The ``?page=`` argument within 1 … ``pages``: missing, malformed, zero or negative is the
    first page; past the last (however many digits) is the last. Never raises."""
    found = _PAGE_NUMBER.fullmatch(request.args.get("page", ""))
    if found is None or found.group(1) == "-":
        return 1
    digits = found.group(2)
    wanted = pages if len(digits.lstrip("0")) > _MAX_PAGE_DIGITS else int(digits)
    return min(max(wanted, 1), max(pages, 1))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.BANK_EDITOR)
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _upload_page(form, None, 422 if form.is_submitted() else 200)
    upload = form.file.data
    data = upload.read()
    try:
        rows = background_rows(upload.filename or "", data, form.file_format.data)
        if rows is not None:
            job = import_jobs.enqueue(database.session(), clock(), actor(), upload.filename or "", data,
                                      form.mode.data, form.repeats.data, form.file_format.data, rows)
            database.commit()
            return redirect(url_for("bank.import_job", job_id=job.id))
        report, held = held_imports.import_or_hold(database.session(), clock(), actor(), upload.filename or "",
                                                   data, form.mode.data, form.repeats.data, form.file_format.data)
    except InvalidInput as exc:
        # A file refused before any row is read (a name over the limit): said on the form, whose
        # choices stay as they were; the file must be chosen again (a browser never refills it).
        database.session().rollback()
        form.file.errors = [*form.file.errors, *(text["message"] for text in problem_texts(exc))]
        return _upload_page(form, None, 422)
    return after_import(form, report, held)


@bp.post("/import/held/<int:held_id>")
@roles_required(Role.BANK_EDITOR)
def import_held(held_id: int):
    """The uploader's answer to a held upload: skip the repeats, import them too, or drop the file."""
    form = HeldForm()
    if not form.validate_on_submit():
        abort(400)
    db = database.session()
    if form.drop.data:
        filename = held_imports.drop(db, actor(), held_id)
        database.commit()
        flash(_("%(file)s was not imported.", file=filename), "info")
        return redirect(url_for("bank.import_upload"))
    repeats = importing.KEEP_REPEATS if form.keep.data else importing.SKIP_REPEATS
    held = held_imports.get_held(db, actor(), held_id)
    rows = background_rows(held.filename, held.data, held.file_format)
    if rows is not None:
        job = import_jobs.enqueue(db, clock(), actor(), held.filename, held.data, held.mode, repeats, held.file_format,
                                  rows)
        held_imports.drop(db, actor(), held_id)
        database.commit()
        return redirect(url_for("bank.import_job", job_id=job.id))
    report = held_imports.resume(db, clock(), actor(), held_id, repeats)
    upload_form = ImportForm(formdata=None, mode=report.mode, repeats=repeats)
    return after_import(upload_form, report, None)


def background_rows(filename: str, data: bytes, file_format: str) -> int | None:
    """The estimated questions of an upload whose import goes to a background job (more than the
    configured ``IMPORT_BACKGROUND_ROWS``, 0: every upload), counted cheaply in the unit the import
    counts (a template's rows, an interchange file's questions: ``formats.row_estimate``) for
    ``file_format`` (the form's choice, or ``auto`` to recognise it as the import will); None for
    an upload imported in the request."""
    limit = current_app.config["IMPORT_BACKGROUND_ROWS"]
    code = import_formats.detect(filename, data) if file_format == import_formats.AUTO else file_format
    rows = estimate_rows(data, MAX_DATA_ROWS + 1, code)
    return rows if limit <= 0 or rows > limit else None


def after_import(form: ImportForm, report: importing.ImportReport, held):
    """The page after an import, in the request or in a background job (``import_job_pages``): held
    (nothing written; the choice offered), refused, or the new batch."""
    if report.held:
        database.commit()  # the held upload, kept for the uploader's choice
        form.repeats.data = importing.SKIP_REPEATS
        return _upload_page(form, report, 409, held)
    if report.refused:
        database.commit()  # the refusal's audit event, which keeps the problems for download
        return _upload_page(form, report, 422)
    database.commit()
    message = _("%(n)d questions imported from %(file)s into batch %(id)d; they wait for review.",
                n=report.imported, file=report.filename, id=report.batch.id)
    if report.errors:
        message += " " + _("%(rows)d rows with problems were left out (%(n)d problems).",
                           rows=report.summary().rows_with_problems, n=len(report.errors))
    flash(message, "success")
    if report.duplicates:
        flash(_("%(n)d questions repeat or closely resemble another question; they are flagged below.",
                n=len(report.duplicates)), "error")
    skipped = (report.batch.report or {}).get("skipped_repeats") or []
    if skipped:
        flash(_("%(n)d questions already in the bank were skipped.", n=len(skipped)), "info")
    if report.notices:
        flash(_("Some of the file was not read; see the notices below."), "error")
    if report.pinned:
        flash(_("In %(n)d questions, options such as 以上都是 were pinned so that shuffling leaves them in place; "
                "they are listed below.", n=len(report.pinned)), "info")
    cited = report.citations
    if cited.get("total"):
        flash(_("%(ok)d of %(n)d legal-basis citations were found in the law catalogue.", ok=cited["resolved"],
                n=cited["total"]), "success" if cited["resolved"] == cited["total"] else "error")
    return redirect(url_for("bank.batch", batch_id=report.batch.id))


def _upload_page(form: ImportForm, report: importing.ImportReport | None, status: int, held=None):
    summary = report.summary() if report is not None else None
    errors = [problem_text(p) for p in report.errors[:PROBLEMS_SHOWN]] if report is not None else []
    notices = [problem_text(p) for p in report.notices] if report is not None else []
    return render_template("bank/import.html", form=form, report=report, summary=summary, notices=notices,
                           held=held, held_form=HeldForm(), jobs=import_jobs.active_jobs(database.session(), actor()),
                           groups=_groups(summary), errors=errors, guide=GUIDE, max_rows=MAX_DATA_ROWS,
                           background_rows=current_app.config["IMPORT_BACKGROUND_ROWS"]), status


def _groups(summary: importing.Summary | None) -> list[dict]:
    """The summary's groups for a page: the reason and the column in the person's language."""
    if summary is None:
        return []
    return [{"message": translate(g.example.message, g.example.params), "varied": g.varied,
             "column": _column_text(g.example.place), "count": g.count, "rows": g.rows,
             "first_rows": _rows_text(g, summary.several_sheets)} for g in summary.groups]


def _rows_text(group: importing.ProblemGroup, with_sheets: bool) -> list[str]:
    """A group's first rows as a page lists them: "3", or "单选题 3" when the file's problems lie
    on several sheets (a bare row number would not say which)."""
    if not with_sheets or not group.first_sheets:
        return [str(row) for row in group.first_rows]
    return [_("%(sheet)s row %(row)d", sheet=sheet, row=row) if sheet else str(row)
            for sheet, row in zip(group.first_sheets, group.first_rows)]


def _column_text(place: Place | str) -> str:
    """A place's column as a download or a summary shows it: "G (答案)", or the header alone; a
    field of a question in an interchange file (Moodle XML, GIFT, JSON Lines) by its name in the
    person's language where it has one ("type" → 题型)."""
    if not isinstance(place, Place):
        return format_place(place)
    if place.item is not None and not place.column and place.header:
        return str(FIELD_NAMES.get(place.header, place.header))
    if place.column and place.header:
        return f"{place.column} ({place.header})"
    return place.column or place.header


def _problem_file(filename: str, problems: list[Problem], file_format: str, fallback: str) -> Response:
    """Every problem as a download: columns file, sheet, row, column, reason; through the shared
    writers, which neutralise cells a spreadsheet would take for a formula."""
    headers = [_("File"), _("Sheet"), _("Row"), _("Column"), _("Reason")]
    rows = []
    for problem in problems:
        place = problem.place if isinstance(problem.place, Place) else Place()
        rows.append([place.file, place.sheet, place.row, _column_text(problem.place),
                     translate(problem.message, problem.params)])
    if file_format == "xlsx":
        response = Response(tabular.to_xlsx_bytes(headers, rows, sheet_title=_("Problems")), content_type=XLSX_MIMETYPE)
    else:
        response = Response(tabular.iter_csv_bytes(headers, rows), content_type=CSV_MIMETYPE)
    stem = filename_stem(filename.rsplit(".", 1)[0])
    name = f"{stem}-导入问题.{file_format}" if stem else f"导入问题.{file_format}"
    response.headers["Content-Disposition"] = disposition(name, f"{fallback}.{file_format}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/import/refused/<int:refusal_id>/problems.<any(csv, xlsx):file_format>")
@roles_required(Role.BANK_EDITOR)
def refused_problems(refusal_id: int, file_format: str):
    filename, problems = importing.refused_problems(database.session(), clock(), actor(), refusal_id, file_format)
    database.commit()
    return _problem_file(filename, problems, file_format, f"import-problems-{refusal_id}")


@bp.get("/batches/<int:batch_id>/problems.<any(csv, xlsx):file_format>")
def batch_problems(batch_id: int, file_format: str):
    batch = _batch(batch_id)
    problems = importing.batch_problems(database.session(), clock(), actor(), batch, file_format)
    database.commit()
    return _problem_file(batch.filename, problems, file_format, f"batch-{batch_id}-problems")


@bp.get("/import/template.xlsx")
@roles_required(Role.BANK_EDITOR, Role.BANK_REVIEWER)
def import_template():
    # send_file names no attachment here: its own header would give old clients the ASCII name ".xlsx".
    response = send_file(BytesIO(write_template()), mimetype=XLSX_MIMETYPE, max_age=0)
    response.headers["Content-Disposition"] = disposition("题库导入模板.xlsx", "bank-import-template.xlsx")
    return response


@bp.get("/batches")
def batches():
    db = database.session()
    total = importing.count_batches(db)
    pages = max(ceil(total / BATCHES_PER_PAGE), 1)
    page = page_number(pages)
    rows = importing.recent_batches(db, page, BATCHES_PER_PAGE)
    return render_template("bank/batches.html", batches=rows, page=page, pages=pages, total=total,
                           left_out={b.id: importing.rows_left_out(b) for b in rows},
                           # A discarded batch's flagged questions were removed with it: not counted.
                           resembling={b.id: len(batch_discard.still_held(db, b, (b.report or {}).get("duplicates", [])))
                                       for b in rows})


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
    count = importing.batch_question_count(db, batch)
    pages = max(ceil(count / QUESTIONS_PER_PAGE), 1)
    page = page_number(pages)
    questions = review.batch_questions(db, batch, offset=(page - 1) * QUESTIONS_PER_PAGE, limit=QUESTIONS_PER_PAGE)
    report = batch.report or {}
    summary = importing.batch_summary(batch)
    # The report goes with the first page only; the later pages are for reading the questions.
    errors = [problem_text(importing.read_stored_problem(e)) for e in report.get("errors", [])[:PROBLEMS_SHOWN]]
    # A changed answer (same stem and options, another key or type) is listed apart from the repeats.
    # Rows whose question was discarded with the batch are counted apart and never linked.
    flagged = report.get("duplicates", [])
    held = batch_discard.still_held(db, batch, flagged)
    changed = [d for d in held if d.get("changed")]
    duplicates = [d for d in held if not d.get("changed")]
    discarded_count = sum(1 for d in flagged if not d.get("changed")) - len(duplicates)
    # The first DUPLICATES_SHOWN, or every one (?duplicates=all): each with its leave-out box.
    every = request.args.get("duplicates") == "all"
    shown = duplicates if every else duplicates[:DUPLICATES_SHOWN]
    pinned = batch_discard.still_held(db, batch, report.get("pinned", []))
    notes = [problem_text(importing.read_stored_problem(n)) for n in report.get("notes", [])[:PROBLEMS_SHOWN]]
    notices = [problem_text(importing.read_stored_problem(n)) for n in report.get("notices", [])]
    return render_template("bank/batch.html", batch=batch, form=form, questions=questions, count=count,
                           notices=notices if page == 1 else [], discard_form=DiscardForm(),
                           skipped=report.get("skipped_repeats", []) if page == 1 else [],
                           in_review_count=review.in_review_count(db, batch), large_batch=review.LARGE_BATCH,
                           # What the reviewer reads, so that approving publishes exactly that.
                           review_stamp=review_stamps.batch_stamp(db, batch) if batch.status == "in_review" else "",
                           repeat_count=len(review.flagged_repeats(db, batch)) if batch.status == "in_review" else 0,
                           near_count=(len(review.flagged_near_duplicates(db, batch))
                                       if batch.status == "in_review" else 0),
                           page=page, pages=pages, summary=summary, groups=_groups(summary) if page == 1 else [],
                           errors=errors if page == 1 else [], duplicates=shown if page == 1 else [],
                           duplicate_count=len(duplicates), discarded_duplicates=discarded_count,
                           changed=changed[:DUPLICATES_SHOWN] if page == 1 else [], changed_count=len(changed),
                           gone=batch_discard.removed(db, {d.get("resembles")
                                                           for d in shown + changed[:DUPLICATES_SHOWN]}),
                           first=(page - 1) * QUESTIONS_PER_PAGE,
                           pinned=pinned[:DUPLICATES_SHOWN] if page == 1 else [],
                           pinned_count=len(pinned),
                           notes=notes if page == 1 else [], notes_count=len(report.get("notes", [])),
                           citations=report.get("citations") or {}), status


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
    leave_out = {int(v) for v in request.form.getlist("leave_out") if v.isascii() and v.isdigit()}
    waiting = review.in_review_count(database.session(), batch)
    try:
        changed = review.decide_batch(database.session(), clock(), actor(), batch, approve,
                                      (form.note.data or "").strip(), leave_out=leave_out, confirmed=form.confirm.data,
                                      reviewed=request.form.get("reviewed", ""),
                                      leave_out_repeats=bool(form.leave_out_repeats.data),
                                      leave_out_near_duplicates=bool(form.leave_out_near.data))
    except InvalidInput as exc:
        database.session().rollback()
        for problem in exc.problems:
            flash(translate(problem.message, problem.params), "error")
        # No review stamp at all: a request from an old page (400), not a form to correct.
        return _batch_page(batch, form, 400 if any(p.place == "reviewed" for p in exc.problems) else 422)
    except Conflict as exc:
        # Decided meanwhile, or its questions changed since the page was read (review_stamps):
        # the page again, as it is now, with a fresh stamp.
        database.session().rollback()
        flash(translate(exc.template, exc.params), "error")
        return _batch_page(_batch(batch_id), form, 409)
    database.commit()
    if approve and waiting > changed:
        flash(_("Batch %(id)d approved: %(n)d questions published, %(m)d left out and returned as drafts.",
                id=batch.id, n=changed, m=waiting - changed), "success")
    elif approve:
        flash(_("Batch %(id)d approved: %(n)d questions published.", id=batch.id, n=changed), "success")
    else:
        flash(_("Batch %(id)d rejected: %(n)d questions returned as drafts.", id=batch.id, n=changed), "success")
    return redirect(url_for("bank.batch", batch_id=batch.id))


@bp.post("/batches/<int:batch_id>/discard")
@roles_required(Role.BANK_EDITOR)
def discard(batch_id: int):
    batch = _batch(batch_id)
    if not DiscardForm().validate_on_submit():
        abort(400)
    removed = batch_discard.discard_batch(database.session(), clock(), actor(), batch)
    database.commit()
    flash(_("Batch %(id)d discarded: %(n)d drafts removed.", id=batch_id, n=removed), "success")
    return redirect(url_for("bank.batches"))
