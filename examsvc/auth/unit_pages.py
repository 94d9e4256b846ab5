"""The organisation tree in the browser (``question_bank.services.org_tree``): the units of the
administrator's subtree, adding one, renaming and moving one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth.forms import LEVEL_LABELS, UnitForm
from examsvc.auth.routes import bp, place_problems
from examsvc.extensions import clock
from question_bank.errors import InvalidInput
from question_bank.models import Role, UnitLevel
from question_bank.services import org_tree, people


def _form(**data) -> tuple[UnitForm, list, dict]:
    db = database.session()
    units = people.units_in_scope(db, actor())
    paths = people.unit_paths(db, units, below=actor().org_unit)
    form = UnitForm(**data)
    form.parent.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    return form, units, paths


@bp.route("/units", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def units():
    """The tree (indented by depth) and a form to add a unit."""
    form, units, paths = _form(parent=actor().org_unit_id)
    status, problems = 200, []
    if form.validate_on_submit():
        try:
            unit = org_tree.add_unit(database.session(), clock(), actor(), form.name.data, UnitLevel(form.level.data),
                                     form.parent.data)
        except InvalidInput as exc:
            database.session().rollback()
            problems, status = place_problems(form, exc), 422
        else:
            database.commit()
            flash(_("Unit %(name)s added.", name=unit.name), "success")
            return redirect(url_for("auth.units"))
    elif form.errors:
        status = 422
    base_depth = actor().org_unit.path.count("/")
    return render_template("auth/units.html", form=form, units=units, paths=paths, problems=problems,
                           depth=lambda u: u.path.count("/") - base_depth, level_labels=LEVEL_LABELS), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def edit_unit(unit_id: int):
    unit = org_tree.managed_unit(database.session(), actor(), unit_id)
    form, _units, _paths = _form(obj=unit, parent=unit.parent_id, level=str(unit.level))
    problems = []
    if form.validate_on_submit():
        try:
            org_tree.change_unit(database.session(), clock(), actor(), unit_id, name=form.name.data,
                                 level=UnitLevel(form.level.data), parent_id=form.parent.data)
        except InvalidInput as exc:
            database.session().rollback()
            problems = place_problems(form, exc)
            return render_template("auth/unit_edit.html", form=form, unit=unit, problems=problems), 422
        database.commit()
        flash(_("Unit %(name)s saved.", name=form.name.data.strip()), "success")
        return redirect(url_for("auth.units"))
    return render_template("auth/unit_edit.html", form=form, unit=unit, problems=problems), 422 if form.errors else 200
