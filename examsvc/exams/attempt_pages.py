"""The exam admin's page of one attempt: its times and score, the law versions it tested and its
score record entries (with the versions each kept), the devices that opened it (one active device)
and the history of every answer (case C-18)."""

from __future__ import annotations

from flask import render_template

from examsvc import database
from examsvc.access import actor
from examsvc.exams.routes import bp
from question_bank.services.attempt_history import attempt_for_admin, slot_history
from question_bank.services.presence import device_log
from question_bank.services.validity import attempt_record


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int):
    db = database.session()
    found = attempt_for_admin(db, actor(), attempt_id)
    return render_template("exams/attempt.html", attempt=found, sitting=found.sitting,
                           record=attempt_record(db, actor(), attempt_id),
                           history=slot_history(db, found), devices=device_log(db, found))
