"""One refusal for text no field can hold: a NUL character in a query parameter, a form field or
a JSON string. PostgreSQL's text types cannot store NUL (SQLite can), so without this a request
would be answered differently by the two databases, one of them with a server error (found by
schemathesis on ``/api/v1/audit-events?object_type=%00``). Files are not looked at here: each
import format refuses its own NUL bytes with the file's name (``question_bank.formats.guarded``).

Password fields are the exception (issue 10, item 3): a password is never stored as text (only its
hash), so a NUL in one harms no database, and the form it was typed in says what is wrong as it
does for any other character: a wrong password at sign-in or as the current one, the policy's
"control character" for a new one (``question_bank.services.passwords``). A view names its
password fields with :func:`password_fields`; the rest of its request is checked here as usual."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Iterator

from flask import Flask, current_app, request

from question_bank.errors import N_, InvalidInput, Problem

NUL = "\x00"
#: Attribute of a view naming the form fields it checks for NUL itself (:func:`password_fields`).
_OWN_FIELDS = "password_fields"


def password_fields(*names: str) -> Callable:
    """Mark a view whose form fields ``names`` are passwords: a NUL in them is left to the view's
    form (its normal error), not refused by :func:`register`'s check. Put it below the route; the
    view must hash or compare those values, never store or show them."""

    def mark(view: Callable) -> Callable:
        setattr(view, _OWN_FIELDS, frozenset(names))
        return view

    return mark


def _exempt_fields() -> frozenset[str]:
    """The password fields of the view the current request goes to (none for a form-less view)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _OWN_FIELDS, frozenset())


def _nul_places(value: Any, place: str) -> Iterator[str]:
    """The places (``name``, ``name.key``, ``name[2]``) in a decoded JSON value whose text holds NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield place
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{place}.{key}" if place else str(key)
            if NUL in str(key):
                yield inner
            yield from _nul_places(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_places(item, f"{place}[{index}]")


def places_with_nul() -> list[str]:
    """Every parameter of the current request whose text holds a NUL, named as it was sent; the
    password fields of the view (:func:`password_fields`) are left to its form."""
    places = [name for name, value in request.args.items(multi=True) if NUL in name or NUL in value]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        exempt = _exempt_fields()
        places += [name for name, value in request.form.items(multi=True)
                   if NUL in name or (NUL in value and name not in exempt)]
    elif request.is_json:
        try:
            places += list(_nul_places(request.get_json(silent=True), ""))
        except RecursionError:
            # json.loads (and the walk above) recurse once per level: a body of a few kilobytes
            # nested thousands deep raised past every handler as a 500 (outside trial).
            raise InvalidInput([Problem(N_("the request body is nested too deeply to read"), place="body")]) from None
    return list(dict.fromkeys(places))


def _refuse_nul() -> None:
    places = places_with_nul()
    if places:
        raise InvalidInput([Problem(N_("this text holds a NUL character (U+0000), which no field can store"),
                                    place=place) for place in places])


def register(app: Flask) -> None:
    """Refuse, before any view or sign-in check runs, a request carrying NUL in its text (422, each
    parameter named)."""
    app.before_request(_refuse_nul)
