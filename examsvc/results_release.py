"""The early release of a sitting's results (case C-19), shared by the exam admin's and HR's pages."""

from __future__ import annotations

from flask import flash, redirect
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor
from examsvc.errors import translate
from examsvc.extensions import clock
from question_bank.errors import Conflict
from question_bank.models import Sitting
from question_bank.services import release


def release_and_return(sitting: Sitting, back: str):
    """Release ``sitting``'s results now, say what happened, and go back to ``back``. A release
    that is not possible (already released, window closed, policy) is said, not an error page;
    one the person may not make is 403."""
    db = database.session()
    try:
        release.release_results(db, clock(), actor(), sitting)
    except Conflict as exc:
        db.rollback()
        flash(translate(exc.template, exc.params), "error")
        return redirect(back)
    database.commit()
    flash(_("Results of %(title)s released: candidates who have handed in now see their score.", title=sitting.title),
          "success")
    return redirect(back)
