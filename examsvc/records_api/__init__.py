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

    def open_session(self, app: Flask, request: Request):
        if _is_api_path(request.path):
            return self.null_session_class()
        return super().open_session(app, request)
