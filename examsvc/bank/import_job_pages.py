"""The page of a background import (issue 5): its state and a progress bar while it is queued or
running (``static/js/import_job.js`` polls :func:`import_job_status`; without script the page
refreshes itself), then the same result the import in the request shows: the new batch, the
refusal with its problems, or the held upload's choice (``imports.after_import``).

Its uploader and bank reviewers see a job (``import_jobs.job_for``); the held upload's choice is
its uploader's alone.
"""

from __future__ import annotations

from flask import jsonify, render_template, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor
from examsvc.bank.import_forms import ImportForm
from examsvc.bank.imports import after_import
from examsvc.bank.routes import bp
from examsvc.errors import translate
from question_bank.models import HeldImport, ImportJob, JobState, User
from question_bank.services import import_jobs, importing
from question_bank.services.import_job_reports import load

#: Seconds between two looks at a job that is not finished (the script's and the no-script refresh's).
POLL_SECONDS = 2


def _status(job: ImportJob) -> dict:
    """What the page and the JSON say of a job: state, rows, percent (None: not known yet) and a
    sentence in the person's language."""
    percent = None
    if job.state == JobState.QUEUED:
        text = _("Waiting for an import worker …")
    elif job.state == JobState.RUNNING and not job.rows_total:
        # A template is read, checked and written a part at a time (services.importing): the
        # whole bar, against the rows estimated at upload, short of done until it is committed.
        if job.rows_expected:
            percent = min(round(100 * job.rows_done / job.rows_expected), 99)
            text = _("Importing the file: %(done)s of about %(total)s rows read, checked and written …",
                     done=f"{job.rows_done:,}", total=f"{job.rows_expected:,}")
        else:
            text = _("Reading the file …")
    elif job.state == JobState.RUNNING:
        percent = 50
        text = _("%(total)s rows read; checking them against the bank and writing the questions …",
                 total=f"{job.rows_total:,}")
    elif job.state == JobState.DONE:
        percent, text = 100, _OUTCOME_TEXT[_outcome(job)]()
    else:
        text = _("The import failed: %(reason)s", reason=translate(job.failure["message"], job.failure["params"]))
    return {"id": job.id, "state": str(job.state), "rows_done": job.rows_done, "rows_total": job.rows_total,
            "percent": percent, "text": text, "finished": job.state in (JobState.DONE, JobState.FAILED),
            "outcome": _outcome(job) if job.state == JobState.DONE else None}


def _outcome(job: ImportJob) -> str:
    """How a finished job ended: "imported" (a batch was written), "held" (nothing written until the
    uploader decides about repeats) or "refused" (nothing written; the problems are on its page)."""
    result = job.result or {}
    if result.get("held"):
        return "held"
    return "refused" if result.get("batch_id") is None else "imported"


#: The sentence for each outcome of a finished job (called when shown, in the person's language).
_OUTCOME_TEXT = {
    "imported": lambda: _("Finished: the questions were imported."),
    "held": lambda: _("Finished reading: nothing was imported yet, the file is held until its uploader decides about "
                      "the repeats."),
    "refused": lambda: _("Finished: the file was refused and nothing was imported; its page lists the problems."),
}


@bp.get("/import/jobs/<int:job_id>")
def import_job(job_id: int):
    db = database.session()
    job = import_jobs.job_for(db, actor(), job_id)
    if job.state == JobState.DONE:
        report = load(db, job.result)
        if report.batch is None and job.result.get("batch_id") is not None:
            return _job_page(job, _("The batch this import made has since been removed."))
        if report.held and job.uploaded_by_id != actor().id:
            return _job_page(job, _("The file is held until its uploader decides about the repeats."))
        held = db.get(HeldImport, job.held_import_id) if job.held_import_id else None
        if report.held and job.repeats == importing.ASK and held is None:
            return _job_page(job, _("The uploader has already chosen what to do with this held file."))
        form = ImportForm(formdata=None, mode=report.mode, repeats=job.repeats)
        return after_import(form, report, held)
    return _job_page(job, None)


def _job_page(job: ImportJob, note: str | None):
    status = _status(job)
    uploader = database.session().get(User, job.uploaded_by_id)
    return render_template("bank/import_job.html", job=job, status=status, note=note, poll_seconds=POLL_SECONDS,
                           uploader=uploader,
                           status_url=url_for("bank.import_job_status", job_id=job.id))


@bp.get("/import/jobs/<int:job_id>/status")
def import_job_status(job_id: int):
    """The job's state and progress as JSON (:func:`_status`), for the page's script."""
    response = jsonify(_status(import_jobs.job_for(database.session(), actor(), job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
