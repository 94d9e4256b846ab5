"""Pages of the law review list (issue 11 "Amendments"): the held questions, one flag's old and new
article side by side with the changed characters marked, and the reviewer's decision.

Readers: bank editors and reviewers and law administrators (the blueprint's guard); deciding is
for bank reviewers (``question_bank.services.law_review``). Each decision is a POST with the CSRF
token. The nav shows how many questions are held (:func:`held_count`, a context function).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from examsvc import database
from examsvc.access import actor, guard, roles_required
from examsvc.errors import problem_text, translate
from examsvc.extensions import clock
from examsvc.law_review.forms import ClearForm, RetireForm
from question_bank.errors import Conflict, InvalidInput
from question_bank.models import LawReviewFlag
from question_bank.services import law_review
from question_bank.services.law_reading import parse_article_ref

bp = Blueprint("law_review", __name__, url_prefix="/law-review")
guard(bp, *law_review.READERS)


@bp.app_context_processor
def _nav_count():
    def held_count() -> int:
        """Questions held for law review, for the nav (0 for anyone who cannot read the list)."""
        if not current_user.is_authenticated or not current_user.has_role(*law_review.READERS):
            return 0
        return law_review.held_count(database.session())
    return {"law_review_held": held_count}


@bp.get("/")
def flags():
    db = database.session()
    law_id = request.args.get("law", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = law_review.open_flags(db, actor(), law_id, page)
    pages = max((total + law_review.PAGE_SIZE - 1) // law_review.PAGE_SIZE, 1)
    return render_template("law_review/flags.html", flags=rows, total=total, page=page, pages=pages, law_id=law_id,
                           held=law_review.held_count(db))


def _page(flag: LawReviewFlag, clear_form: ClearForm, retire_form: RetireForm, status: int = 200,
          problems: list | None = None):
    db = database.session()
    against = None
    wanted = (clear_form.article.data or request.args.get("article", "")).strip()
    ref = parse_article_ref(wanted) if wanted else None
    if ref is not None:
        against = law_review.find_new_article(db, flag, *ref)
    return render_template("law_review/flag.html", flag=flag, open=law_review.is_open(flag),
                           sides=law_review.side_by_side(flag, against), against=against or flag.new_article,
                           asked=wanted, asked_missing=bool(wanted) and against is None,
                           clear_form=clear_form, retire_form=retire_form, problems=problems or [],
                           may_decide=current_user.has_role(*law_review.DECIDERS)), status


@bp.get("/<int:flag_id>")
def flag(flag_id: int):
    found = law_review.get_flag(database.session(), actor(), flag_id)
    form = ClearForm(formdata=None)
    form.article.data = request.args.get("article", "")
    return _page(found, form, RetireForm(formdata=None))


@bp.post("/<int:flag_id>/clear")
@roles_required(*law_review.DECIDERS)
def clear(flag_id: int):
    db = database.session()
    found = law_review.get_flag(db, actor(), flag_id)
    form = ClearForm()
    if not form.validate_on_submit():
        return _page(found, form, RetireForm(formdata=None), 422)
    typed = (form.article.data or "").strip()
    article = parse_article_ref(typed) if typed else None
    if typed and article is None:
        form.article.errors = [_("Not an article number: type 第三十六条, 第36条 or 36.")]
        return _page(found, form, RetireForm(formdata=None), 422)
    try:
        target = law_review.clear_flag(db, clock(), actor(), found, article, form.note.data or "")
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        found = law_review.get_flag(db, actor(), flag_id)
        problems = [problem_text(p) for p in getattr(exc, "problems", [])] or \
            [{"place": "", "message": translate(exc.template, exc.params)}]
        return _page(found, form, RetireForm(formdata=None), 409 if isinstance(exc, Conflict) else 422, problems)
    database.commit()
    flash(_("Cleared: the question cites %(article)s of the version of %(date)s and is drawn again once nothing else "
            "holds it.", article=target.label, date=found.new_version.version_date.isoformat()), "success")
    return redirect(url_for("law_review.flags"))


@bp.post("/<int:flag_id>/retire")
@roles_required(*law_review.DECIDERS)
def retire(flag_id: int):
    db = database.session()
    found = law_review.get_flag(db, actor(), flag_id)
    form = RetireForm()
    if not form.validate_on_submit():
        return _page(found, ClearForm(formdata=None), form, 422)
    try:
        law_review.retire_flagged(db, clock(), actor(), found, form.note.data or "")
    except Conflict as exc:
        db.rollback()
        found = law_review.get_flag(db, actor(), flag_id)
        return _page(found, ClearForm(formdata=None), form, 409,
                     [{"place": "", "message": translate(exc.template, exc.params)}])
    database.commit()
    flash(_("The question is retired: no new paper will draw it."), "success")
    return redirect(url_for("law_review.flags"))
