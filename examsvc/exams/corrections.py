"""Putting scores right, for exam admins: a sitting's regrade (preview, then apply: case C-10) and
four-eyes score changes of one item (propose; another admin approves or rejects)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.errors import problem_texts
from examsvc.exams.routes import bp
from examsvc.access import actor
from examsvc.extensions import clock
from question_bank.errors import N_, InvalidInput, NotFound, Problem
from question_bank.models import Attempt, RegradeKind, Role, ScoreChange
from question_bank.services import item_overrides, protection, remarking
from question_bank.services import regrade as regrade_service
from question_bank.services import score_changes
from question_bank.services import sittings as sitting_service
from question_bank.points import parse_plain_points
from question_bank.services.marking import latest_item_marks


def _regrade_page(sitting, *, preview=None, problems=None, status: int = 200):
    db = database.session()
    return render_template("exams/regrade.html", sitting=sitting, preview=preview, problems=problems or [],
                           questions=regrade_service.questions_used(db, sitting), kinds=list(RegradeKind),
                           form=request.form, past=regrade_service.regrades(db, sitting),
                           open_changes=score_changes.open_changes(db, actor(), sitting)), status


@bp.get("/sittings/<int:sitting_id>/regrade")
def regrade(sitting_id: int):
    return _regrade_page(sitting_service.get_sitting(database.session(), actor(), sitting_id))


@bp.post("/sittings/<int:sitting_id>/regrade")
def regrade_post(sitting_id: int):
    db = database.session()
    sitting = sitting_service.get_sitting(db, actor(), sitting_id)
    question_id = request.form.get("question", type=int) or 0
    reason = request.form.get("reason", "")
    try:
        kind = RegradeKind(request.form.get("kind", ""))
    except ValueError:
        return _regrade_page(sitting, problems=[{"place": "kind", "message": _("Choose what to do.")}], status=422)
    try:
        if request.form.get("confirm") != "apply":
            shown = regrade_service.preview(db, actor(), sitting.id, question_id, kind, reason)
            return _regrade_page(sitting, preview=shown)
        done = regrade_service.apply(db, clock(), actor(), sitting.id, question_id, kind, reason)
    except InvalidInput as exc:
        db.rollback()
        return _regrade_page(sitting, problems=problem_texts(exc), status=422)
    database.commit()
    flash(_("Regrade applied: %(n)d attempt(s) changed, each with a new score record entry.", n=len(done.changes)),
          "success")
    return redirect(url_for("exams.regrade", sitting_id=sitting.id))


def _attempt_in_scope(attempt_id: int) -> Attempt:
    return protection.get_in_scope(database.session(), actor(), Attempt, attempt_id, Role.EXAM_ADMIN,
                                   unit_of=lambda attempt: attempt.sitting.org_unit)


@bp.get("/attempts/<int:attempt_id>/marks")
def attempt_marks(attempt_id: int, problems=None, status: int = 200, typed: dict | None = None):
    """The attempt's item marks and score changes. ``typed``: a refused proposal (item, score,
    reason as posted), shown again in its row so that nothing typed is lost."""
    db = database.session()
    attempt = _attempt_in_scope(attempt_id)
    overrides = item_overrides.for_sitting(db, attempt.sitting_id)
    voided = {item.id: overrides[item.question_version.question_id] for item in attempt.items
              if item.question_version.question_id in overrides and overrides[item.question_version.question_id].voids}
    return render_template("exams/attempt_marks.html", attempt=attempt, marks=latest_item_marks(db, attempt),
                           changes=score_changes.changes_of_attempt(db, attempt), problems=problems or [],
                           typed_change=typed, voided=voided, dropped=remarking.dropped_changes(db, attempt),
                           superseded=score_changes.superseded_changes(db, attempt)), status


@bp.post("/attempts/<int:attempt_id>/marks")
def propose_change(attempt_id: int):
    db = database.session()
    attempt = _attempt_in_scope(attempt_id)
    item_id = request.form.get("item", type=int) or 0
    if item_id not in {i.id for i in attempt.items}:
        raise NotFound()
    # Only a plain decimal is a mark ("1e1" and "NaN" are not); the service names the problem.
    score = parse_plain_points(request.form.get("score", ""))
    try:
        score_changes.propose(db, clock(), actor(), item_id, score, request.form.get("reason", ""))
    except InvalidInput as exc:
        db.rollback()
        typed = {"item": item_id, "score": request.form.get("score", ""), "reason": request.form.get("reason", "")}
        return attempt_marks(attempt_id, problems=problem_texts(exc), status=422, typed=typed)
    database.commit()
    flash(_("Change proposed. Another exam administrator must approve it before it counts."), "success")
    return redirect(url_for("exams.attempt_marks", attempt_id=attempt.id))


@bp.post("/score-changes/<int:change_id>/decide")
def decide_change(change_id: int):
    db = database.session()
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        # Only an explicit choice decides: anything else changes nothing (never a silent rejection).
        found = db.get(ScoreChange, change_id)
        if found is None:
            raise NotFound()
        problem = InvalidInput([Problem(N_("Choose approve or reject."), place="decision")])
        return attempt_marks(found.attempt_item.attempt_id, problems=problem_texts(problem), status=422)
    approve = decision == "approve"
    change = score_changes.decide(db, clock(), actor(), change_id, approve, request.form.get("note", ""))
    database.commit()
    flash(_("Score change approved and recorded.") if approve else _("Score change rejected."), "success")
    return redirect(url_for("exams.attempt_marks", attempt_id=change.attempt_item.attempt_id))
