"""Keeping study lists (学法管理员 and exam administrators, each within their unit's subtree):
the lists, a list with its items, coverage and who it misses, its particulars, its items (law,
parts ticked from the table of contents or articles typed), publishing, a new version, copying
to another year, and xlsx import and export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import problem_texts, translate
from examsvc.extensions import clock
from examsvc.reports.routes import XLSX_TYPE, content_disposition
from examsvc.study.forms import CopyForm, ImportListForm, ItemForm, ListForm
from question_bank.errors import Conflict, InvalidInput, NotFound
from question_bank.models import Law, ListStatus, Requirement, StudyItem
from question_bank.services import law_reading, people, study_coverage, study_list_files, study_lists
from question_bank.ranks import NAMES as LEVEL_NAMES
from question_bank.services.study_scope import compose_scope
from question_bank.services.study_targets import cadres_reached, unread_ranks

bp = Blueprint("study", __name__, url_prefix="/study")
guard(bp, *study_lists.KEEPERS)


@bp.app_template_filter("rank_name")
def rank_name(level: str) -> str:
    """A rank level's Chinese name (the scale's own words, as lists write them)."""
    return LEVEL_NAMES.get(level, level)


@bp.get("/lists")
def lists():
    return render_template("study/lists.html", lists=study_lists.lists_kept_by(database.session(), actor()))


def _list_form_page(form: ListForm, study_list=None, problems=None, status: int = 200):
    return render_template("study/list_form.html", form=form, study_list=study_list, problems=problems or []), status


def _values(form: ListForm) -> study_lists.ListValues:
    return study_lists.ListValues(title=form.title.data or "", year=form.year.data or 0, field=form.field.data or "",
                                  audience_note=form.audience_note.data or "", org_unit_id=form.org_unit.data,
                                  target_unit_ids=list(form.target_units.data or []), levels=list(form.levels.data or []),
                                  threshold=form.threshold.data if form.threshold.data is not None else 3)


@bp.route("/lists/new", methods=["GET", "POST"])
def new_list():
    form = ListForm()
    form.offer_units(people.units_in_scope(database.session(), actor()))
    if not form.validate_on_submit():
        return _list_form_page(form, status=422 if form.errors else 200)
    try:
        made = study_lists.create_list(database.session(), clock(), actor(), _values(form))
    except InvalidInput as exc:
        database.session().rollback()
        return _list_form_page(form, problems=problem_texts(exc), status=422)
    database.commit()
    return redirect(url_for("study.show", list_id=made.id))


@bp.route("/lists/<int:list_id>/edit", methods=["GET", "POST"])
def edit_list(list_id: int):
    db = database.session()
    found = study_lists.get_kept(db, actor(), list_id)
    form = ListForm(obj=None if request.method == "POST" else found)
    form.offer_units(people.units_in_scope(db, actor()))
    if request.method == "GET":
        form.org_unit.data = found.org_unit_id
        form.target_units.data = [r.org_unit_id for r in found.target_unit_rows]
        form.levels.data = list(found.target_levels)
        form.threshold.data = found.coverage_threshold
        return _list_form_page(form, found)
    if not form.validate_on_submit():
        return _list_form_page(form, found, status=422)
    try:
        study_lists.update_list(db, clock(), actor(), found, _values(form))
    except InvalidInput as exc:
        database.session().rollback()
        return _list_form_page(form, found, problems=problem_texts(exc), status=422)
    database.commit()
    return redirect(url_for("study.show", list_id=found.id))


@bp.get("/lists/<int:list_id>")
def show(list_id: int):
    db = database.session()
    found = study_lists.get_kept(db, actor(), list_id)
    entries = study_coverage.coverage(db, found)
    return render_template("study/list.html", study_list=found, coverage=entries,
                           qtypes=sorted(study_coverage.type_totals(entries)),
                           versions=study_lists.versions_of(db, found), reached=len(cadres_reached(db, found)),
                           unread=unread_ranks(db, found), copy_form=CopyForm(year=found.year + 1),
                           citation_text=study_coverage.citation_text)


def _laws() -> list[Law]:
    return [law for law in law_reading.laws(database.session()) if law.current_version is not None]


def _offer(form: ItemForm, law: Law | None):
    """Offer the law's versions and the chosen version's parts (those holding articles); the version."""
    if law is None:
        return None
    version = next((v for v in law.versions if v.id == form.version.data), None) or law.current_version
    form.version.choices = [(v.id, v.version_date.isoformat() + (" ✓" if v.id == law.current_version.id else ""))
                            for v in reversed(law.versions)]
    form.version.data = version.id
    form.headings.choices = [(entry.heading.id, "\u3000" * entry.depth + entry.heading.caption)
                             for entry in law_reading.contents(version) if entry.heading.first_article is not None]
    return version


def _item_form_page(found, form: ItemForm, item=None, problems=None, status: int = 200):
    law = database.session().get(Law, form.law.data) if form.law.data else None
    version = _offer(form, law)
    return render_template("study/item_form.html", study_list=found, form=form, item=item, law=law, version=version,
                           problems=problems or []), status


def _item_form() -> ItemForm:
    form = ItemForm()
    form.law.choices = [(0, "—")] + [(law.id, law.title) for law in _laws()]
    _offer(form, database.session().get(Law, form.law.data) if form.law.data else None)
    return form


def _item_values(form: ItemForm) -> study_lists.ItemValues:
    db = database.session()
    law = db.get(Law, form.law.data)
    version = next((v for v in law.versions if v.id == form.version.data), law.current_version)
    typed = (form.scope_text.data or "").strip()
    scope = typed if typed and not (form.headings.data or form.articles.data) else \
        compose_scope(version, list(form.headings.data or []), form.articles.data or "")
    return study_lists.ItemValues(law.id, scope, Requirement(form.requirement.data), form.hours.data, form.note.data or "")


def _save_item(found, form: ItemForm, item: StudyItem | None):
    db = database.session()
    if not form.law.data or db.get(Law, form.law.data) is None:
        return _item_form_page(found, form, item, [{"place": "", "message": _("Choose a law.")}], 422)
    if request.form.get("step") == "law" or not form.validate():
        return _item_form_page(found, form, item, status=200 if request.form.get("step") == "law" else 422)
    try:
        values = _item_values(form)
        if item is None:
            study_lists.add_item(db, clock(), actor(), found, values)
        else:
            study_lists.update_item(db, clock(), actor(), item, values)
    except InvalidInput as exc:
        database.session().rollback()
        return _item_form_page(found, form, item, problem_texts(exc), 422)
    database.commit()
    flash(_("Item saved."), "success")
    return redirect(url_for("study.show", list_id=found.id))


@bp.route("/lists/<int:list_id>/items/new", methods=["GET", "POST"])
def new_item(list_id: int):
    found = _draft(list_id)
    if isinstance(found, Response):
        return found
    form = _item_form()
    if request.method == "GET":
        return _item_form_page(found, form)
    return _save_item(found, form, None)


@bp.route("/lists/<int:list_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_item(list_id: int, item_id: int):
    found = _draft(list_id)
    if isinstance(found, Response):
        return found
    item = next((i for i in found.items if i.id == item_id), None)
    if item is None:
        raise NotFound()
    form = _item_form()
    if request.method == "GET":
        form.law.data, form.version.data = item.law_id, item.law_version_id
        form.headings.data = []
        form.scope_text.data, form.requirement.data = item.scope_text, str(item.requirement)
        form.hours.data, form.note.data = item.hours, item.note
        return _item_form_page(found, form, item)
    return _save_item(found, form, item)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/remove")
def remove_item(list_id: int, item_id: int):
    found = _draft(list_id)
    if isinstance(found, Response):
        return found
    item = next((i for i in found.items if i.id == item_id), None)
    if item is None:
        raise NotFound()
    study_lists.remove_item(database.session(), clock(), actor(), item)
    database.commit()
    flash(_("Item removed."), "success")
    return redirect(url_for("study.show", list_id=found.id))


def _draft(list_id: int):
    """The draft list, or a redirect back to it saying a published list does not change."""
    found = study_lists.get_kept(database.session(), actor(), list_id)
    if found.status != ListStatus.DRAFT:
        flash(_("A published list does not change; start a new version to edit it."), "error")
        return redirect(url_for("study.show", list_id=found.id))
    return found


def _act(list_id: int, action, done: str):
    db = database.session()
    found = study_lists.get_kept(db, actor(), list_id)
    try:
        result = action(db, found)
    except (Conflict, InvalidInput) as exc:
        database.session().rollback()
        problems = problem_texts(exc) or [{"place": "", "message": translate(exc.template, exc.params)}]
        for problem in problems:
            flash(problem["message"], "error")
        return redirect(url_for("study.show", list_id=list_id))
    database.commit()
    flash(done, "success")
    return redirect(url_for("study.show", list_id=(result or found).id))


@bp.post("/lists/<int:list_id>/publish")
def publish(list_id: int):
    return _act(list_id, lambda db, found: study_lists.publish(db, clock(), actor(), found),
                _("The list is published. Its items no longer change; cadres it is for see it on their study page."))


@bp.post("/lists/<int:list_id>/new-version")
def new_version(list_id: int):
    return _act(list_id, lambda db, found: study_lists.new_version(db, clock(), actor(), found),
                _("A new draft version: edit it and publish it to replace the published one. Cadres keep the version they started."))


@bp.post("/lists/<int:list_id>/copy")
def copy(list_id: int):
    # The list first: an id outside the keeper's units answers 404 like a missing one, whatever the form holds.
    study_lists.get_kept(database.session(), actor(), list_id)
    form = CopyForm()
    if not form.validate_on_submit():
        # The form's own words: an out-of-range year is told the range, not "give the year".
        flash(" ".join(str(e) for e in form.year.errors) or _("Give the year to copy the list to."), "error")
        return redirect(url_for("study.show", list_id=list_id))
    return _act(list_id, lambda db, found: study_lists.copy_to_year(db, clock(), actor(), found, form.year.data),
                _("The list was copied as a draft; its scopes were read again against the laws in force."))


@bp.get("/lists/<int:list_id>/list.xlsx")
def export(list_id: int):
    db = database.session()
    found = study_lists.get_kept(db, actor(), list_id)
    body = study_list_files.export_list(db, clock(), actor(), found)
    database.commit()
    response = Response(body, content_type=XLSX_TYPE)
    response.headers["Content-Disposition"] = content_disposition(found.title, found.id, "xlsx", "学法清单", "study-list")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/lists/import", methods=["GET", "POST"])
def import_list():
    form = ImportListForm()
    if not form.validate_on_submit():
        return render_template("study/import.html", form=form, problems=[]), 422 if form.errors else 200
    upload = form.file.data
    try:
        made = study_list_files.import_list(database.session(), clock(), actor(), upload.filename or "", upload.read(),
                                            year=form.year.data, field=form.field.data or "")
    except InvalidInput as exc:
        database.session().rollback()
        return render_template("study/import.html", form=form, problems=problem_texts(exc)), 422
    database.commit()
    flash(_("Imported %(n)d items as a draft list. Check it, then publish it.", n=len(made.items)), "success")
    return redirect(url_for("study.show", list_id=made.id))
