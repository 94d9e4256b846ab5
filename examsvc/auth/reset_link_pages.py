"""One-time password-reset links (``question_bank.services.reset_links``): a sysadmin makes one on
an account's page and sees it once; the person opens it, signed in or not, and chooses a password.

The link's page is sent ``no-store`` and ``Referrer-Policy: no-referrer``: the token is in its
URL, which must reach no cache and no other site's logs."""

from __future__ import annotations

from flask import Response, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth.account_pages import managed_user
from examsvc.auth.forms import AccountStateForm, ResetWithLinkForm
from examsvc.auth.routes import fresh_session, bp, place_problems
from examsvc.errors import form_problems, invalid_json, json_error, problem_texts
from examsvc.extensions import clock, wants_json
from examsvc.request_text import password_fields
from question_bank.errors import InvalidInput
from question_bank.models import Role
from question_bank.services import reset_links


def _private(body: str | Response, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/users/<int:user_id>/reset-link")
@roles_required(Role.SYSADMIN)
def make_reset_link(user_id: int):
    """Make a one-time link for the account and show it once."""
    user = managed_user(user_id)
    if not AccountStateForm().validate_on_submit():
        abort(400)
    issued = reset_links.issue(database.session(), clock(), actor(), user)
    database.commit()
    link = url_for("auth.reset_with_link", token=issued.token, _external=True)
    return _private(render_template("auth/reset_link.html", user=user, link=link, expires_at=issued.expires_at))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@password_fields("new", "confirm")
def reset_with_link(token: str):
    """The person's page of a reset link: a new password, twice. An unusable link gets 410 and
    the same message whatever made it so. A script or API client (``wants_json``) is told each
    refusal as JSON with the same status: 410 "link_unusable", 422 "invalid" with the problems."""
    db = database.session()
    form = ResetWithLinkForm()
    try:
        user = reset_links.usable(db, clock(), token)
        if form.validate_on_submit():
            reset_links.use(db, clock(), token, form.new.data)
            database.commit()
            if current_user.is_authenticated:
                logout_user()
            fresh_session()
            flash(_("Your password has been set. Sign in with it; every earlier session has ended."), "success")
            return redirect(url_for("auth.login"))
    except InvalidInput as exc:
        db.rollback()
        if any(str(p.place) == "link" for p in exc.problems):
            if wants_json():
                [unusable] = problem_texts(exc)
                return _private(json_error(410, "link_unusable", unusable["message"]), 410)
            return _private(render_template("auth/reset_with_link.html", form=None, user=None,
                                            problems=problem_texts(exc)), 410)
        if wants_json():
            return _private(invalid_json(problem_texts(exc)), 422)
        return _private(render_template("auth/reset_with_link.html", form=form, user=user,
                                        problems=place_problems(form, exc)), 422)
    if form.errors and wants_json():
        return _private(invalid_json(form_problems(form)), 422)
    return _private(render_template("auth/reset_with_link.html", form=form, user=user, problems=[]),
                    422 if form.errors else 200)
