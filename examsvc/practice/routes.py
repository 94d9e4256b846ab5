"""The cadre's practice pages: choose a source, answer one question at a time, see the feedback
(key, explanation, cited articles), go on; and the wrong-answer book.

Plain forms, no script: the question page carries nothing of the key (it is not in the page until
the answer is stored), and an answer goes to the server, which checks it and redirects to the
feedback page (so a reload never answers twice).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import problem_texts, translate
from examsvc.extensions import clock
from question_bank.errors import InvalidInput
from question_bank.models import Practice, PracticeItem, Role
from question_bank.services import practice, practice_held, practice_pool, practice_sources, wrong_book
from question_bank.services.practice import AlreadyAnswered, QuestionView, QuestionWithdrawn
from question_bank.field_limits import MAX_ANSWER_CHARS

bp = Blueprint("practice", __name__, url_prefix="/me")
guard(bp, Role.CADRE)


@bp.get("/practice/")
def index():
    db = database.session()
    now = clock().now()
    runs = practice.recent_runs(db, actor())
    return render_template("practice/index.html", laws=practice_sources.law_choices(db, now),
                           categories=practice_sources.category_choices(db, now),
                           book_size=wrong_book.book_sizes(db, [actor().id], now)[actor().id],
                           runs=[(run, practice.progress(db, run)) for run in runs],
                           held=practice_held.held_back(db, now))


@bp.post("/practice/start")
def start():
    source_id = request.form.get("source_id", type=int)
    run = practice.start_practice(database.session(), clock(), actor(), request.form.get("source", ""), source_id)
    database.commit()
    return redirect(url_for("practice.run", practice_id=run.id))


@bp.get("/practice/<int:practice_id>")
def run(practice_id: int):
    """The question the cadre is on (served now if none waits), or the end of the source."""
    db = database.session()
    item = practice.current_item(db, clock(), actor(), practice_id)
    database.commit()
    return _question_page(db.get(Practice, practice_id), item)


def _question_page(found, item: PracticeItem | None, problems: list[dict[str, str]] | None = None, status: int = 200):
    db = database.session()
    answered, right = practice.progress(db, found)
    view = practice.question_view(item) if item is not None else None
    return render_template("practice/question.html", run=found, view=view, answered=answered, right=right,
                           problems=problems or [], blank_limit=MAX_ANSWER_CHARS,
                           remaining=practice_pool.available_count(db, found, clock().now()) if view is None else None,
                           held=practice_held.held_back(db, clock().now(), found) if view is None else None), status


def _raw_answer(view: QuestionView, form: MultiDict) -> Any:
    """The answer as the form sends it, in the shape the question type reads (display letters,
    "T"/"F", one text per blank)."""
    if view.answer_form == "options":
        return form.getlist("answer")
    if view.answer_form == "blanks":
        return [form.get(f"blank-{n}", "") for n in range(1, view.blanks + 1)]
    return form.get("answer") or None


@bp.post("/practice/items/<int:item_id>/answer")
def answer(item_id: int):
    db = database.session()
    item = practice.get_item(db, actor(), item_id)
    view = practice.question_view(item)
    try:
        practice.answer(db, clock(), actor(), item.id, _raw_answer(view, request.form))
    except InvalidInput as exc:
        database.session().rollback()
        return _question_page(item.practice, item, problem_texts(exc), 422)
    except AlreadyAnswered as exc:
        database.session().rollback()
        flash(translate(exc.template, exc.params), "info")
    except QuestionWithdrawn as exc:
        database.commit()
        flash(translate(exc.template, exc.params), "info")
        return redirect(url_for("practice.run", practice_id=item.practice_id))
    else:
        database.commit()
    return redirect(url_for("practice.feedback", item_id=item.id))


@bp.get("/practice/items/<int:item_id>")
def feedback(item_id: int):
    db = database.session()
    item = practice.get_item(db, actor(), item_id)
    if item.answered_at is None:
        return redirect(url_for("practice.run", practice_id=item.practice_id))
    answered, right = practice.progress(db, item.practice)
    return render_template("practice/feedback.html", run=item.practice, shown=practice.feedback(db, item),
                           answered=answered, right=right, clearing=wrong_book.CLEARING_STREAK)


@bp.get("/wrong-book")
def book():
    db = database.session()
    taken = wrong_book.take_exam_answers(db, clock(), actor())
    database.commit()
    if taken:
        flash(_("%(n)d question(s) you got wrong in exams were added.", n=taken), "info")
    return render_template("practice/wrong_book.html", entries=wrong_book.entries(db, actor()),
                           clearing=wrong_book.CLEARING_STREAK)
