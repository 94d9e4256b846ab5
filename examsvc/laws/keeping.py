"""Keeping the catalogue (law administrators and bank editors): loading a law text from files or
pasted text, and correcting a law's particulars. Nothing is loaded unless every text reads: the
page lists each problem by file and line."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.errors import problem_text, translate
from examsvc.extensions import clock
from examsvc.laws.forms import LoadForm, ParticularsForm
from examsvc.laws.routes import bp
from question_bank.errors import Conflict, InvalidInput, NotFound
from question_bank.formats.law_files import LawFile
from question_bank.models import Law, LawKind
from question_bank.services import law_catalogue
from question_bank.services.amendments import AmendmentReview
from question_bank.services.law_catalogue import LAW_KEEPERS, LoadOptions, Particulars

#: The name a pasted text goes by in problems and in the version's source.
PASTED = "粘贴的文本"


@bp.route("/load", methods=["GET", "POST"])
@roles_required(*LAW_KEEPERS)
def load():
    form = LoadForm()
    if not form.validate_on_submit():
        return render_template("laws/load.html", form=form, problems=[]), 422 if form.is_submitted() else 200
    files = [LawFile(upload.filename or "upload", upload.read()) for upload in form.uploads()]
    if (form.text.data or "").strip():
        files.append(LawFile(PASTED, form.text.data.encode("utf-8")))
    if not files:
        form.files.errors = [_("Choose a file or paste a text.")]
        return render_template("laws/load.html", form=form, problems=[]), 422
    options = LoadOptions(kind=LawKind(form.kind.data) if form.kind.data else None,
                          issuing_body=(form.issuing_body.data or "").strip(),
                          version_date=form.version_date.data, effective_date=form.effective_date.data)
    try:
        loaded = law_catalogue.load_texts(database.session(), clock(), actor(), files, options)
    except (InvalidInput, Conflict) as exc:
        database.session().rollback()
        problems = [problem_text(p) for p in getattr(exc, "problems", [])] or \
            [{"place": "", "message": translate(exc.template, exc.params)}]
        return render_template("laws/load.html", form=form, problems=problems), 422
    database.commit()
    for item in loaded:
        if item.created:
            flash(_("Loaded %(title)s of %(date)s: %(n)d articles.", title=item.law.title,
                    date=item.version.version_date.isoformat(), n=item.version.article_count), "success")
            _flash_review(item.review)
        else:
            flash(_("%(title)s of %(date)s was already in the catalogue with the same text; nothing changed.",
                    title=item.law.title, date=item.version.version_date.isoformat()), "info")
    return redirect(url_for("laws.version", version_id=loaded[0].version.id))


def _flash_review(review: AmendmentReview) -> None:
    """What an amendment did: its article changes against the version before, and how many of the
    questions citing the law it held for law review."""
    if review.previous is None or review.changes is None:
        return
    changes = review.changes
    flash(_("Against the version of %(date)s: %(changed)d articles changed, %(added)d added, %(removed)d removed, "
            "%(unchanged)d unchanged. %(flagged)d of %(citing)d questions citing the law are held out pending law "
            "review.", date=review.previous.version_date.isoformat(), changed=len(changes.changed),
            added=len(changes.added), removed=len(changes.removed), unchanged=changes.unchanged,
            flagged=review.flagged_questions, citing=review.citing_questions),
          "error" if review.flagged_questions else "info")
    if review.short_sittings:
        flash(_("Nobody can start these sittings until bank reviewers clear enough held questions: %(titles)s.",
                titles="、".join(s.title for s in review.short_sittings)), "error")


def _law(law_id: int) -> Law:
    found = database.session().get(Law, law_id)
    if found is None:
        raise NotFound()
    return found


@bp.route("/<int:law_id>/edit", methods=["GET", "POST"])
@roles_required(*LAW_KEEPERS)
def edit(law_id: int):
    law = _law(law_id)
    form = ParticularsForm(obj=None if _posted() else law)
    if not _posted():
        form.kind.data = law.kind
        form.aliases.data = "、".join(law.aliases or [])
        return render_template("laws/edit.html", form=form, law=law, problems=[])
    if not form.validate():
        return render_template("laws/edit.html", form=form, law=law, problems=[]), 422
    new = Particulars(form.short_title.data, LawKind(form.kind.data), form.issuing_body.data or "",
                      form.alias_list(), form.repealed_on.data)
    try:
        law_catalogue.update_particulars(database.session(), clock(), actor(), law, new)
    except InvalidInput as exc:
        database.session().rollback()
        return render_template("laws/edit.html", form=form, law=law,
                               problems=[problem_text(p) for p in exc.problems]), 422
    database.commit()
    flash(_("The particulars of %(title)s were saved.", title=law.title), "success")
    return redirect(url_for("laws.law", law_id=law.id))


def _posted() -> bool:
    return request.method == "POST"
