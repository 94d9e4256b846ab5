"""One refusal for text no field can hold: a NUL character in a query parameter, a form field or
a JSON string. PostgreSQL's text types cannot store NUL (SQLite can), so without this a request
would be answered differently by the two databases, one of them with a server error (found by
schemathesis on ``/api/v1/audit-events?object_type=%00``). Files are not looked at here: each
import format refuses its own NUL bytes with the file's name (``question_bank.formats.guarded``)."""

from __future__ import annotations

from typing import Any, Iterator

from flask import Flask, request

from question_bank.errors import N_, InvalidInput, Problem

NUL = "\x00"


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
    """Every parameter of the current request whose text holds a NUL, named as it was sent."""
    places = [name for name, value in request.args.items(multi=True) if NUL in name or NUL in value]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        places += [name for name, value in request.form.items(multi=True) if NUL in name or NUL in value]
    elif request.is_json:
        places += list(_nul_places(request.get_json(silent=True), ""))
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
