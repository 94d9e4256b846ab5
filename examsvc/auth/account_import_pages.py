"""Creating cadre accounts from a roster file (``question_bank.services.account_import``)."""

from __future__ import annotations

from flask import make_response, render_template
from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth.forms import AccountImportForm
from examsvc.auth.routes import bp
from examsvc.errors import problem_texts
from examsvc.extensions import clock
from question_bank.errors import InvalidInput
from question_bank.models import OrgUnit, Role
from question_bank.services import account_import, people
from question_bank import id_vault


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def import_accounts():
    db = database.session()
    units = people.units_in_scope(db, actor())
    paths = people.unit_paths(db, units, below=actor().org_unit)
    form = AccountImportForm()
    form.unit.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    if not form.validate_on_submit():
        return render_template("auth/account_import.html", form=form, problems=[]), 422 if form.errors else 200
    upload = form.file.data
    try:
        result = account_import.create_cadre_accounts(db, clock(), actor(), upload.stream, upload.filename or "",
                                                      db.get(OrgUnit, form.unit.data))
    except InvalidInput as exc:
        db.rollback()
        return render_template("auth/account_import.html", form=form, problems=problem_texts(exc)), 422
    database.commit()
    # The temporary passwords are on this page only: never stored by a browser or a proxy.
    response = make_response(render_template("auth/account_import_done.html", result=result, paths=paths,
                                             masked_id=id_vault.masked))
    response.headers["Cache-Control"] = "no-store"
    return response
