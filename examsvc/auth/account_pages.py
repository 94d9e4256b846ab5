"""A sysadmin's pages for one account: edit, disable or enable, reset the password. Only accounts
in the administrator's unit subtree are reachable; others are "not found", like ids that do not
exist (no enumeration)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth.forms import ROLE_LABELS, AccountStateForm, UserEditForm
from examsvc.auth.routes import bp, note_folded_phone, offer_grantable_roles, place_problems
from examsvc.auth.throttling import throttle
from examsvc.extensions import clock
from question_bank import id_vault, idnumbers
from question_bank.errors import InvalidInput
from question_bank.models import OrgUnit, Role, User
from question_bank.services import accounts, people


def managed_user(user_id: int) -> User:
    user = database.session().get(User, user_id)
    if user is None or not accounts.may_manage(actor(), user):
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def edit_user(user_id: int):
    db = database.session()
    user = managed_user(user_id)
    units = people.units_in_scope(db, actor())
    paths = people.unit_paths(db, units, below=actor().org_unit)
    form = UserEditForm(obj=user, unit=user.org_unit_id, roles=sorted(map(str, user.roles)))
    form.unit.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    offer_grantable_roles(form, user.roles)
    state_form = AccountStateForm()
    if form.validate_on_submit():
        try:
            accounts.update_user(
                db, clock(), actor(), user, display_name=form.display_name.data, unit=db.get(OrgUnit, form.unit.data),
                roles=[Role(r) for r in form.roles.data], id_number=form.id_number.data,
                current_post=form.current_post.data, phone=form.phone.data,
                remove_id_number=form.remove_id_number.data,
            )
        except InvalidInput as exc:
            db.rollback()
            problems = place_problems(form, exc)
            return _edit_page(user, form, state_form, problems, 422)
        database.commit()
        flash(_("Account %(name)s saved.", name=user.username), "success")
        note_folded_phone(form.phone.data)
        return redirect(url_for("auth.users"))
    return _edit_page(user, form, state_form, [], 422 if form.errors else 200)


def _edit_page(user: User, form: UserEditForm, state_form: AccountStateForm, problems: list, status: int):
    return render_template("auth/user_edit.html", user=user, form=form, state_form=state_form, problems=problems,
                           role_labels=ROLE_LABELS, masked_id=id_vault.masked(user),
                           sign_in_failures=len(accounts.sign_in_failures(throttle(), user))), status


@bp.post("/users/<int:user_id>/lift-sign-in-lock")
@roles_required(Role.SYSADMIN)
def lift_sign_in_lock(user_id: int):
    """Forget the account's failed sign-ins from every address (a lock ends now); audited."""
    user = managed_user(user_id)
    if not AccountStateForm().validate_on_submit():
        abort(400)
    accounts.lift_sign_in_lock(database.session(), clock(), actor(), user, throttle())
    database.commit()
    flash(_("The sign-in lock of %(name)s is lifted: its failed sign-ins are forgotten.", name=user.username),
          "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/disable")
@roles_required(Role.SYSADMIN)
def disable_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/enable")
@roles_required(Role.SYSADMIN)
def enable_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = managed_user(user_id)
    form = AccountStateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.set_active(database.session(), clock(), actor(), user, active, form.reason.data or "")
    except InvalidInput as exc:
        database.session().rollback()
        flash(_("Not changed: %(why)s", why=_(exc.problems[0].message)), "error")
        return redirect(url_for("auth.edit_user", user_id=user_id))
    database.commit()
    if idnumbers.written_numbers(form.reason.data or ""):
        # The audit log keeps every ID number masked (audit.record); say so rather than change it unsaid.
        flash(_("The reason is kept in the audit log with the ID number in it masked: %(reason)s",
                reason=idnumbers.redact(form.reason.data)), "info")
    if active:
        flash(_("Account %(name)s enabled.", name=user.username), "success")
    else:
        flash(_("Account %(name)s disabled; its sessions have ended.", name=user.username), "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/reset-password")
@roles_required(Role.SYSADMIN)
def reset_password(user_id: int):
    """Show the temporary password once; the page is never stored by a browser or proxy."""
    user = managed_user(user_id)
    form = AccountStateForm()
    if not form.validate_on_submit():
        abort(400)
    password = accounts.reset_password(database.session(), clock(), actor(), user)
    database.commit()
    response = make_response(render_template("auth/temporary_password.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response
