"""Command-line tasks for the score record: ``flask --app wsgi <command>``.

- ``ledger-keygen``: print a new Ed25519 key pair for ``EXAMSVC_LEDGER_SIGNING_KEY`` /
  ``EXAMSVC_LEDGER_VERIFY_KEY``;
- ``ledger-checkpoint [--out FILE]``: verify the score ledger and the audit log, then print (and
  store) a signed checkpoint of both; keep it outside the database (README, "The score record");
- ``verify-ledger [--against FILE]``: recompute the score ledger's chain, reconcile every attempt's
  score, band, pass, responses and marks with it and, against a checkpoint, find a truncated tail
  or a recomputed chain;
- ``verify-audit [--against FILE]``: the same for the audit log's chain.

Each verify command exits with status 1 when anything does not hold, so cron can mail it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app
from sqlalchemy.orm import Session

from examsvc import config as app_config
from examsvc import database
from examsvc.extensions import clock
from question_bank.services import audit, checkpoints, ledger, score_check
from question_bank.services.checkpoints import Checkpoint, CheckpointError
from question_bank.services.hashchain import ChainCheck, ChainPoint

#: Where a development or demo instance keeps its signing key when none is configured.
DEV_KEY_FILE = "ledger_signing_key"


def _dev_signing_key_text() -> str:
    path = Path(app_config.INSTANCE_DIR) / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(checkpoints.new_key_pair()[0])
        path.chmod(0o600)
    return path.read_text().strip()


def _signing_key() -> Ed25519PrivateKey:
    text = current_app.config.get("LEDGER_SIGNING_KEY")
    if not text:
        if current_app.config.get("PRODUCTION"):
            raise click.ClickException("set EXAMSVC_LEDGER_SIGNING_KEY (make one with `flask ledger-keygen`)")
        text = _dev_signing_key_text()
    try:
        return checkpoints.signing_key(text)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc


def _verify_key() -> Ed25519PublicKey:
    text = current_app.config.get("LEDGER_VERIFY_KEY")
    if not text:
        if current_app.config.get("PRODUCTION") and not current_app.config.get("LEDGER_SIGNING_KEY"):
            raise click.ClickException("set EXAMSVC_LEDGER_VERIFY_KEY (the public key `flask ledger-keygen` printed)")
        return _signing_key().public_key()
    try:
        return checkpoints.verify_key(text)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc


def _read_checkpoint(path: str | None) -> Checkpoint | None:
    if path is None:
        return None
    try:
        text = click.open_file(path, encoding="utf-8").read()
    except OSError as exc:
        raise click.ClickException(f"cannot read the checkpoint {path}: {exc.strerror}") from exc
    try:
        return checkpoints.read_checkpoint(text, _verify_key())
    except CheckpointError as exc:
        raise click.ClickException(f"checkpoint {path}: {exc}") from exc


def _check_chain(db: Session, name: str, verify: Callable[..., ChainCheck], checkpoint: Checkpoint | None,
                 point: ChainPoint | None) -> bool:
    """Verify one chain (against the checkpoint's ``point`` of it, when given) and say how it went."""
    check = verify(db, point)
    if not check.ok:
        click.echo(f"{name} BROKEN after {check.entries} entries: {check.reason}", err=True)
        return False
    click.echo(f"{name}: chain intact, {check.entries} entries, last hash {check.tip[:16]}…")
    if checkpoint is not None and point is not None:
        click.echo(f"  matches the checkpoint of {checkpoint.made_at.isoformat()} ({point.entries} entries, "
                   f"signed by {checkpoint.key_id})")
    return True


#: The option of both verify commands.
AGAINST = click.option("--against", "against", metavar="CHECKPOINT",
                       help="A checkpoint file made by ledger-checkpoint ('-' reads standard input).")


def register(app: Flask) -> None:
    @app.cli.command("ledger-keygen")
    def ledger_keygen() -> None:
        """Print a new key pair for signing and verifying ledger checkpoints."""
        signing, verifying = checkpoints.new_key_pair()
        click.echo("# Keep the signing key secret, on the host that makes checkpoints only:")
        click.echo(f"EXAMSVC_LEDGER_SIGNING_KEY={signing}")
        click.echo("# Give the verify key to whoever checks checkpoints (it cannot sign):")
        click.echo(f"EXAMSVC_LEDGER_VERIFY_KEY={verifying}")

    @app.cli.command("ledger-checkpoint")
    @click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
                  help="Also write the checkpoint to this file (it must not exist yet).")
    def ledger_checkpoint(out: str | None) -> None:
        """Verify both chains, then print and store a signed checkpoint of them."""
        key = _signing_key()
        if out and Path(out).exists():
            raise click.ClickException(f"{out} exists already; a checkpoint is never overwritten")
        with database.session() as db:
            try:
                made = checkpoints.make_checkpoint(db, clock(), key)
            except CheckpointError as exc:
                raise click.ClickException(str(exc)) from exc
            db.commit()
        if out:
            with open(out, "x", encoding="utf-8") as file:  # "x": never over a file that appeared meanwhile
                file.write(made.document + "\n")
        click.echo(made.document)

    @app.cli.command("verify-ledger")
    @AGAINST
    def verify_ledger(against: str | None) -> None:
        """Check the score ledger end to end, and every attempt against it."""
        checkpoint = _read_checkpoint(against)
        with database.session() as db:
            chain_ok = _check_chain(db, "score ledger", ledger.verify, checkpoint, checkpoint and checkpoint.scores)
            problems = score_check.reconcile(db)
        for problem in problems:
            click.echo(f"attempt {problem.attempt_id}: {problem.what}: {problem.detail}", err=True)
        if not problems:
            click.echo("attempts: every score, band, pass, response and mark agrees with the ledger")
        if not chain_ok or problems:
            raise SystemExit(1)

    @app.cli.command("verify-audit")
    @AGAINST
    def verify_audit(against: str | None) -> None:
        """Check the audit log's hash chain end to end."""
        checkpoint = _read_checkpoint(against)
        with database.session() as db:
            if not _check_chain(db, "audit log", audit.verify, checkpoint, checkpoint and checkpoint.audit):
                raise SystemExit(1)
