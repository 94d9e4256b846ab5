"""The candidate's pages: their sittings, the exam page, the result and the review."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext

from examsvc import database
from examsvc.access import actor, guard
from examsvc.candidate import messages, paper
from examsvc.errors import problem_texts, translate
from examsvc.extensions import clock, wants_json
from question_bank.errors import InvalidInput, NotFound
from question_bank.models import Attempt, Role, Sitting
from question_bank.services import admission, attempts, exam_page, proctoring, results, start_terms, starting, study_progress, validity
from question_bank.services.dashboard import candidate_sittings
from question_bank.services.marking import pass_mark_for
from question_bank.field_limits import MAX_ANSWER_CHARS, MAX_RESPONSE_CHARS

bp = Blueprint("candidate", __name__, url_prefix="/me")
guard(bp, Role.CADRE)


@bp.get("/")
def dashboard():
    db = database.session()
    rows = candidate_sittings(db, actor(), clock().now())
    return render_template("candidate/dashboard.html", rows=rows, study=study_progress.cadre_study(db, actor()))


def _sitting(sitting_id: int) -> Sitting:
    sitting = database.session().get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound()
    return sitting


def _pledge_shown(sitting: Sitting) -> str:
    text, standard = start_terms.pledge_of(sitting)
    return gettext(text) if standard else text


@bp.get("/sittings/<int:sitting_id>/start")
def confirm(sitting_id: int):
    """The start confirmation: the real end time, the exam rules and the integrity pledge (C-24)."""
    sitting = _sitting(sitting_id)
    current = attempts.open_attempt(database.session(), sitting, actor())
    if current is not None:
        return redirect(url_for("candidate.attempt_page", attempt_id=current.id))
    return _confirmation(sitting)


def _confirmation(sitting: Sitting, problems: list | None = None, status: int = 200, entered: dict | None = None):
    """The start confirmation page; ``entered`` is what the candidate sent with a refused start
    ({"pledge": bool, "access_code": str}), shown again so nothing they filled in is lost."""
    terms = starting.terms_for(database.session(), clock(), actor(), sitting)
    rules, standard_rules = start_terms.rules_of(sitting)
    return render_template("candidate/start.html", sitting=sitting, terms=terms, problems=problems,
                           rules=gettext(rules) if standard_rules else rules, pledge=_pledge_shown(sitting),
                           entered=entered or {}), status


#: Refusals about the access code are shown at its field; others (the address) for the whole form.
_CODE_REFUSALS = {admission.RefusalReason.CODE_MISSING, admission.RefusalReason.CODE_WRONG,
                  admission.RefusalReason.THROTTLED}


@bp.post("/sittings/<int:sitting_id>/start")
def start(sitting_id: int):
    sitting = _sitting(sitting_id)
    entered = {"pledge": request.form.get("pledge") == "accepted", "access_code": request.form.get("access_code") or ""}
    try:
        outcome = starting.confirm_start(database.session(), clock(), actor(), sitting,
                                         accepted=entered["pledge"],
                                         pledge_shown=_pledge_shown(sitting), code=request.form.get("access_code"),
                                         client_ip=request.remote_addr)
    except InvalidInput as exc:
        if wants_json():
            raise
        return _confirmation(sitting, problem_texts(exc), 422, entered)
    database.commit()
    if outcome.refusal is not None:
        error = outcome.refusal.error()
        if wants_json():
            raise error
        # The form again, as filled in, saying what was wrong (issue-9 trial: a wrong code lost the
        # accepted pledge and the code typed).
        place = "access_code" if outcome.refusal.reason in _CODE_REFUSALS else ""
        return _confirmation(sitting, [{"place": place, "message": translate(error.template, error.params)}],
                             403, entered)
    return redirect(url_for("candidate.attempt_page", attempt_id=outcome.attempt.id))


@bp.get("/attempts/<int:attempt_id>")
def attempt_page(attempt_id: int):
    db = database.session()
    page = exam_page.read_page(db, clock(), actor(), attempt_id)
    if isinstance(page, Attempt):  # closed before, or just now at its deadline (C-04)
        database.commit()
        return redirect(url_for("candidate.result", attempt_id=page.id))
    refusal = admission.address_refusal(db, clock(), actor(), page.attempt.sitting, request.remote_addr)
    if refusal is not None:
        database.commit()
        raise refusal.error()
    if page.time_up:
        # Within the grace after the deadline: the attempt is being handed in by the page that held
        # it. This page shows it ending and offers no paper to answer or take over (issue-9 trial);
        # it looks again once the grace is over, when the attempt is closed and the result shown.
        database.commit()
        return render_template("candidate/handing_in.html", attempt=page.attempt, sitting=page.attempt.sitting,
                               refresh_s=page.closes_in_s + 1)
    limits = {"blank": MAX_ANSWER_CHARS, "text": MAX_RESPONSE_CHARS}
    rendered = paper.lookup(page, limits)
    questions = exam_page.paper_questions(db, page) if rendered is None else None
    # Everything the page shows is read: end the transaction before rendering, so that on SQLite
    # (every transaction takes the write lock) other candidates' saves do not wait on a template.
    database.commit()
    shown = render_template("candidate/attempt.html", attempt=page.attempt, sitting=page.attempt.sitting,
                            card_place=paper.CARD_PLACE, questions_place=paper.QUESTIONS_PLACE,
                            messages_place=messages.MESSAGES_PLACE,
                            answered=page.answered, total=len(page.slots), remaining_s=page.remaining_s,
                            server_time=page.now, writer=attempts.new_writer_token(), focus_away=page.focus_away)
    return paper.page_with(messages.put_in(shown), paper.show(page, limits, rendered, questions))


def _finished(attempt_id: int) -> Attempt | Response:
    """The candidate's attempt once it is closed (closing it first if it is overdue), or a redirect
    back to the exam page while it is still open."""
    attempt = attempts.touch(database.session(), clock(), actor(), attempt_id)
    database.commit()
    if attempt.is_open:
        return redirect(url_for("candidate.attempt_page", attempt_id=attempt.id))
    return attempt


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    attempt = _finished(attempt_id)
    if not isinstance(attempt, Attempt):
        return attempt
    db = database.session()
    return render_template("candidate/result.html", attempt=attempt, sitting=attempt.sitting,
                           shown=results.disclosure(db, attempt, clock().now()), void=proctoring.void_of(db, attempt.id),
                           status=attempts.status(db, clock(), attempt),
                           pass_mark=pass_mark_for(attempt.sitting, attempt))


@bp.get("/attempts/<int:attempt_id>/review")
def review(attempt_id: int):
    attempt = _finished(attempt_id)
    if not isinstance(attempt, Attempt):
        return attempt
    db = database.session()
    shown = results.disclosure(db, attempt, clock().now())
    return render_template("candidate/review.html", attempt=attempt, sitting=attempt.sitting,
                           sections=attempt.sitting.paper.sections, items=results.review(db, attempt, shown),
                           shown=shown, tested=validity.tested_versions(db, attempt.id))
