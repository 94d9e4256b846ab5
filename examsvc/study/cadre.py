"""The cadre's study page (/me/study): the lists that reach them, each item with its text and
a link to the law reader at its parts, "mark as studied", and progress. Opening an item's page
records the open on the server; the mark adds the time since (``services.study_progress``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import translate
from examsvc.extensions import clock
from question_bank.errors import Conflict, InvalidInput
from question_bank.models import LawArticle, Role, StudyItemArticle
from question_bank.services import study_practice, study_progress

bp = Blueprint("my_study", __name__, url_prefix="/me/study")
guard(bp, Role.CADRE)

#: Items of at most this many articles show their text on the item page; longer ones link to
#: the reader part by part (a phone never loads a whole code at once).
INLINE_ARTICLES = 60


@bp.get("/")
def index():
    return render_template("study/my_study.html", lists=study_progress.cadre_study(database.session(), actor()))


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    db = database.session()
    found = study_progress.item_for_cadre(db, actor(), item_id)
    row = study_progress.open_item(db, clock(), actor(), found)
    database.commit()
    articles = []
    if found.article_count <= INLINE_ARTICLES:
        articles = list(db.scalars(select(LawArticle).join(StudyItemArticle, StudyItemArticle.article_id == LawArticle.id)
                                   .where(StudyItemArticle.study_item_id == found.id).order_by(LawArticle.position)))
    first_articles = {}
    for part in found.scope_parts:
        if part["kind"] == "articles":
            first_articles[part["first"]] = db.scalar(select(LawArticle).where(
                LawArticle.law_version_id == found.law_version_id, LawArticle.position == part["first"]))
    return render_template("study/item.html", item=found, progress=row, articles=articles,
                           first_articles=first_articles, cap_minutes=study_progress.MAX_SECONDS_PER_OPEN // 60,
                           min_seconds=study_progress.min_reading_seconds(found))


@bp.post("/items/<int:item_id>/studied")
def studied(item_id: int):
    db = database.session()
    found = study_progress.item_for_cadre(db, actor(), item_id)
    try:
        seconds = study_progress.mark_studied(db, clock(), actor(), found)
    except Conflict as exc:
        database.session().rollback()
        flash(translate(exc.template, exc.params), "error")
        return redirect(url_for("my_study.item", item_id=item_id))
    database.commit()
    flash(_("Marked as studied: %(minutes)d min recorded.", minutes=seconds // 60), "success")
    return redirect(url_for("my_study.index") + f"#list-{found.study_list_id}")


@bp.post("/lists/<int:list_id>/practice")
def practise(list_id: int):
    """Start untimed practice on the questions citing the list's articles."""
    db = database.session()
    try:
        run = study_practice.practice_from_study_list(db, clock(), actor(), list_id)
    except InvalidInput as exc:
        db.rollback()
        for problem in exc.problems:
            flash(translate(problem.message, problem.params), "error")
        return redirect(url_for("my_study.index"))
    database.commit()
    return redirect(url_for("practice.run", practice_id=run.id))
