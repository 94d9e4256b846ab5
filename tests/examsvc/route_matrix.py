"""Calling every route of the app as each role (SEC-A3): the requests, and what the answer says about
whether the role was let in."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Flask
from werkzeug.routing import Rule

from question_bank.models import Role
from tests.factories import Factory
from tests.webclient import ExamClient

#: The signed-out visitor, then every role of domain.md §2.
ANONYMOUS = "anonymous"
ROLE_NAMES = [ANONYMOUS, *(str(r) for r in Role)]

#: An id that names nothing: a role that is let in gets "not found" (or a form), one that is not gets
#: "refused" before anything is looked up.
NO_SUCH_ID = 987654
#: A value for each non-numeric URL part; a new route with a part not listed here fails the test.
SAMPLE_VALUES = {"code": "zh_CN", "slug": "1", "file_format": "csv", "fmt": "csv", "per": "cadre", "ext": "csv",
                 "filename": "favicon.svg", "token": "no-such-reset-link"}


def requests_of(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, url) for every route and method of the app, HEAD and OPTIONS aside (Flask derives
    them from GET and answers OPTIONS itself). Sign-out comes last, as it ends the session."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.endpoint))
    # Built first and yielded after the context is gone: a request made while it is still pushed would
    # share its app context (and so flask-login's cached user in ``g``) with every later request.
    built = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in rules:
            values = {}
            for name in rule.arguments:
                if name not in SAMPLE_VALUES and type(rule._converters[name]).__name__ != "DatabaseIntConverter":
                    raise AssertionError(f"{rule.rule}: no sample value for <{name}> in SAMPLE_VALUES")
                values[name] = SAMPLE_VALUES.get(name, NO_SUCH_ID)
            url = adapter.build(rule.endpoint, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                built.append((rule, method, url))
    yield from built


def refused(response) -> bool:
    """Whether the answer keeps the caller out: 401/403, or a redirect to the sign-in page."""
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def call(client: ExamClient, rule: Rule, method: str, url: str):
    """The smallest request a page would send: a GET, or an empty form (JSON under /api/) carrying the
    client's CSRF token, so that CSRF never answers in authorisation's place."""
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.open(url, method=method, json={},
                           headers={"X-CSRFToken": client.csrf or "", "Accept": "application/json"})
    return client.open(url, method=method, data={"csrf_token": client.csrf or ""})


def client_as(role: str, make: Factory, client_factory: Callable[[], ExamClient]) -> ExamClient:
    """A client signed in as a new person holding ``role`` alone (anonymous: signed out, with a token)."""
    client = client_factory()
    if role == ANONYMOUS:
        client.refresh_csrf("/login")
    else:
        client.login(make.user(Role(role)).username)
    return client


def observe(app: Flask, role: str, make: Factory,
            client_factory: Callable[[], ExamClient]) -> dict[tuple[str, str], tuple[bool, int]]:
    """(endpoint, method) → (refused, status code) for every route called as ``role``."""
    client = client_as(role, make, client_factory)
    seen = {}
    for rule, method, url in requests_of(app):
        response = call(client, rule, method, url)
        seen[(rule.endpoint, method)] = (refused(response), response.status_code)
    return seen
