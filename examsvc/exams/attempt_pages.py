"""The exam admin's page of one attempt: its times and score, the law versions it tested and its
score record entries (with the versions each kept), the devices that opened it (one active
device), the history of every answer (case C-18), the times its page was left, and the proctor's
void and re-open forms."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor
from examsvc.errors import problem_texts, translate
from examsvc.exams.proctor_forms import ReopenForm, VoidForm
from examsvc.exams.routes import bp
from examsvc.extensions import clock
from question_bank.errors import Conflict, InvalidInput
from question_bank.services import focus as focus_service
from question_bank.services import proctoring
from question_bank.services.attempt_history import attempt_record, slot_history
from question_bank.services.presence import device_log


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int):
    return _attempt_page(attempt_id)


def _attempt_page(attempt_id: int, *, void_form=None, reopen_form=None, problems=None, status: int = 200):
    db = database.session()
    record = attempt_record(db, actor(), attempt_id)
    found = record.attempt
    events = focus_service.focus_events(db, attempt_id)
    now = clock().now()
    return render_template(
        "exams/attempt.html", attempt=found, sitting=found.sitting, record=record, now=now,
        history=slot_history(db, found), devices=device_log(db, found), focus_events=events,
        focus=focus_service.summarise(events, now if found.is_open else (found.finished_at or now)),
        void=proctoring.void_of(db, attempt_id), reopenings=proctoring.reopenings(db, attempt_id),
        void_form=void_form or VoidForm(formdata=None), reopen_form=reopen_form or ReopenForm(formdata=None),
        # The rule's cap on a new deadline, said on the form before the proctor runs into it.
        reopen_cap_s=None if found.is_open else proctoring.reopening_cap_s(db, found),
        problems=problems or []), status


def _proctor_action(attempt_id: int, form, act, done: str):
    """Validate ``form``, run ``act(form)`` (a proctoring service call), commit and go back to the
    attempt; a refusal shows the attempt page again with why."""
    forms = {"void_form": form} if isinstance(form, VoidForm) else {"reopen_form": form}
    if not form.validate_on_submit():
        return _attempt_page(attempt_id, status=422, **forms)
    try:
        act(form)
    except (InvalidInput, Conflict) as exc:
        database.session().rollback()
        problems = problem_texts(exc) or [{"place": "", "message": translate(exc.template, exc.params)}]
        return _attempt_page(attempt_id, problems=problems, status=422 if isinstance(exc, InvalidInput) else 409, **forms)
    database.commit()
    flash(done, "success")
    return redirect(url_for("exams.attempt", attempt_id=attempt_id))


@bp.post("/attempts/<int:attempt_id>/void")
def void_attempt(attempt_id: int):
    return _proctor_action(attempt_id, VoidForm(), lambda f: proctoring.void_attempt(
        database.session(), clock(), actor(), attempt_id, f.reason.data), _("The attempt is void."))


@bp.post("/attempts/<int:attempt_id>/reopen")
def reopen_attempt(attempt_id: int):
    return _proctor_action(attempt_id, ReopenForm(), lambda f: proctoring.reopen_attempt(
        database.session(), clock(), actor(), attempt_id, f.reason.data, f.deadline.data),
        _("The attempt is open again until its new deadline."))
