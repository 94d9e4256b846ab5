"""A bounded autosave and submit load over real HTTP, played by simulated exam pages, that keeps
count of what the server acknowledged.

Each :class:`Page` behaves as ``examsvc/static/js/exam.js`` does: it numbers its changes, sends
each as ``{slot, answer, seq, writer, base}``, counts a change as saved only on a 200 reply saying
``saved``, and re-sends an unacknowledged change unchanged (same writer, number and base) until a
reply comes, so a change whose reply was lost is stored once. Some pages hand in during the load;
a hand-in counts only when its reply came.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.webclient import PASSWORD

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: Seconds between a page's changes (a quick candidate) and before a retry after a failure.
THINK_S = 0.03
RETRY_S = 0.2


class NoReply(Exception):
    """The connection failed or closed before a whole reply came."""


@dataclass
class Ack:
    """One change the server acknowledged: where, whose and what."""

    attempt_id: int
    slot: int
    writer: str
    seq: int
    answer: list[str]


class Browser:
    """Cookies and a CSRF token over plain ``http.client`` (a new connection per request, so a
    killed worker costs one request, as a browser's retry would)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            raise NoReply(str(exc)) from exc
        return response.status, dict(response.getheaders()), data

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def api(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, _, data = self.request("POST", path, json.dumps(payload).encode(), {
            "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf})
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {}

    def refresh_csrf(self, path: str = "/login") -> None:
        status, _, data = self.request("GET", path)
        match = _META_TOKEN.search(data.decode())
        assert status == 200 and match, f"no CSRF token on {path} ({status})"
        self.csrf = match.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.refresh_csrf()
        status, _, _ = self.form("/login", {"username": username, "password": password})
        assert status == 302, f"sign-in of {username}: {status}"
        self.refresh_csrf("/me/")


@dataclass
class Page:
    """One candidate's exam page: what it sent, what was acknowledged, what it had to retry."""

    browser: Browser
    attempt_id: int
    slots: int
    #: Hand in after this many acknowledged changes (None: never during the load).
    submit_after: int | None
    writer: str = ""
    seq: int = 0
    versions: dict[int, int] = field(default_factory=dict)
    acks: list[Ack] = field(default_factory=list)
    #: Sends that got no reply at all (connection cut or reset) / a reply that was not a success.
    no_reply: int = 0
    refused: int = 0
    #: Replies other than 200 that said ``saved``: true (must stay 0: a false "saved").
    false_saved: int = 0
    #: Status and ``error`` code of every error reply, and the last such reply's message.
    errors: Counter = field(default_factory=Counter)
    last_error_message: str = ""
    submit_acked: bool = False
    submit_sends: int = 0
    #: Changes answered with 200 on a later send after an earlier send of the same change got no
    #: reply: the server may have stored it the first time; it must still be one step.
    in_doubt: int = 0

    def change(self, rng: random.Random, until: float) -> bool:
        """Make one change and send it until acknowledged or ``until`` (monotonic) passes."""
        self.seq += 1
        slot = rng.randint(1, self.slots)
        answer = [rng.choice("ABCD")]
        payload = {"slot": slot, "answer": answer, "seq": self.seq, "writer": self.writer,
                   "base": self.versions.get(slot, 0)}
        doubtful = False
        while time.monotonic() < until:
            try:
                status, body = self.browser.api(f"/api/attempts/{self.attempt_id}/responses", payload)
            except NoReply:
                self.no_reply += 1
                doubtful = True
                time.sleep(RETRY_S)
                continue
            if status == 200 and body.get("saved") is True:
                self.versions[slot] = body["stored"]["version"]
                self.acks.append(Ack(self.attempt_id, slot, self.writer, self.seq, answer))
                self.in_doubt += doubtful
                return True
            if body.get("saved") is True:
                self.false_saved += 1
            self.refused += 1
            self.errors[(status, body.get("error"), body.get("saved"))] += 1
            self.last_error_message = body.get("message", "")
            doubtful = True
            time.sleep(RETRY_S)
        return False

    def hand_in(self, until: float) -> None:
        """Submit (nothing left unsent: every change went through the autosave) until a reply."""
        while time.monotonic() < until and not self.submit_acked:
            self.submit_sends += 1
            try:
                status, body = self.browser.api(f"/api/attempts/{self.attempt_id}/submit", {"answers": {}})
            except NoReply:
                time.sleep(RETRY_S)
                continue
            if status == 200 and body.get("state") in ("submitted", "auto_submitted"):
                self.submit_acked = True
                return
            time.sleep(RETRY_S)


def start(pages: list[Page], stop: threading.Event, give_up_s: float = 60.0, seed: int = 7) -> list[threading.Thread]:
    """Drive every page in its own thread until ``stop`` is set; each then finishes the change it
    is sending and hands in if it was due to (at most ``give_up_s`` later). Join with :func:`finish`."""

    def drive(page: Page, rng: random.Random) -> None:
        while not stop.is_set():
            if not page.change(rng, time.monotonic() + give_up_s):
                return
            if page.submit_after is not None and len(page.acks) >= page.submit_after:
                break
            time.sleep(THINK_S)
        if page.submit_after is not None:
            page.hand_in(time.monotonic() + give_up_s)

    threads = [threading.Thread(target=drive, args=(p, random.Random(seed + i)), daemon=True)
               for i, p in enumerate(pages)]
    for t in threads:
        t.start()
    return threads


def finish(threads: list[threading.Thread], give_up_s: float = 70.0) -> None:
    for t in threads:
        t.join(give_up_s)
        assert not t.is_alive(), "a simulated exam page never got its change acknowledged"


@dataclass
class Tally:
    """What the pages were told against what the database holds after the faults."""

    fault: str
    acknowledged: int
    found: int
    lost: list[Ack]
    duplicates: int
    in_doubt: int
    no_reply: int
    refused: int
    errors: Counter
    false_saved: int
    submits_acked: int
    submits_found: int
    #: Attempts whose page never handed in that nonetheless show as submitted (must be 0).
    closed_without_submit: int
    #: Slots whose stored answer differs from the last one its page saw acknowledged (must be 0).
    answer_mismatches: int

    def line(self) -> str:
        return (f"{self.fault}: saves acknowledged {self.acknowledged}, found after recovery {self.found}, "
                f"lost {len(self.lost)}, duplicate steps {self.duplicates}, sends without reply {self.no_reply}, "
                f"error replies {self.refused} (false 'saved' {self.false_saved}), acknowledged after a failed send "
                f"{self.in_doubt}; submits acknowledged {self.submits_acked}, found {self.submits_found}, "
                f"unsubmitted shown as submitted {self.closed_without_submit}; "
                f"final answers differing from the page's {self.answer_mismatches}")


def tally(db, fault: str, pages: list[Page]) -> Tally:
    """Compare every acknowledgement the pages got with the rows of a fresh read of the database."""
    from sqlalchemy import func, select

    from question_bank.models import Attempt, ResponseStep
    from question_bank.services.marking import current_responses

    db.expire_all()
    ids = [p.attempt_id for p in pages]
    stored = {(s.attempt_id, s.slot, s.writer, s.client_seq): s.answer
              for s in db.scalars(select(ResponseStep).where(ResponseStep.attempt_id.in_(ids)))}
    acks = [a for p in pages for a in p.acks]
    lost = [a for a in acks if stored.get((a.attempt_id, a.slot, a.writer, a.seq)) != a.answer]
    duplicates = db.scalar(select(func.count()).select_from(
        select(ResponseStep.attempt_id).where(ResponseStep.attempt_id.in_(ids))
        .group_by(ResponseStep.attempt_id, ResponseStep.slot, ResponseStep.writer, ResponseStep.client_seq)
        .having(func.count() > 1).subquery()))
    states = {a.id: a.is_open for a in db.scalars(select(Attempt).where(Attempt.id.in_(ids)))}
    mismatches = 0
    for page in pages:
        last_seen = {a.slot: a.answer for a in page.acks}
        held = {slot: step.answer for slot, step in current_responses(db, page.attempt_id).items()}
        mismatches += held != last_seen
    return Tally(
        fault=fault, acknowledged=len(acks), found=len(acks) - len(lost), lost=lost, duplicates=duplicates,
        in_doubt=sum(p.in_doubt for p in pages), no_reply=sum(p.no_reply for p in pages),
        refused=sum(p.refused for p in pages), errors=sum((p.errors for p in pages), Counter()), false_saved=sum(p.false_saved for p in pages),
        submits_acked=sum(p.submit_acked for p in pages),
        submits_found=sum(p.submit_acked and not states[p.attempt_id] for p in pages),
        closed_without_submit=sum(p.submit_sends == 0 and not states[p.attempt_id] for p in pages),
        answer_mismatches=mismatches)
