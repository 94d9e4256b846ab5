"""The read-only records API for HR and organisation-department systems (issue 6, "Reports"):
sittings, score records and audit events under ``/api/v1``, authorised by bearer tokens only
(``token_auth``), described by the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import request

#: Every URL of the records API, its OpenAPI document included, starts with this.
PREFIX = "/api/v1"


def is_token_request() -> bool:
    """Whether this request is for the records API, where a browser session counts for nothing:
    the session rules and the access log's 403 entry leave it to ``token_auth``."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")
