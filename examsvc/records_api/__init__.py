"""The read-only records API for HR and organisation-department systems (issue 6, "Reports"):
sittings, score records and audit events under ``/api/v1``, authorised by bearer tokens only
(``token_auth``), described by the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface

#: Every URL of the records API, its OpenAPI document included, starts with this.
PREFIX = "/api/v1"


def is_token_request() -> bool:
    """Whether this request is for the records API, where a browser session counts for nothing:
    the session rules and the access log's 403 entry leave it to ``token_auth``."""
    return _is_api_path(request.path)


def _is_api_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class SessionlessTokenApi(SecureCookieSessionInterface):
    """The app's cookie sessions, except that a records API request has none: its session cookie
    is not read (so it cannot sign anyone in there) and no cookie is set or refreshed in answer."""

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer for the session cookie, made once per secret key (and fallbacks)
        instead of on every request: making it, which serialises an empty dict to test the
        serializer's kind, was a fiftieth of an autosave's CPU (issue 7). Signing and reading with
        it keep no state, so one serves every request."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self.__dict__.get("_serializer")
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app: Flask, request: Request):
        if _is_api_path(request.path):
            return self.null_session_class()
        return super().open_session(app, request)
