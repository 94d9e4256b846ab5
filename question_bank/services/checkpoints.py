"""Signed checkpoints of the score ledger and the audit log (domain.md §9, issue 6).

Someone who can write to the database can rewrite a chain and recompute every hash, or cut off its
tail and correct the head row; the chain then verifies. A checkpoint (each chain's entry count and
head hash at one moment, signed) kept outside the database catches both: the entry at the counted
position must still carry the recorded hash.

Checkpoints are signed with Ed25519 (RFC 8032, through ``cryptography``) rather than an HMAC: the
signing key stays on the host that makes checkpoints, and whoever verifies them (an auditor, the
organisation department, another host) needs only the public key, with which no checkpoint can be
forged; with an HMAC every verifier would hold a key that can also forge.

The document is JSON, printed as made, and stored in ``ledger_checkpoint`` as a list of what was
issued (that copy proves nothing by itself: it lives in the database it vouches for).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import LedgerCheckpoint
from question_bank.services import audit, hashchain, ledger
from question_bank.services.hashchain import Chain, ChainCheck, ChainPoint

#: The "format" field of every checkpoint document this code makes and reads.
FORMAT = "examsvc-ledger-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint that cannot be made or trusted: unreadable, of another format, signed with
    another key, altered (its signature does not verify), or refused because a chain is broken."""


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """"ed25519:" and the first 16 hex digits of the SHA-256 of the raw public key."""
    return "ed25519:" + hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise CheckpointError(f"the {what} must be 32 bytes in base64 (as `flask ledger-keygen` prints it)")
    return raw


def signing_key(text: str) -> Ed25519PrivateKey:
    """The private key from its base64 text (32 raw bytes). Raises :class:`CheckpointError`."""
    return Ed25519PrivateKey.from_private_bytes(_decode_key(text, "ledger signing key"))


def verify_key(text: str) -> Ed25519PublicKey:
    """The public key from its base64 text (32 raw bytes). Raises :class:`CheckpointError`."""
    return Ed25519PublicKey.from_public_bytes(_decode_key(text, "ledger verify key"))


def new_key_pair() -> tuple[str, str]:
    """A fresh (signing key, verify key) pair as base64 texts, for configuration."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    return base64.b64encode(raw_private).decode(), base64.b64encode(_raw_public(private.public_key())).decode()


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint: when it was made, each chain's point (count and head hash), the signing key's
    id, and the document as printed."""

    made_at: dt.datetime
    scores: ChainPoint
    audit: ChainPoint
    key_id: str
    document: str


class BrokenChain(CheckpointError):
    """A chain did not verify, so no checkpoint was made: a checkpoint must never vouch for a
    tampered chain. ``chain`` names it; ``check`` says where it broke."""

    def __init__(self, chain: Chain, check: ChainCheck) -> None:
        super().__init__(f"the {_CHAIN_NAMES[chain]} is broken, so no checkpoint was made: {check.reason}")
        self.chain = chain
        self.check = check


_CHAIN_NAMES = {Chain.SCORES: "score ledger", Chain.AUDIT: "audit log"}


def _verified_head(session: Session, chain: Chain) -> ChainPoint:
    """The chain's head point after walking the whole chain up to it. Raises :class:`BrokenChain`."""
    head = hashchain.head_point(session, chain)
    entries = ledger.chain_entries(session) if chain == Chain.SCORES else audit.chain_entries(session)
    check = hashchain.walk(entries, head)
    if not check.ok or head is None:
        raise BrokenChain(chain, check)
    return head


def make_checkpoint(session: Session, clock: Clock, key: Ed25519PrivateKey) -> Checkpoint:
    """Verify both chains, then sign their current points; stores the document in
    ``ledger_checkpoint`` and records the audit event "ledger.checkpoint" (after the point it
    signs). Raises :class:`BrokenChain` when a chain does not verify."""
    scores = _verified_head(session, Chain.SCORES)
    audit_point = _verified_head(session, Chain.AUDIT)
    now = clock.now()
    body = {
        "format": FORMAT,
        "made_at": hashchain.timestamp(now),
        "score_ledger": {"entries": scores.entries, "head_hash": scores.head_hash},
        "audit_log": {"entries": audit_point.entries, "head_hash": audit_point.head_hash},
        "key_id": key_id(key.public_key()),
    }
    signature = base64.b64encode(key.sign(_signed_bytes(body))).decode()
    document = json.dumps({**body, "signature": signature}, ensure_ascii=False, indent=2, sort_keys=True)
    session.add(LedgerCheckpoint(made_at=now, score_entries=scores.entries, score_head=scores.head_hash,
                                 audit_entries=audit_point.entries, audit_head=audit_point.head_hash,
                                 key_id=body["key_id"], document=document))
    audit.record(session, clock, None, "ledger.checkpoint", "ledger", "checkpoint",
                 after={"score_entries": scores.entries, "audit_entries": audit_point.entries, "key_id": body["key_id"]})
    session.flush()
    return Checkpoint(now, scores, audit_point, body["key_id"], document)


def _point(body: dict[str, Any], name: str) -> ChainPoint:
    part = body.get(name)
    if not isinstance(part, dict) or not isinstance(part.get("entries"), int) or not isinstance(part.get("head_hash"), str):
        raise CheckpointError(f"the checkpoint has no valid {name!r} part")
    return ChainPoint(part["entries"], part["head_hash"])


def read_checkpoint(text: str, key: Ed25519PublicKey) -> Checkpoint:
    """A checkpoint document checked with the verify key: its format, its key id and its signature.
    Raises :class:`CheckpointError` saying which of them fails."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"the checkpoint is not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise CheckpointError(f"the checkpoint is not of the format {FORMAT}")
    signature = body.pop("signature", None)
    expected_id = key_id(key)
    if body.get("key_id") != expected_id:
        raise CheckpointError(f"the checkpoint was signed with key {body.get('key_id')}, not with the configured "
                              f"verify key {expected_id}")
    try:
        key.verify(base64.b64decode(str(signature), validate=True), _signed_bytes(body))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise CheckpointError("the checkpoint's signature does not verify: the document was altered") from exc
    try:
        made_at = dt.datetime.fromisoformat(body["made_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError("the checkpoint has no valid time") from exc
    return Checkpoint(made_at, _point(body, "score_ledger"), _point(body, "audit_log"), body["key_id"], text)
