"""Configuration: defaults, then ``EXAMSVC_*`` environment variables, then the test overrides
given to ``create_app``.

| variable | meaning | default |
| --- | --- | --- |
| EXAMSVC_DATABASE_URL | SQLAlchemy URL (``postgresql+psycopg://…`` in production) | SQLite in ``instance/`` |
| EXAMSVC_SECRET_KEY | signs sessions; the same on every worker and host | a key kept in ``instance/secret_key`` |
| EXAMSVC_PRODUCTION | ``1`` requires a secret key from the environment and secure ``__Host-`` cookies (HTTPS only) | off |
| EXAMSVC_ID_KEY | 32 random bytes in base64 (``openssl rand -base64 32``): encrypts ID numbers at rest and backups (``examsvc.id_keys``); required in production | one kept in ``instance/id_key`` |
| EXAMSVC_LEDGER_SIGNING_KEY | Ed25519 key (base64, ``flask ledger-keygen``) that signs ledger checkpoints | one kept in ``instance/`` (not in production) |
| EXAMSVC_IMPORT_BACKGROUND_ROWS | a bank import of more questions (a template's rows, an interchange file's questions) runs as a background job (0: every import) | 2000 |
| EXAMSVC_IMPORT_WORKER_THREAD | ``1`` runs the import worker in a thread of the app (the demo); else run ``flask import-worker`` | off |
| EXAMSVC_IMPORT_JOB_STALE_MINUTES | a running import job without a heartbeat this long lost its worker | 5 |
| EXAMSVC_LEDGER_VERIFY_KEY | its public key (base64), for hosts that only verify checkpoints | derived from the signing key |
| EXAMSVC_REDIS_URL | Redis that counts failed sign-ins for every host (``redis://127.0.0.1:6379/0``) | unset: the database counts |
| EXAMSVC_THROTTLE_ACCOUNT | failed sign-ins allowed per account from one client address, "failures/minutes" | ``5/15`` |
| EXAMSVC_THROTTLE_ACCOUNT_WIDE | failed sign-ins allowed per account from all addresses together | ``10/15`` |
| EXAMSVC_THROTTLE_ADDRESS | failed sign-ins per client address before it is stepped up (accounts that failed there wait; others still sign in) | ``50/15`` |
| EXAMSVC_PROXY_HOPS | reverse proxies in front of the app whose X-Forwarded-For is trusted | ``0`` |
| EXAMSVC_SESSION_IDLE_MINUTES | a session unused this long ends (not during an attempt in progress) | ``60`` |
| EXAMSVC_SESSION_ABSOLUTE_HOURS | a session ends this long after sign-in (not during an attempt in progress) | ``12`` |
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from examsvc import id_keys
from question_bank.clock import BEIJING

INSTANCE_DIR = Path(os.environ.get("EXAMSVC_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))

#: Largest upload accepted, in bytes; larger requests get 413 before the body is read.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _secret_key(production: bool) -> str:
    key = os.environ.get("EXAMSVC_SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError("EXAMSVC_SECRET_KEY must be set in production (the same value on every worker)")
    # Development and demo: one key kept on disk, so workers and restarts share sessions.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def is_production() -> bool:
    """Whether ``EXAMSVC_PRODUCTION=1`` is set."""
    return os.environ.get("EXAMSVC_PRODUCTION") == "1"


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The configuration mapping for ``app.config``."""
    overrides = dict(overrides or {})
    production = overrides.pop("PRODUCTION", is_production())
    config: dict[str, Any] = {
        "PRODUCTION": production,
        "DATABASE_URL": os.environ.get("EXAMSVC_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'examsvc.db'}"),
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        # Derived from the one home of the zone, so that pages and the domain cannot disagree.
        "BABEL_DEFAULT_TIMEZONE": BEIJING.key,
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        # In production the __Host- prefix binds the cookie to this host, path "/" and HTTPS, so a
        # sibling subdomain or a plain-HTTP page cannot plant or overwrite it (SEC-C4).
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if production else "remember_token",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        # The cookie's own expiry, refreshed whenever the session changes (its last use is recorded
        # at most once a minute, examsvc.auth.session_rules.seen_step_s), not on every request: re-signing the cookie
        # cost an autosave a tenth of its CPU (issue 7). The idle and absolute limits are enforced
        # on the server, which spares an attempt in progress.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=24),
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_MINUTES": int(os.environ.get("EXAMSVC_SESSION_IDLE_MINUTES", "60")),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("EXAMSVC_SESSION_ABSOLUTE_HOURS", "12")),
        "REDIS_URL": os.environ.get("EXAMSVC_REDIS_URL") or None,
        "THROTTLE_ACCOUNT": os.environ.get("EXAMSVC_THROTTLE_ACCOUNT"),
        "THROTTLE_ADDRESS": os.environ.get("EXAMSVC_THROTTLE_ADDRESS"),
        "THROTTLE_ACCOUNT_WIDE": os.environ.get("EXAMSVC_THROTTLE_ACCOUNT_WIDE"),
        "PROXY_HOPS": int(os.environ.get("EXAMSVC_PROXY_HOPS", "0")),
        # The CSRF token lives as long as the session; a time limit would break autosave in a long sitting.
        "WTF_CSRF_TIME_LIMIT": None,
        # Clock object with now(); None means the system clock. Tests inject a FixedClock.
        "CLOCK": None,
        # Ed25519 keys of ledger checkpoints, base64 (examsvc.ledger_cli resolves them when needed).
        "LEDGER_SIGNING_KEY": os.environ.get("EXAMSVC_LEDGER_SIGNING_KEY"),
        "LEDGER_VERIFY_KEY": os.environ.get("EXAMSVC_LEDGER_VERIFY_KEY"),
        # Bank imports of more rows than this go to a background job (issue 5); 0 sends every one.
        "IMPORT_BACKGROUND_ROWS": int(os.environ.get("EXAMSVC_IMPORT_BACKGROUND_ROWS", "2000")),
        "IMPORT_WORKER_THREAD": os.environ.get("EXAMSVC_IMPORT_WORKER_THREAD") == "1",
        "IMPORT_JOB_STALE_MINUTES": float(os.environ.get("EXAMSVC_IMPORT_JOB_STALE_MINUTES", "5")),
    }
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = _secret_key(production)
    if "ID_KEY" not in overrides:
        # ID numbers at rest and backups (SEC-P5): refused in production without EXAMSVC_ID_KEY.
        config["ID_KEY"] = id_keys.key_text(production, INSTANCE_DIR)
    config.update(overrides)
    return config
