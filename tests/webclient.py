"""A Flask test client that behaves like a person with a browser: it signs in through the login
form, sends the CSRF token the page carries, and hands the test's own database session a clean
slate around every request (so the test never holds SQLite's write lock while the app works)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: Every place a page carries a CSRF token (signed with a timestamp, so it differs second by second).
_ANY_TOKEN = re.compile(r'(<meta name="csrf-token" content="|name="csrf_token" (?:type="hidden" )?value=")[^"]+"')


def without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked, for comparing two renderings."""
    return _ANY_TOKEN.sub(r'\1"', page)

#: The password every test account gets (tests.factories).
PASSWORD = "correct-horse-9"


class ExamClient(FlaskClient):
    db_session: Session | None = None
    csrf: str | None = None

    def open(self, *args: Any, **kwargs: Any):
        if self.db_session is not None:
            self.db_session.commit()
        response = super().open(*args, **kwargs)
        if self.db_session is not None:
            self.db_session.expire_all()
        return response

    def refresh_csrf(self, path: str = "/login") -> str:
        page = self.get(path, follow_redirects=True).get_data(as_text=True)
        match = _META_TOKEN.search(page)
        assert match, f"no CSRF token on {path}"
        self.csrf = match.group(1)
        return self.csrf

    def login(self, username: str, password: str = PASSWORD):
        token = self.refresh_csrf("/login")
        response = self.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
        self.refresh_csrf("/login")
        return response

    def form_post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        """POST a form with this client's CSRF token."""
        return self.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def api_post(self, path: str, body: Any):
        """POST JSON the way the exam page does: CSRF token in X-CSRFToken."""
        return self.post(path, json=body, headers={"X-CSRFToken": self.csrf or "", "Accept": "application/json"})


def client_maker(app: Any, db_session: Session) -> Callable[[], ExamClient]:
    """Makes clients of ``app`` (this test's app, a second instance, another configuration) that hand
    ``db_session`` a clean slate around every request."""
    app.test_client_class = ExamClient

    def new() -> ExamClient:
        client = app.test_client()
        client.db_session = db_session
        return client

    return new
