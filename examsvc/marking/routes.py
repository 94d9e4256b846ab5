"""The marking queue (阅卷) for markers: responses to short-answer and case-analysis questions,
blind. Nothing on these pages or in their JSON names the candidate: a response is reached by its
paper slot's id, and shows the sitting, the question, the reference answer and rubric, and the text.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import problem_texts
from examsvc.extensions import clock
from examsvc.marking.forms import MarkForm
from question_bank.errors import InvalidInput
from question_bank.models import Role
from question_bank.services import manual_marking

bp = Blueprint("marking", __name__, url_prefix="/marking")
guard(bp, Role.MARKER, Role.SENIOR_MARKER)


@bp.get("/")
def queue():
    db = database.session()
    entries = manual_marking.queue(db, actor())
    return render_template("marking/queue.html", entries=entries,
                           stranded=manual_marking.without_senior_marker(db, actor()))


@bp.get("/queue.json")
def queue_json():
    entries = manual_marking.queue(database.session(), actor())
    return jsonify({"responses": [
        {"item_id": e.item_id, "sitting": e.sitting_title, "slot": e.slot, "round": int(e.round),
         "max_points": f"{e.max_points:.2f}", "url": url_for("marking.item", item_id=e.item_id)}
        for e in entries
    ]})


def _page(item_id: int, form: MarkForm, problems=None, status: int = 200):
    shown = manual_marking.script(database.session(), actor(), item_id)
    return render_template("marking/item.html", script=shown, form=form, problems=problems or []), status


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    return _page(item_id, MarkForm())


@bp.post("/items/<int:item_id>")
def mark(item_id: int):
    form = MarkForm()
    if not form.validate_on_submit():
        return _page(item_id, form, status=422)
    db = database.session()
    try:
        outcome = manual_marking.give_mark(db, clock(), actor(), item_id, form.score.data, form.comment.data or "")
    except InvalidInput as exc:
        db.rollback()
        for problem, text in zip(exc.problems, problem_texts(exc)):
            getattr(form, str(problem.place), form.score).errors.append(text["message"])
        return _page(item_id, form, status=422)
    database.commit()
    if outcome.settled is None:
        flash(_("Mark saved. This response now goes to another marker."), "success")
    elif outcome.has_half_cent:
        flash(_("Mark saved: the mean of the two marks, %(exact)s points, is kept as %(kept)s points plus half a "
                "hundredth; the total adds the halves back and drops what is below 0.01, so rounding never carries "
                "a candidate over the pass mark.", exact=f"{outcome.settled:.3f}", kept=f"{outcome.kept_as:.2f}"),
              "success")
    else:
        flash(_("Mark saved: %(points)s points count for this response.", points=f"{outcome.settled:.2f}"), "success")
    return redirect(url_for("marking.queue"))
