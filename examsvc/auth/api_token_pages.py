"""API tokens in the browser (sysadmin, for their own unit's subtree): list, make (the token is
shown once, on the page answering the form), revoke. The records API itself is
``examsvc.records_api``."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth.api_token_forms import SCOPE_LABELS, ApiTokenForm
from examsvc.auth.routes import bp, place_problems
from examsvc.extensions import clock
from examsvc.form_i18n import AppForm
from question_bank.errors import InvalidInput
from question_bank.models import Role
from question_bank.services import api_tokens, people


def _form() -> ApiTokenForm:
    db = database.session()
    units = people.units_in_scope(db, actor())
    paths = people.unit_paths(db, units, below=actor().org_unit)
    form = ApiTokenForm(org_unit_id=actor().org_unit_id)
    form.org_unit_id.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    return form


def _list_page(form: ApiTokenForm, problems: list, status: int):
    tokens = api_tokens.tokens_in_scope(database.session(), actor())
    return render_template("auth/api_tokens.html", form=form, tokens=tokens, problems=problems, now=clock().now(),
                           scope_labels=SCOPE_LABELS, revoke_form=AppForm()), status


@bp.route("/api-tokens", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def api_tokens_page():
    """The tokens of the sysadmin's subtree and a form to make one; a made token is shown once."""
    form = _form()
    if form.validate_on_submit():
        spec = api_tokens.TokenSpec(form.name.data, tuple(form.scopes.data), form.org_unit_id.data, form.days.data)
        try:
            token, secret = api_tokens.create_token(database.session(), clock(), actor(), spec)
        except InvalidInput as exc:
            database.session().rollback()
            return _list_page(form, place_problems(form, exc), 422)
        database.commit()
        response = make_response(render_template("auth/api_token_made.html", token=token, secret=secret,
                                                 scope_labels=SCOPE_LABELS))
        response.headers["Cache-Control"] = "no-store"
        return response
    return _list_page(form, [], 422 if form.errors else 200)


@bp.post("/api-tokens/<int:token_id>/revoke")
@roles_required(Role.SYSADMIN)
def revoke_api_token(token_id: int):
    """Revoke a token at once; refused as not found for a token outside the sysadmin's subtree."""
    if not AppForm().validate_on_submit():
        return redirect(url_for("auth.api_tokens_page"))
    token = api_tokens.revoke_token(database.session(), clock(), actor(), token_id)
    database.commit()
    flash(_("Token %(name)s revoked: it is refused from now on.", name=token.name), "success")
    return redirect(url_for("auth.api_tokens_page"))
