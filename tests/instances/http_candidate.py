"""A candidate's browser without JavaScript, over real HTTP: one cookie jar good on every
instance (cookies are per host, not per port), the CSRF token its pages carry, and optionally a
source address of its own, so two devices reach the service from two addresses (127.0.0.x)."""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.webclient import PASSWORD

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: Seconds one request may take (a busy 2-core machine serving several instances).
REQUEST_TIMEOUT_S = 60


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the test reads the 302 itself


class _FromAddress(urllib.request.HTTPHandler):
    """Connects from a given local address, as a second device on another network would."""

    def __init__(self, source_ip: str) -> None:
        super().__init__()
        self.source_ip = source_ip

    def http_open(self, req: urllib.request.Request):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.source_ip, 0)), req)


class HttpCandidate:
    """A person signed in through the login form on one instance, then free to send each request
    to any instance (``base`` URL per call). ``user_agent`` and ``source_ip`` tell devices apart."""

    def __init__(self, user_agent: str = "two-instance-test", source_ip: str = "127.0.0.1") -> None:
        self.jar = http.cookiejar.CookieJar()
        self.user_agent = user_agent
        self.source_ip = source_ip
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects(),
                                                  _FromAddress(source_ip))
        self.csrf = ""

    def request(self, base: str, method: str, path: str, *, form: dict[str, Any] | None = None,
                body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        """One request; any status is returned as a :class:`Reply`, never raised."""
        data = None
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode({"csrf_token": self.csrf, **form}).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body is not None:
            data = json.dumps(body).encode()
            sent.update({"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf})
        request = urllib.request.Request(base + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_S) as reply:
                return Reply(reply.status, reply.headers, reply.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read().decode("utf-8", "replace"))

    def page(self, base: str, path: str) -> Reply:
        """GET a page and keep the CSRF token it carries."""
        reply = self.request(base, "GET", path)
        match = _META_TOKEN.search(reply.text)
        if match:
            self.csrf = match.group(1)
        return reply

    def sign_in(self, base: str, username: str, password: str = PASSWORD) -> None:
        self.page(base, "/login")
        reply = self.request(base, "POST", "/login", form={"username": username, "password": password})
        assert reply.status == 302, f"sign-in of {username} on {base} failed: {reply.status} {reply.text[:300]}"
        self.page(base, "/me/")

    def start(self, base: str, sitting_id: int, **form: Any) -> Reply:
        """Press "start" on the confirmation (pledge accepted); a 302 to the exam page on success."""
        return self.request(base, "POST", f"/me/sittings/{sitting_id}/start", form={"pledge": "accepted", **form})

    @staticmethod
    def attempt_id_of(start_reply: Reply) -> int:
        assert start_reply.status == 302, f"start refused: {start_reply.status} {start_reply.text[:300]}"
        return int(start_reply.location.rstrip("/").rsplit("/", 1)[1])

    def state(self, base: str, attempt_id: int, **headers: str) -> dict[str, Any]:
        reply = self.request(base, "GET", f"/api/attempts/{attempt_id}/state",
                             headers={"Accept": "application/json", **headers})
        assert reply.status == 200, f"state: {reply.status} {reply.text[:300]}"
        return reply.json()

    def save(self, base: str, attempt_id: int, slot: int, answer: Any, seq: int, writer: str, base_version: int,
             page: str | None = None, **extra: Any) -> Reply:
        """An autosave as the exam page sends it (``page`` defaults to ``writer``)."""
        return self.request(base, "POST", f"/api/attempts/{attempt_id}/responses", body={
            "slot": slot, "answer": answer, "seq": seq, "writer": writer, "base": base_version,
            "page": page or writer, **extra})

    def submit(self, base: str, attempt_id: int, answers: dict[str, Any] | None = None, page: str | None = None,
               **extra: Any) -> Reply:
        body: dict[str, Any] = {"answers": answers or {}, **extra}
        if page:
            body["page"] = page
        return self.request(base, "POST", f"/api/attempts/{attempt_id}/submit", body=body)

    def claim(self, base: str, attempt_id: int, page: str) -> Reply:
        """What a loaded exam page does first: claim the attempt for itself."""
        return self.request(base, "POST", f"/api/attempts/{attempt_id}/presence", body={"page": page})

    def take_over(self, base: str, attempt_id: int, page: str) -> Reply:
        return self.request(base, "POST", f"/api/attempts/{attempt_id}/takeover", body={"page": page})
