"""Encrypted backup files (SEC-P5): a database dump sealed in authenticated chunks, and opened again
only whole and unchanged.

Why this construction. ``cryptography`` has no streaming AEAD of its own: Fernet and ``AESGCM`` seal
one message held in memory, and the streaming ``Cipher(AES, GCM)`` hands out plaintext before its tag
has been checked. A dump may be larger than memory, so the file is cut into chunks of
:data:`CHUNK_BYTES`, each sealed with ``AESGCM`` (AES-256-GCM, the library's well-kept AEAD) under the
"STREAM" construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption
and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), as age and Tink's streaming AEAD use it:

- a fresh random 16-byte salt per file; the file's key is HKDF-SHA256 (RFC 5869) of the backup key
  with that salt, so nonces never repeat across files although they are counters within one;
- chunk *i*'s nonce is *i* (11 bytes, big-endian) followed by one byte that is 1 on the last chunk
  and 0 on every other: a chunk moved, dropped, repeated, or the file cut after any chunk, fails to
  open; bytes after the last chunk are refused;
- the header (magic, version, salt, chunk size, key check) is the associated data of every chunk,
  so a changed header fails too; the key check (16 bytes of HMAC-SHA256 of the header under the
  backup key) tells "written with another key" apart from "changed".

The backup key is HKDF-SHA256 of ``EXAMSVC_ID_KEY`` with its own label (``examsvc.id_keys``): a
restore needs the key the backup was written with, which it needs anyway to read the ID numbers
inside. Layout: ``header ‖ chunk₀ ‖ chunk₁ ‖ …``, each chunk ``ciphertext ‖ 16-byte tag``; every
chunk but the last holds exactly :data:`CHUNK_BYTES` of plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from examsvc.backup.errors import BackupError
from question_bank.id_vault import derive_key

MAGIC = b"EXAMSVC-BACKUP\x00"
VERSION = 1
#: Plaintext bytes per chunk (1 MiB): memory stays at a few chunks whatever the size of the dump.
CHUNK_BYTES = 1 << 20
_TAG_BYTES = 16
_SALT_BYTES = 16
_CHECK_BYTES = 16
_BACKUP_INFO = b"examsvc backup v1"
_FILE_INFO = b"examsvc backup file key v1"
_HEAD = struct.Struct(f">{len(MAGIC)}sB{_SALT_BYTES}sI")
HEADER_BYTES = _HEAD.size + _CHECK_BYTES
#: Permissions of a backup file: its owner's only (rw-------).
FILE_MODE = 0o600
#: Largest number of chunks one file may have (the counter has 11 bytes; this is far below it).
_MAX_CHUNKS = 1 << 40


def backup_key(master_key: bytes) -> bytes:
    """The 32-byte key of backups, derived from the master key (``EXAMSVC_ID_KEY``) by HKDF-SHA256."""
    return derive_key(master_key, _BACKUP_INFO)


def _nonce(index: int, last: bool) -> bytes:
    if index >= _MAX_CHUNKS:
        raise BackupError("the backup is too large for one file")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _check(key: bytes, head: bytes) -> bytes:
    return hmac.new(key, b"key check\x00" + head, hashlib.sha256).digest()[:_CHECK_BYTES]


def seal(source: Path, target: Path, key: bytes) -> None:
    """Write ``source`` (a plain dump) encrypted into the new file ``target``, with ``key``
    (:func:`backup_key`), readable and writable by its owner only (:data:`FILE_MODE`). Reads and
    writes one chunk at a time."""
    salt = os.urandom(_SALT_BYTES)
    head = _HEAD.pack(MAGIC, VERSION, salt, CHUNK_BYTES)
    header = head + _check(key, head)
    aead = AESGCM(derive_key(key, _FILE_INFO, salt=salt))
    # Owner-only (0600) from its creation, whatever the umask: encrypted, yet nobody else's to copy.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)  # a file that was there already keeps its old mode otherwise
    with source.open("rb") as plain, os.fdopen(descriptor, "wb") as sealed:
        sealed.write(header)
        index, chunk = 0, plain.read(CHUNK_BYTES)
        while True:
            following = plain.read(CHUNK_BYTES)
            last = not following
            sealed.write(aead.encrypt(_nonce(index, last), chunk, header))
            if last:
                break
            index, chunk = index + 1, following
        sealed.flush()
        os.fsync(sealed.fileno())


def open_sealed(source: Path, target: Path, key: bytes) -> None:
    """Write the dump sealed in ``source`` into the new file ``target``. Raises
    :class:`BackupError` when ``source`` is not an encrypted backup of this service, was written
    with another key, or was changed, cut short or added to (naming the byte where it stops
    opening); ``target`` then holds no usable dump (the caller deletes it)."""
    with source.open("rb") as sealed, target.open("wb") as plain:
        header = sealed.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupError(f"{source} is not an encrypted backup of this service (it does not start with "
                              "its header); backups written before encryption cannot be restored by this version")
        magic, version, salt, chunk_bytes = _HEAD.unpack(header[:_HEAD.size])
        if version != VERSION:
            raise BackupError(f"{source} is an encrypted backup of format {version}; this version reads format {VERSION}")
        if not hmac.compare_digest(header[_HEAD.size:], _check(key, header[:_HEAD.size])):
            raise BackupError(f"{source} was written with another key (EXAMSVC_ID_KEY), or its header was changed; "
                              "restore it with the key it was written with")
        aead = AESGCM(derive_key(key, _FILE_INFO, salt=salt))
        size = chunk_bytes + _TAG_BYTES
        index, offset, chunk = 0, HEADER_BYTES, sealed.read(size)
        while True:
            following = sealed.read(size)
            last = not following
            try:
                plain.write(aead.decrypt(_nonce(index, last), chunk, header))
            except InvalidTag:
                raise BackupError(f"{source} has been changed, cut short or added to: it stops opening at byte "
                                  f"{offset:,} (chunk {index + 1}); nothing was restored") from None
            if last:
                break
            index, offset, chunk = index + 1, offset + len(chunk), following
