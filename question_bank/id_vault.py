"""Resident ID numbers at rest (SEC-P5): the one module that seals, finds and reveals them.

The account table never holds an ID number in clear. It holds two columns:

- ``id_number_sealed``: the normalised number (:func:`question_bank.idnumbers.normalise`) encrypted
  with AES-256-GCM (``cryptography``'s :class:`~cryptography.hazmat.primitives.ciphers.aead.AESGCM`),
  a random 96-bit nonce per value, as ``"v1." + base64url(nonce ‖ ciphertext ‖ tag)``; the
  associated data is the row's lookup hash, so a sealed value copied onto another account's row
  does not open there;
- ``id_number_lookup``: HMAC-SHA256 of the normalised number under a second key, in hex. It carries
  the uniqueness constraint and finds an account by a full number (sign-in by ID number, the cadre
  picker's search, roster and account imports) without decrypting anything. Being keyed, it cannot
  be reversed by trying every possible number (there are few: address code, birth date, sequence)
  without the key.

Both keys are derived with HKDF-SHA256 (RFC 5869) from one 32-byte master key, with distinct
``info`` labels; the master key comes from configuration (``EXAMSVC_ID_KEY``, see
``examsvc.id_keys``), never from the database. The web layer calls :func:`configure` at start;
everything else asks :func:`current`.

Every reader of an ID number goes through here: :func:`masked` for lists, exports and messages,
:func:`reveal` (or :func:`shown_in_full`) only for the audited full-ID export (SEC-P1) and the
migration back to clear text, :func:`reveal_if_readable` for the password rules (a new password
must not hold the number). Nothing else decrypts.

A sealed value that does not open (sealed under another key, or copied from another account's row)
is shown as :data:`UNREADABLE` by :func:`masked` and :func:`shown_in_full`, and logged with the
account's id: one damaged row must not take a whole score sheet, account list or appraisal summary
down with it (an HR officer got an error page for all 50,000 rows).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import ColumnElement

from question_bank.idnumbers import mask, normalise
from question_bank.models import User

#: Bytes in a master key (AES-256 and HMAC-SHA256 keys are derived from it).
MASTER_KEY_BYTES = 32
#: Format tag of sealed values; a future key or scheme gets "v2." and both can be read during a change.
SEALED_PREFIX = "v1."
_NONCE_BYTES = 12
_ENCRYPTION_INFO = b"examsvc id-number encryption v1"
_LOOKUP_INFO = b"examsvc id-number lookup v1"


class IdVaultError(RuntimeError):
    """The keys are missing or malformed, or a sealed value does not open; ``str()`` says which and what to do."""


def derive_key(master_key: bytes, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    """A ``length``-byte key for one purpose (``info``) from the master key, by HKDF-SHA256 (RFC 5869),
    with ``salt`` when given."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(master_key)


def master_key_from_base64(text: str, source: str = "EXAMSVC_ID_KEY") -> bytes:
    """The 32-byte master key written in base64 as ``text``. Raises :class:`IdVaultError` naming
    ``source`` (where the text came from) when it is not base64 of exactly 32 bytes."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise IdVaultError(f"{source} is not base64; make a key with `openssl rand -base64 32`") from None
    if len(key) != MASTER_KEY_BYTES:
        raise IdVaultError(f"{source} holds {len(key)} bytes; it must hold {MASTER_KEY_BYTES} "
                           "(make one with `openssl rand -base64 32`)")
    return key


class IdVault:
    """The two keys derived from a master key (32 bytes), and sealing, opening and hashing with them."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise IdVaultError(f"an ID-number master key must be {MASTER_KEY_BYTES} bytes, not {len(master_key)}")
        self._aead = AESGCM(derive_key(master_key, _ENCRYPTION_INFO))
        self._lookup_key = derive_key(master_key, _LOOKUP_INFO)

    def lookup(self, number: str) -> str:
        """The keyed lookup hash (64 hex characters) of ``number`` once normalised: the same for
        "32010219800101018x" and "３２０１０２１９８００１０１０１８X"."""
        return hmac.new(self._lookup_key, normalise(number).encode(), hashlib.sha256).hexdigest()

    def seal(self, number: str) -> tuple[str, str]:
        """``(sealed, lookup)`` for the normalised ``number``: a fresh nonce each time, so the same
        number sealed twice gives two different texts (and one lookup)."""
        lookup = self.lookup(number)
        nonce = os.urandom(_NONCE_BYTES)
        body = self._aead.encrypt(nonce, normalise(number).encode(), lookup.encode())
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + body).decode(), lookup

    def open(self, sealed: str, lookup: str) -> str:
        """The number sealed in ``sealed`` on the row whose lookup hash is ``lookup``. Raises
        :class:`IdVaultError` when the value is not of this format, was sealed with another key,
        was changed, or belongs to another row."""
        if not sealed.startswith(SEALED_PREFIX):
            raise IdVaultError(f"a sealed ID number must start with {SEALED_PREFIX!r}")
        try:
            raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX):].encode())
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], lookup.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag):
            raise IdVaultError("a sealed ID number does not open: it was sealed with another key (EXAMSVC_ID_KEY), "
                               "or the row was changed outside the service") from None


_configured: IdVault | None = None


def configure(vault: IdVault) -> None:
    """Make ``vault`` the one every function below uses (the app does this once at start)."""
    global _configured
    _configured = vault


def configured() -> IdVault | None:
    """The vault :func:`configure` set, or None."""
    return _configured


def current() -> IdVault:
    """The configured vault. Raises :class:`IdVaultError` when none is (the app configures it at
    start from ``EXAMSVC_ID_KEY``)."""
    if _configured is None:
        raise IdVaultError("no ID-number key is configured (EXAMSVC_ID_KEY); the app sets it at start")
    return _configured


def store(user: User, number: str | None) -> None:
    """Give ``user`` the ID number ``number`` (already checked by ``idnumbers.parse_id_number``),
    sealed, with its lookup hash; None or "" removes it."""
    if number:
        user.id_number_sealed, user.id_number_lookup = current().seal(number)
    else:
        user.id_number_sealed = user.id_number_lookup = None


def has_id_number(user: User) -> bool:
    """Whether ``user`` has an ID number (nothing is decrypted)."""
    return user.id_number_lookup is not None


def reveal(user: User) -> str | None:
    """``user``'s ID number in clear, or None. Only for the audited full-ID export and the
    migration back; every other reader takes :func:`masked`. Raises :class:`IdVaultError` naming
    the account when the sealed value does not open."""
    if user.id_number_sealed is None:
        return None
    try:
        return current().open(user.id_number_sealed, user.id_number_lookup or "")
    except IdVaultError as exc:
        raise IdVaultError(f"account {user.id}: {exc}") from None


#: What is shown in place of an ID number whose sealed value does not open: never digits, so it
#: cannot be taken for a number; in both languages, since exported files are not translated.
UNREADABLE = "无法读取 (unreadable)"

logger = logging.getLogger(__name__)


def reveal_if_readable(user: User) -> str | None:
    """``user``'s ID number in clear, or None when there is none or its sealed value does not open
    (logged, naming the account): for checks that can go on without it, such as a new password
    not holding the number, so that a damaged row does not lock its person out of changing it."""
    try:
        return reveal(user)
    except IdVaultError as exc:
        logger.error("ID number not readable: %s", exc)
        return None


def shown_in_full(user: User) -> str:
    """``user``'s ID number in clear for the audited full-ID export; "" when there is none, and
    :data:`UNREADABLE` (logged, naming the account) when the sealed value does not open."""
    number = reveal_if_readable(user)
    if number is None and has_id_number(user):
        return UNREADABLE
    return number or ""


def masked(user: User) -> str:
    """``user``'s ID number as lists, exports and messages show it ("110101********4512",
    ``idnumbers.mask``); "" when there is none; :data:`UNREADABLE` (logged, naming the account)
    when the sealed value does not open."""
    number = shown_in_full(user)
    return number if number == UNREADABLE else mask(number)


def lookup(number: str) -> str:
    """The lookup hash of ``number`` under the configured key (see :meth:`IdVault.lookup`)."""
    return current().lookup(number)


def is_holder(number: str) -> ColumnElement[bool]:
    """SQL condition: the account holds ``number`` (compared by lookup hash, after normalising)."""
    return User.id_number_lookup == lookup(number)


def lookups(numbers: Iterable[str]) -> dict[str, str]:
    """Lookup hash → number for each of ``numbers``: to tell which number an account found by
    :func:`holders_of` holds, without decrypting it."""
    return {lookup(number): number for number in numbers}


def holders_of(numbers: Iterable[str]) -> ColumnElement[bool]:
    """SQL condition: the account holds one of ``numbers``."""
    return User.id_number_lookup.in_(list(lookups(numbers)))
