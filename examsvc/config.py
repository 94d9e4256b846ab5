"""Configuration: defaults, then ``EXAMSVC_*`` environment variables, then the test overrides
given to ``create_app``.

| variable | meaning | default |
| --- | --- | --- |
| EXAMSVC_DATABASE_URL | SQLAlchemy URL (``postgresql+psycopg://…`` in production) | SQLite in ``instance/`` |
| EXAMSVC_SECRET_KEY | signs sessions; the same on every worker and host | a key kept in ``instance/secret_key`` |
| EXAMSVC_PRODUCTION | ``1`` requires a secret key from the environment and secure cookies | off |
| EXAMSVC_LEDGER_SIGNING_KEY | Ed25519 key (base64, ``flask ledger-keygen``) that signs ledger checkpoints | one kept in ``instance/`` (not in production) |
| EXAMSVC_LEDGER_VERIFY_KEY | its public key (base64), for hosts that only verify checkpoints | derived from the signing key |
| EXAMSVC_TRUSTED_PROXY_HOPS | reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (werkzeug ProxyFix); 0 trusts none | 0 |
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

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


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The configuration mapping for ``app.config``."""
    overrides = dict(overrides or {})
    production = overrides.pop("PRODUCTION", os.environ.get("EXAMSVC_PRODUCTION") == "1")
    config: dict[str, Any] = {
        "PRODUCTION": production,
        "DATABASE_URL": os.environ.get("EXAMSVC_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'examsvc.db'}"),
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        # Long enough for the longest sitting: a session must never end in the middle of an exam.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        # The CSRF token lives as long as the session; a time limit would break autosave in a long sitting.
        "WTF_CSRF_TIME_LIMIT": None,
        # Clock object with now(); None means the system clock. Tests inject a FixedClock.
        "CLOCK": None,
        # Ed25519 keys of ledger checkpoints, base64 (examsvc.ledger_cli resolves them when needed).
        "LEDGER_SIGNING_KEY": os.environ.get("EXAMSVC_LEDGER_SIGNING_KEY"),
        "LEDGER_VERIFY_KEY": os.environ.get("EXAMSVC_LEDGER_VERIFY_KEY"),
        # Proxies whose forwarding headers are believed (the client address for allowed networks
        # and logs); every other X-Forwarded-For, X-Real-IP or Forwarded header is ignored.
        "TRUSTED_PROXY_HOPS": int(os.environ.get("EXAMSVC_TRUSTED_PROXY_HOPS", "0")),
    }
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = _secret_key(production)
    config.update(overrides)
    return config
