"""Signing in and out, the language switch, the home page by role, and accounts (sysadmin)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.auth import password_guard, session_rules
from examsvc.auth.access_log import REFUSED_ROLES, client_address, record_access
from examsvc.auth.forms import ROLE_LABELS, ChangePasswordForm, LoginForm, UserForm
from examsvc.auth.session_rules import fresh_session
from examsvc.auth.throttling import throttle
from examsvc.formatting import local_time
from examsvc.request_text import password_fields
from examsvc.errors import form_problems, invalid_json, json_error, problem_texts
from examsvc.extensions import clock, wants_json
from question_bank.errors import InvalidInput
from question_bank.models import OrgUnit, Role, User
from question_bank.services import accounts, people, protection
from question_bank.services.throttle import account_key, address_key

bp = Blueprint("auth", __name__)

#: Where each role lands after signing in, first match wins.
HOME_BY_ROLE = [
    (Role.CADRE, "candidate.dashboard"),
    (Role.BANK_EDITOR, "bank.questions"),
    (Role.BANK_REVIEWER, "bank.batches"),
    (Role.EXAM_ADMIN, "exams.sittings"),
    (Role.HR, "reports.sittings"),
    (Role.MARKER, "marking.queue"),
    (Role.SENIOR_MARKER, "marking.queue"),
    (Role.AUDITOR, "audit.events"),
    (Role.SYSADMIN, "auth.users"),
    (Role.LAW_ADMIN, "laws.index"),
    (Role.STUDY_ADMIN, "study.lists"),
]


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    for role, endpoint in HOME_BY_ROLE:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return render_template("auth/no_role.html")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute URL an attacker could plant in ?next=."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@password_fields("password")
def login():
    """Sign in with a username or, for a cadre, the resident ID number. Failures are counted per
    account, per account and address, and per address in shared storage
    (``question_bank.services.throttle``); past an account's allowance even the right password is
    refused until the time shown or an administrator lifts the lock; an address past its allowance
    refuses only accounts that failed there. A disabled account with its right password is told so
    (``auth.sign_in_disabled``, nothing counted). Every outcome is an audit event."""
    form = LoginForm()
    if request.method != "POST":
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit() and not form.username.data:
        if wants_json():
            return invalid_json(form_problems(form))
        return render_template("auth/login.html", form=form), 200
    db = database.session()
    name, password = form.username.data, form.password.data or ""
    account = people.sign_in_account(db, name)
    attempt = throttle().begin(*throttle_keys(account, name))
    if attempt.blocked_until is not None:
        record_access("auth.sign_in_throttled", account, None, name=name)
        database.commit()
        # The same words whether or not the account exists.
        return _refused(form, 429, 429, "throttled",
                        _("Too many failed sign-ins. Try again after %(time)s, or ask an administrator to lift "
                          "the lock.", time=local_time(attempt.blocked_until)),
                        until=attempt.blocked_until.isoformat())
    # An over-long name or a missing password fails like a wrong one (and counts). One hash check
    # whatever the account (people.password_right), so timing tells nothing.
    right = people.password_right(account, password) if not form.errors else False
    if right and not account.is_active:
        # The password proves the person, so saying why tells nothing to someone who lacks it.
        attempt.withdrawn()
        record_access("auth.sign_in_disabled", account, None, name=name)
        database.commit()
        # The page answers 200 like a wrong password: a 403 would add an ``auth.refused`` event for
        # the same refusal. A script is told 401, as for a wrong password, which adds none.
        return _refused(form, 200, 401, "account_disabled",
                        _("This account is disabled. Ask an administrator to enable it."))
    user = account if right else None
    if user is None:
        attempt.failed()
        record_access("auth.sign_in_failed", account, None, name=name)
        database.commit()
        return _refused(form, 200, 401, "wrong_credentials", _("Wrong username or password."))
    attempt.succeeded()
    record_access("auth.sign_in", user, user)
    database.commit()
    sign_in(user)
    return redirect(_safe_next(request.args.get("next")) or url_for("auth.index"))


def _refused(form: LoginForm, page_status: int, json_status: int, code: str, message: str, **extra: str):
    """A refused sign-in, already audited and committed: for a script or API client
    (``wants_json``), ``{"error": code, "message", …extra}`` with ``json_status``; for a browser,
    the sign-in form again with ``message`` above it, with ``page_status``."""
    if wants_json():
        return json_error(json_status, code, message, **extra)
    flash(message, "error")
    return render_template("auth/login.html", form=form), page_status


def throttle_keys(account: User | None, name: str) -> tuple[str, str]:
    return account_key(account, name), address_key(client_address())


def sign_in(user: User) -> None:
    """A fresh session (nothing of the one before: no fixation) for ``user`` on this device."""
    fresh_session()
    login_user(user)
    session.permanent = True
    session_rules.start(clock().now())


@bp.post("/logout")
@login_required
def logout():
    """Sign out: every session of the account ends, on every device and worker (SEC-C3)."""
    user = actor()
    accounts.revoke_sessions(user)
    record_access("auth.sign_out", user, user)
    database.commit()
    logout_user()
    fresh_session()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@password_fields("current", "new", "confirm")
@login_required
def change_password():
    """Change one's own password (required after an administrator's reset). Every other session of
    the account ends; this device stays signed in.

    The current password is guarded like a sign-in (F10-01, ``examsvc.auth.password_guard``): each
    wrong one is audited (``auth.password_change_failed``); the one that reaches the allowance ends
    every session of the account, this one included (``auth.password_change_locked``), and while
    locked the form is refused, the right password included (``auth.password_change_throttled``)."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _password_page(form, [], 422 if form.errors else 200)
    db = database.session()
    user = actor()
    check = password_guard.begin(user, "auth.password_change")
    if check.refused():
        return _password_page(form, [], 429)
    try:
        user = accounts.change_password(db, clock(), user, form.current.data, form.new.data)
    except InvalidInput as exc:
        db.rollback()
        if any(str(problem.place) == "current" for problem in exc.problems):
            record_access("auth.password_change_failed", user, user)
            signed_out = check.wrong()
            if signed_out is not None:
                return signed_out
        else:
            check.withdrawn()
        database.commit()
        return _password_page(form, place_problems(form, exc), 422)
    # The right current password proves the person, but does not clear the account's sign-in failures.
    check.withdrawn()
    database.commit()
    sign_in(user)
    flash(_("Your password has been changed. Other devices have been signed out."), "success")
    return redirect(url_for("auth.index"))


def _password_page(form: ChangePasswordForm, problems: list, status: int):
    return render_template("auth/change_password.html", form=form, problems=problems), status


def offer_grantable_roles(form, held: frozenset[Role] = frozenset()) -> None:
    """Offer on ``form.roles`` only the roles the administrator may give (``protection.grantable_roles``)
    and those the account holds already. A posted role outside them (a crafted form) is refused
    before the form is read, with the reason (403, audited as a refusal naming the roles)."""
    allowed = protection.grantable_roles(actor()) | held
    if request.method == "POST":
        asked = {Role(value) for value in request.form.getlist(form.roles.name) if value in Role._value2member_map_}
        try:
            protection.require_grantable(actor(), asked, held)
        except protection.RolesNotGrantable as exc:
            setattr(g, REFUSED_ROLES, exc.codes)  # kept in the refusal's audit event
            raise
    form.roles.choices = [choice for choice in form.roles.choices if Role(choice.value) in allowed]


def note_folded_phone(typed: str | None) -> None:
    """Say, when the phone number typed held full-width characters, that it was stored with ordinary
    ones and is the same number (``people.normalise_phone``): nothing typed is changed unsaid."""
    if people.phone_was_folded(typed):
        flash(_("The phone number was typed in full-width characters and is stored in ordinary ones, as %(phone)s: "
                "it is the same number, nothing is lost.", phone=people.normalise_phone(typed)), "info")


def place_problems(form, exc: InvalidInput) -> list[dict]:
    """Put each problem of ``exc`` beside the form field it names; return the others (shown above
    the form). Passwords are never sent back."""
    problems = []
    for problem, text in zip(exc.problems, problem_texts(exc)):
        named = form._fields.get(str(problem.place))
        if named is not None:
            named.errors.append(text["message"])
        else:
            problems.append(text)
    return problems


@bp.post("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))


@bp.get("/users")
@roles_required(Role.SYSADMIN)
def users():
    db = database.session()
    query = people.users_in_scope(actor()).order_by(OrgUnit.path, User.username)
    users = db.scalars(query).all()
    units = people.unit_paths(db, {u.org_unit for u in users}, below=actor().org_unit)
    return render_template("auth/users.html", users=users, units=units, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@password_fields("password")
@roles_required(Role.SYSADMIN)
def new_user():
    db = database.session()
    units = people.units_in_scope(db, actor())
    form = UserForm()
    paths = people.unit_paths(db, units, below=actor().org_unit)
    form.unit.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    offer_grantable_roles(form)
    if form.validate_on_submit():
        unit = db.get(OrgUnit, form.unit.data)
        try:
            user = people.create_user(
                db, clock(), actor(), username=form.username.data, display_name=form.display_name.data.strip(),
                password=form.password.data, unit=unit, roles=[Role(r) for r in form.roles.data],
                id_number=form.id_number.data or None, current_post=form.current_post.data or None,
                phone=form.phone.data or None,
            )
        except InvalidInput as exc:
            db.rollback()
            problems = place_problems(form, exc)
            return render_template("auth/user_form.html", form=form, problems=problems), 422
        database.commit()
        flash(_("Account %(name)s created.", name=user.username), "success")
        note_folded_phone(form.phone.data)
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, problems=[]), 422 if form.errors else 200


from examsvc.auth import account_import_pages, account_pages, api_token_pages, reset_link_pages, unit_pages  # noqa: E402,F401  (their views join this blueprint)
