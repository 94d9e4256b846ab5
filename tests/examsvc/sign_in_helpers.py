"""Signing in as an attacker would: from a chosen address, through one of several app instances."""

from __future__ import annotations

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
