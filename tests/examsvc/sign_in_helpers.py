"""Signing in as an attacker would: from a chosen address, through one of several app instances."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsvc import create_app
from question_bank.models import AuditEvent
from tests.webclient import ExamClient


def instance(db_url: str, clock, db: Session, **config) -> ExamClient:
    """A client of a new app instance (own engine and process state) over the test database."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-key", "CLOCK": clock,
                      **config})
    app.test_client_class = ExamClient
    client = app.test_client()
    client.db_session = db
    client.refresh_csrf()
    client.form_post("/lang/en")
    return client


def try_sign_in(client: ExamClient, name: str, password: str, address: str = "203.0.113.9", **headers: str):
    """POST the sign-in form from ``address`` (a fresh form, as a browser or a script would load)."""
    client.refresh_csrf()
    return client.post("/login", data={"username": name, "password": password, "csrf_token": client.csrf},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def burst_sign_in(clients: list[ExamClient], name: str, passwords: list[str]) -> list[int]:
    """Sign in as ``name`` once per password, all at the same moment: each try on a thread of its own,
    through ``clients`` in turn (of several instances), its form loaded first and then every POST
    released together, as a script hammering many workers would. Returns the statuses, in order."""
    barrier = threading.Barrier(len(passwords))

    def one(n: int) -> int:
        client = clients[n % len(clients)].application.test_client()
        client.db_session = None  # the test's session is not for other threads
        token = client.refresh_csrf()
        barrier.wait(timeout=60)
        return client.post("/login", data={"username": name, "password": passwords[n], "csrf_token": token},
                           environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(one, range(len(passwords))))
