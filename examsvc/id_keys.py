"""Where the master key for ID numbers at rest and for backups comes from (SEC-P5).

``EXAMSVC_ID_KEY``: 32 random bytes in base64 (``openssl rand -base64 32``), the same on every
worker and host. ``question_bank.id_vault`` derives the ID numbers' encryption and lookup keys from
it, ``examsvc.backup.sealed_file`` the backups' key.

In production (``EXAMSVC_PRODUCTION=1``) the service refuses to start without it. The demo and the
tests keep one in ``instance/id_key``, made on first use (mode 0600); losing that file loses every
ID number sealed with it and every backup written with it, so a real installation keeps its key
apart from the database and from the backups, e.g. in the environment file of the service.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from question_bank import id_vault

ENV_VARIABLE = "EXAMSVC_ID_KEY"
#: The file of the demo's and the tests' key, in the instance folder.
KEY_FILE = "id_key"


def key_text(production: bool, instance_dir: Path) -> str:
    """The master key in base64: ``EXAMSVC_ID_KEY``, else (not in production) the instance
    folder's key file, made on first use. Raises :class:`question_bank.id_vault.IdVaultError` in
    production when the variable is not set."""
    text = os.environ.get(ENV_VARIABLE, "").strip()
    if text:
        return text
    if production:
        raise id_vault.IdVaultError(
            f"{ENV_VARIABLE} must be set in production: 32 random bytes in base64 (`openssl rand -base64 32`), "
            "the same on every worker and host, kept apart from the database and its backups; without it "
            "no ID number can be read and no backup written or restored")
    return _instance_key(instance_dir / KEY_FILE)


def _instance_key(path: Path) -> str:
    """The key kept in ``path``, made if there is none. Written whole into a private file first,
    then linked to its name (which fails if the name exists): two processes starting at once
    (gunicorn workers, parallel test runs) end up with the one key, and nobody reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(base64.b64encode(os.urandom(id_vault.MASTER_KEY_BYTES)).decode() + "\n")
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            partial.unlink(missing_ok=True)
    text = path.read_text().strip()
    if not text:
        raise id_vault.IdVaultError(f"{path} is empty; delete it or set {ENV_VARIABLE}")
    return text


def master_key(text: str) -> bytes:
    """The master key bytes of ``text`` (base64). Raises :class:`~question_bank.id_vault.IdVaultError`."""
    return id_vault.master_key_from_base64(text, ENV_VARIABLE)


def configure(text: str) -> id_vault.IdVault:
    """Make the vault of the master key ``text`` the process's (``id_vault.configure``) and return it."""
    vault = id_vault.IdVault(master_key(text))
    id_vault.configure(vault)
    return vault


def vault_for_migrations() -> id_vault.IdVault:
    """The configured vault or, when the migrations run without the app (``alembic`` alone), the one
    of the configured key (environment or instance folder; refused in production without the variable)."""
    from examsvc import config

    return id_vault.configured() or configure(key_text(config.is_production(), config.INSTANCE_DIR))
