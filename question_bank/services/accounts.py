"""Managing accounts after they exist: edit, disable and enable, password reset and change, and
signing a person out everywhere (issue 10; domain.md §2).

Who may: a sysadmin, for accounts in their own unit's subtree (a unit administrator manages their
unit and the units below it; the root unit's sysadmin manages everyone). Nobody disables themself
or takes away their own sysadmin role, so the last administrator cannot lock everyone out by a slip.

Revocation: sessions carry the account's ``session_epoch`` (``User.get_id``); disabling, a reset,
a password change and signing out bump it, so every session of the account on every worker and
host is refused at its next request. The state is in the database, never in the cookie alone.

Every change is an audit event; no password, temporary or not, ever reaches the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from question_bank import id_vault
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.idnumbers import InvalidIdNumber, local_date, parse_id_number
from question_bank.models import OrgUnit, PasswordResetLink, Role, User, UserRole
from question_bank.services import audit, people, protection
from question_bank.services.passwords import password_problems, temporary_password
from question_bank.services.throttle import Throttle, account_key
from question_bank.text import hidden_character_problems


def may_manage(actor: User, user: User) -> bool:
    """True when ``actor`` is a sysadmin whose unit contains ``user``'s unit."""
    return protection.may(actor, (Role.SYSADMIN,), user.org_unit)


def _require(actor: User, user: User) -> None:
    if not may_manage(actor, user):
        raise PermissionDenied()


def _snapshot(user: User) -> dict:
    return {"display_name": user.display_name, "unit": user.org_unit_id, "roles": sorted(map(str, user.roles)),
            "id_number_set": id_vault.has_id_number(user),
            # A keyed hash, not the number (SEC-P2): enough to see in the log that it changed.
            "id_number_hash": (user.id_number_lookup or "")[:16], "current_post": user.current_post, "phone": user.phone,
            "active": user.is_active}


def revoke_sessions(user: User) -> None:
    """End every session of ``user`` everywhere (they carry the old epoch)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def void_reset_links(session: Session, user: User, now: dt.datetime, keep: int | None = None) -> int:
    """Make every unused, unrevoked reset link of ``user`` (but ``keep``, a link id) void from
    ``now`` on (``question_bank.services.reset_links``); returns how many. Called when the reasons
    to trust an outstanding link are gone: a newer link, the account disabled, its password reset by
    an administrator or changed by its owner (F10-06)."""
    query = (update(PasswordResetLink)
             .where(PasswordResetLink.user_id == user.id, PasswordResetLink.used_at.is_(None),
                    PasswordResetLink.revoked_at.is_(None))
             .values(revoked_at=now))
    if keep is not None:
        query = query.where(PasswordResetLink.id != keep)
    return session.execute(query).rowcount


def _voided(count: int) -> dict:
    """The audit entry's note of the reset links an action made void (nothing when none were)."""
    return {"reset_links_voided": count} if count else {}


def update_user(session: Session, clock: Clock, actor: User, user: User, *, display_name: str, unit: OrgUnit,
                roles: Iterable[Role], id_number: str | None = None, current_post: str | None = None,
                phone: str | None = None, remove_id_number: bool = False) -> User:
    """Change a person's name, unit, roles and profile. The new unit must lie in the actor's subtree
    too. ``id_number`` blank keeps the account's ID number (the form never shows it in clear, so it
    cannot send it back); ``remove_id_number`` removes it. Raises :class:`PermissionDenied`, or
    :class:`InvalidInput` (empty name or roles, a control or invisible character in the name, post or
    phone: :func:`question_bank.text.hidden_character_problems`, invalid or taken ID number, a new
    number together with its removal, any change of one's own roles), each problem on its field;
    :class:`protection.RolesNotGrantable` for a role the actor may not give that the account lacks
    (``protection.grantable_roles``: an administrator below the top unit gives no province-wide role)."""
    _require(actor, user)
    if not protection.may(actor, (Role.SYSADMIN,), unit):
        raise PermissionDenied()
    roles = sorted(set(roles))
    protection.require_grantable(actor, roles, held=user.roles)
    problems = []
    if not display_name.strip():
        problems.append(Problem(N_("the name is empty"), place="display_name"))
    problems += hidden_character_problems({"display_name": display_name, "current_post": current_post, "phone": phone})
    if not roles:
        problems.append(Problem(N_("choose at least one role"), place="roles"))
    if user.id == actor.id and set(roles) != set(user.roles):
        # Nobody raises (or drops) their own rights: the full-ID grant, HR or auditor given to oneself
        # would make the separate permission meaningless (SEC-P1), so another administrator decides.
        problems.append(Problem(N_("you cannot change your own roles; another system administrator must"),
                                place="roles"))
    number = (id_number or "").strip() or None
    if number is not None and remove_id_number:
        problems.append(Problem(N_("either type a new ID number or remove it, not both"), place="id_number"))
    elif number is not None:
        try:
            number = parse_id_number(number, today=local_date(clock.now()))
        except InvalidIdNumber as exc:
            problems.append(Problem(exc.message, place="id_number"))
        else:
            if user.id_number_lookup != id_vault.lookup(number) and people.id_number_taken(session, number):
                problems.append(Problem(N_("another account already has this ID number"), place="id_number"))
    if problems:
        raise InvalidInput(problems)
    before = _snapshot(user)
    user.display_name = display_name.strip()
    user.org_unit = unit
    if remove_id_number:
        id_vault.store(user, None)
    elif number is not None and user.id_number_lookup != id_vault.lookup(number):
        id_vault.store(user, number)
    user.current_post = current_post or None
    user.phone = people.normalise_phone(phone)
    held = {r.role: r for r in user.role_rows}
    user.role_rows = [held.get(str(r)) or UserRole(role=str(r)) for r in roles]
    session.flush()
    after = _snapshot(user)
    if after != before:
        audit.record(session, clock, actor, "user.update", "user", user.id, before=before, after=after)
    return user


def set_active(session: Session, clock: Clock, actor: User, user: User, active: bool, reason: str = "") -> User:
    """Disable (every session and every outstanding reset link ends at once) or enable an account. Raises :class:`PermissionDenied`,
    or :class:`InvalidInput` when the actor would disable themself."""
    _require(actor, user)
    if user.id == actor.id and not active:
        raise InvalidInput([Problem(N_("you cannot disable your own account"))])
    if user.is_active == active:
        return user
    user.is_active = active
    voided = 0
    if not active:
        revoke_sessions(user)
        voided = void_reset_links(session, user, clock.now())
    session.flush()
    audit.record(session, clock, actor, "user.enable" if active else "user.disable", "user", user.id,
                 before={"active": not active}, after={"active": active, **_voided(voided)}, detail=reason[:500])
    return user


def sign_in_failures(throttle: Throttle, user: User) -> list[dt.datetime]:
    """The failed sign-ins of ``user`` (from every address) still counted, oldest first."""
    return throttle.recent_failures(account_key(user, user.username))


def lift_sign_in_lock(session: Session, clock: Clock, actor: User, user: User, throttle: Throttle) -> int:
    """Forget every failed sign-in counted against ``user``, from every address, so that a lock (a
    stranger's guesses, a mistyping cadre on exam day) ends now; audited (``user.sign_in_lock_lifted``,
    with how many failures the account-wide count held). Sessions are not touched. Raises
    :class:`PermissionDenied` outside the actor's subtree. Returns that count."""
    _require(actor, user)
    cleared = throttle.lift(account_key(user, user.username))
    audit.record(session, clock, actor, "user.sign_in_lock_lifted", "user", user.id,
                 after={"failures_cleared": cleared})
    return cleared


def reset_password(session: Session, clock: Clock, actor: User, user: User) -> str:
    """Give ``user`` a random temporary password, returned once for the administrator to hand over;
    the person must choose their own at next sign-in, and every session and outstanding reset link
    of theirs ends now.
    Raises :class:`PermissionDenied`."""
    _require(actor, user)
    password = temporary_password(user.username, user.display_name, id_vault.reveal_if_readable(user))
    user.password_hash = people.hash_password(password)
    user.must_change_password = True
    revoke_sessions(user)
    voided = void_reset_links(session, user, clock.now())
    session.flush()
    audit.record(session, clock, actor, "user.password_reset", "user", user.id,
                 after={"must_change_password": True, **_voided(voided)})
    return password


def change_password(session: Session, clock: Clock, user: User, current: str, new: str) -> User:
    """The person's own change: the current password, then a new one the policy accepts
    (:func:`question_bank.services.passwords.password_problems`) that differs from it in more than
    letter case and character width. Every
    session of the account ends (the caller signs this device in again). Raises
    :class:`InvalidInput` with problems on ``current`` or ``new``."""
    problems = []
    right = people.password_matches(user.password_hash, current)
    if not right:
        problems.append(Problem(N_("the current password is wrong"), place="current"))
    problems += password_problems(new, user.username, place="new", id_number=id_vault.reveal_if_readable(user),
                                  display_name=user.display_name, current=current if right else None)
    if problems:
        raise InvalidInput(problems)
    user.password_hash = people.hash_password(new)
    was_forced = user.must_change_password
    user.must_change_password = False
    revoke_sessions(user)
    voided = void_reset_links(session, user, clock.now())
    session.flush()
    audit.record(session, clock, user, "user.password_change", "user", user.id,
                 after={"after_reset": bool(was_forced), **_voided(voided)})
    return user
