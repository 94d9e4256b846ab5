"""Views that check their signed-in person in their own statement (issue 7): the autosave.

Every other request loads its person first (Flask-Login's user loader, one statement) and the app's
hooks check them: the session rules (``session_rules``: revocation by session epoch, idle and
absolute limits, a temporary password to replace) and the blueprint's role guard
(``access.guard``). An exam page saves every change, and that load was a fifth of a save's CPU
and one of its round trips. So for a view in :data:`SELF_CHECKING` the hooks leave the person
unloaded when the session cookie alone raises no doubt (:func:`deferred`), and the view's usual
case checks the claim in its own statement (``quick_save.Claimant``: account active, the session's
epoch, no temporary password, the role the guard asks for). Whenever that statement reads
nothing, the view calls :func:`complete` before anything else: the hooks run again, in order, as
for any request, the person loaded, and the first refusal is the response. So a refusal (a
signed-out session, a disabled account, a missing role, a password to change) is what it always
was, only found one statement later.

The cookie "raises no doubt" when it names a person ("id:epoch", as ``User.get_id`` writes it) and
is within the idle and absolute limits by its own timestamps; a session over them is loaded and
judged as usual (an attempt in progress keeps it alive). Flask-Login's "basic" session protection
only marks a session from another address as not fresh, and nothing here asks for fresh sign-ins,
so skipping it changes nothing.
"""

from __future__ import annotations

from flask import current_app, g, request, session

from examsvc.extensions import clock
from question_bank.services.quick_save import Claimant

#: Endpoints whose usual case checks the signed-in person in its own statement.
SELF_CHECKING = frozenset({"api.save_response"})
_KEY = "session_claim"


def deferred() -> Claimant | None:
    """The claim of the session's person when this request's view checks it itself and the cookie
    raises no doubt (see the module); None when the hooks must load and check the person as usual.
    Decided once per request."""
    if _KEY not in g:
        setattr(g, _KEY, _claim() if request.endpoint in SELF_CHECKING else None)
    return getattr(g, _KEY)


def _claim() -> Claimant | None:
    user_id, colon, epoch = str(session.get("_user_id") or "").partition(":")
    if not (colon and user_id.isascii() and user_id.isdigit() and epoch.isascii() and epoch.isdigit()):
        return None
    # Imported here: session_rules imports this module.
    from examsvc.auth import session_rules

    if session_rules.over_limits(clock().now()) is not False:
        return None
    return Claimant(int(user_id), int(epoch))


def vouched() -> None:
    """The view's own statement vouched for the claim: the session's use is noted as the session
    rules note any request's (a refused claim's cookie is left as it came: an outside trial found a
    signed-out cookie sent back re-signed and fresh). Does nothing for a request not deferred."""
    if deferred() is not None:
        from examsvc.auth import session_rules  # imported here, as in _claim

        session_rules.note_use(clock().now())


def complete():
    """Run the sign-in hooks a deferred request skipped, the person loaded as for any request;
    the first hook's refusal (a response) or None. Call it before the view does anything else once
    its own statement did not vouch for the claim. Does nothing for a request that was not deferred."""
    if deferred() is None:
        return None
    setattr(g, _KEY, None)
    return current_app.preprocess_request()
