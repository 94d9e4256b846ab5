"""The password policy (NIST SP 800-63B §3.1.1.2): long enough, and not one that attackers try
first. The list of common passwords is the 30,000 most frequent ones of real leaks as bundled by the
zxcvbn package (Dropbox's strength estimator, ``zxcvbn.frequency_lists``), compared ignoring
letter case; no composition rules (they make passwords harder to remember, not to guess)."""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from question_bank.errors import N_, Problem

MIN_PASSWORD_LENGTH = 8
#: Longest password accepted (scrypt hashes any length; the limit keeps a request's work bounded).
MAX_PASSWORD_LENGTH = 200
#: Letters and digits of a temporary password: no 0/O, 1/l/I, which are misread when read aloud.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12


#: Passwords common among Chinese users that zxcvbn's list (drawn from English-language leaks) lacks:
#: entries of the published top-100 of the 2011 CSDN leak.
CHINESE_COMMON = ("woaini1314", "woaini520", "5201314520", "1qaz2wsx", "a1234567", "a12345678",
                  "qq123456", "aa123456", "abc123456", "123456789a", "zxcvbnm123", "a123456789",
                  "1314520520", "woaiwojia", "wodemima", "woaini123", "qwe123456", "123qweasd")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common passwords, lower-case (loaded once)."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"]) | frozenset(CHINESE_COMMON)


def password_problems(password: str, username: str | None = None, place: str = "password",
                      id_number: str | None = None) -> list[Problem]:
    """What makes ``password`` unacceptable, each a :class:`Problem` on ``place``; empty when it is
    fine: fewer than :data:`MIN_PASSWORD_LENGTH` or more than :data:`MAX_PASSWORD_LENGTH` characters,
    one character repeated, a common password (:func:`common_passwords`), containing the username,
    or containing the birth date of the account's ID number ``id_number`` (characters 7 to 14, so the
    whole number and its tail too: a cadre signs in with that number, and anyone holding a roster
    knows it)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password needs at least %(n)d characters"), {"n": MIN_PASSWORD_LENGTH}, place))
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password may have at most %(n)d characters"), {"n": MAX_PASSWORD_LENGTH}, place))
    elif len(set(password)) == 1:
        problems.append(Problem(N_("the password repeats one character"), place=place))
    elif password.lower() in common_passwords():
        problems.append(Problem(N_("the password is one of the most common passwords; choose another"), place=place))
    elif username and len(username) >= 3 and username.lower() in password.lower():
        problems.append(Problem(N_("the password must not contain the username"), place=place))
    elif id_number and len(id_number) == 18 and id_number[6:14] in unicodedata.normalize("NFKC", password):
        problems.append(Problem(N_("the password must not contain your ID number or the birth date in it"),
                                place=place))
    return problems


def temporary_password() -> str:
    """A random password an administrator hands over after a reset (about 70 bits)."""
    return "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
