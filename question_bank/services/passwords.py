"""The password policy (NIST SP 800-63B §3.1.1.2): long enough, and not one that attackers try
first. The list of common passwords is the 30,000 most frequent ones of real leaks as bundled by the
zxcvbn package (Dropbox's strength estimator, ``zxcvbn.frequency_lists``), compared ignoring
letter case; no composition rules (they make passwords harder to remember, not to guess).

Normalisation (F10-02): every comparison of the policy (length, variety, the common list, the
username, the name, the ID number, the current password) is made on the password's *folded* form
(:func:`fold_password`: Unicode NFKC, then case-folded), so full-width letters (what a Chinese input
method in full-width mode types) and changes of letter case do not get around a rule. The hash
stored is of the NFKC form, letter case kept (:func:`question_bank.services.people.hash_password`),
as SP 800-63B §5.1.1.2 advises, so a password signs in whichever width the input method was in;
sign-in normalises what is typed the same way (``people.password_matches``). Leading or trailing
space is refused, never stripped: it is invisible, and a person would not know they had typed it.
For the same reason a control character or an invisible one (:func:`question_bank.text.is_invisible`:
zero-width spaces and joiners, the BOM, bidirectional controls such as U+202E, Hangul fillers,
variation selectors …) is refused anywhere in a new password (issue 10): it comes with text copied
from a password manager's note or a chat, and typed by hand the password would no longer match.
"""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from question_bank.errors import N_, Problem
from question_bank.text import describe_character, is_invisible

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
    """The common passwords, folded (:func:`fold_password`; loaded once)."""
    return frozenset(fold_password(word) for word in (*FREQUENCY_LISTS["passwords"], *CHINESE_COMMON))


#: Characters written for letters ("leetspeak": p@ssw0rd), each with the letters it stands for.
LOOK_ALIKES = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a",
               "$": "s", "!": "i", "+": "t", "|": "l"}
#: Shortest base word (what is left of a password without its decoration) compared with the list:
#: shorter ones ("ab" of "ab#29x!k") say nothing.
MIN_BASE_LENGTH = 4


def base_words(folded: str) -> frozenset[str]:
    """The words a folded password may be made of, to compare with the common list (issue 10:
    "Password1!" passed when only the exact password was compared): the password without the
    symbols at its start and end ("1qaz2wsx" of "1qaz2wsx!"), without the digits and symbols there ("password" of "password1!", "1password", "!!password2026"),
    and that word with look-alike characters read as letters (:data:`LOOK_ALIKES`: "p@ssw0rd" is
    "password"; "1" read as i and as l), each at least :data:`MIN_BASE_LENGTH` characters."""
    bare = folded  # without the symbols around it ("1qaz2wsx" of "1qaz2wsx!")
    while bare and not bare[0].isalnum():
        bare = bare[1:]
    while bare and not bare[-1].isalnum():
        bare = bare[:-1]
    core = bare  # without the digits either ("password" of "password2026!")
    while core and not core[0].isalpha():
        core = core[1:]
    while core and not core[-1].isalpha():
        core = core[:-1]
    words = {bare, core}
    if any(char in LOOK_ALIKES for char in core) and len(core) <= 64:
        readings = [""]
        for char in core:
            readings = [start + letter for start in readings for letter in LOOK_ALIKES.get(char, char)]
            readings = readings[:64]  # "1" has two readings: bounded whatever the password
        words.update(readings)
    return frozenset(word for word in words if len(word) >= MIN_BASE_LENGTH)


def is_common(folded: str) -> bool:
    """True when the folded password, or a word it is made of (:func:`base_words`), is a common
    password: "Password1!", "P@ssw0rd2026", "1qaz2wsx!" and "Woaini1314!!" all are."""
    common = common_passwords()
    return folded in common or any(word in common for word in base_words(folded))


#: Fewest different characters (after folding) a password must have: "aaaaaaaaaaaa", "121212121212"
#: or "11112222" are long enough but are guessed in a few hundred tries.
MIN_DISTINCT_CHARACTERS = 4


def normalise_password(password: str) -> str:
    """The form a password is hashed and checked in: Unicode NFKC (full-width "Ａｂｃ１" is "Abc1";
    ligatures and compatibility characters are their plain letters). Letter case is kept."""
    return unicodedata.normalize("NFKC", password)


def fold_password(text: str) -> str:
    """The form the policy compares in: NFKC, case-folded, NFKC again (case folding can leave a
    character NFKC would change)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _repeated_group(folded: str) -> int | None:
    """The length of a group shorter than :data:`MIN_PASSWORD_LENGTH` that ``folded`` only repeats
    (at least twice; "abcabcab" repeats "abc"), or None: such a password is as strong as its group."""
    for size in range(1, min(MIN_PASSWORD_LENGTH, len(folded) // 2 + 1)):
        if folded[size:] == folded[:-size]:
            return size
    return None


#: What people put between the parts of a date they write (after NFKC, so "／" and "．" are "/" and ".").
DATE_SEPARATORS = ("-", ".", "/", "_", " ")


def birth_date_forms(id_number: str) -> frozenset[str]:
    """The birth date inside an 18-character ID number (characters 7 to 14, YYYYMMDD) in the ways
    people write a date, folded (:func:`fold_password`): year, month, day in that order or day
    first or month first; the year in 4 or 2 digits; with a separator of :data:`DATE_SEPARATORS`
    or in Chinese (1980年1月1日), the month and day with or without a leading zero (1980-01-01,
    1980/1/1, 1.1.1980, 80.1.1); without a separator, zero-padded only (19800101, 800101, 01011980,
    010180), since "8011" could be anything. Empty for a number without a real date there."""
    digits = id_number[6:14]
    if len(digits) != 8 or not digits.isdigit():
        return frozenset()
    y4, m2, d2 = digits[:4], digits[4:6], digits[6:8]
    years, months, days = (y4, y4[2:]), {m2, m2.lstrip("0")}, {d2, d2.lstrip("0")}
    forms = set()
    for y in years:
        forms |= {y + m2 + d2, m2 + d2 + y, d2 + m2 + y}
        for m in months:
            for d in days:
                forms.add(f"{y}年{m}月{d}日")
                for sep in DATE_SEPARATORS:
                    forms |= {sep.join((y, m, d)), sep.join((m, d, y)), sep.join((d, m, y))}
    return frozenset(fold_password(form) for form in forms)


def password_problems(password: str, username: str | None = None, place: str = "password",
                      id_number: str | None = None, display_name: str | None = None,
                      current: str | None = None) -> list[Problem]:
    """What makes ``password`` unacceptable, at most one :class:`Problem` on ``place``; empty when it
    is fine. In this order: space at its start or end (refused, not stripped); a control or
    invisible character anywhere (:func:`question_bank.text.is_invisible`, the first one named with
    its position); fewer than
    :data:`MIN_PASSWORD_LENGTH` or more than :data:`MAX_PASSWORD_LENGTH` characters (NFKC); fewer than
    :data:`MIN_DISTINCT_CHARACTERS` different characters; a group of fewer than
    :data:`MIN_PASSWORD_LENGTH` characters repeated; a common password (:func:`common_passwords`), or one
    made of a common word with digits or symbols around it or letters written as look-alikes
    (:func:`is_common`: "Password1!", "P@ssw0rd");
    containing the username (3 characters or more); containing the person's name ``display_name``
    (2 characters or more, every kind of space ignored in both: "张三", "Zhang San", and "李 帅good"
    contains "李帅"); containing the birth date of
    the account's ID number ``id_number`` (characters 7 to 14, so the whole number and its tail too: a
    cadre signs in with that number, and anyone holding a roster knows it), its last six characters
    (what many systems take for a default password), or that birth date written any other common
    way (:func:`birth_date_forms`: 1980-01-01, 1980/1/1, 800101 …); the same as ``current``
    (the password it replaces, typed by the person). Every comparison is on the folded forms
    (:func:`fold_password`), so width and letter case change nothing."""
    normal = normalise_password(password)
    folded = fold_password(password)
    name = "".join(fold_password(display_name or "").split())
    invisible = next(((position, char) for position, char in enumerate(password, start=1) if is_invisible(char)),
                     None)
    problems = []
    if normal != normal.strip():
        problems.append(Problem(N_("the password starts or ends with a space; remove it or put it inside the "
                                   "password (spaces are not removed for you)"), place=place))
    elif invisible is not None:
        problems.append(Problem(N_("the password holds %(character)s at character %(position)d, an invisible or "
                                   "control character, which you could not see or type again; remove it (type the "
                                   "password rather than pasting it)"),
                                {"character": describe_character(invisible[1]), "position": invisible[0]}, place))
    elif len(normal) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password needs at least %(n)d characters"), {"n": MIN_PASSWORD_LENGTH}, place))
    elif len(normal) > MAX_PASSWORD_LENGTH:
        problems.append(Problem(N_("the password may have at most %(n)d characters"), {"n": MAX_PASSWORD_LENGTH}, place))
    elif len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        problems.append(Problem(N_("the password has too little variety: it needs at least %(n)d different characters "
                                   "(capitals and full-width forms count as the same letter)"),
                                {"n": MIN_DISTINCT_CHARACTERS}, place))
    elif (group := _repeated_group(folded)) is not None:
        problems.append(Problem(N_("the password only repeats a group of %(n)d characters"), {"n": group}, place))
    elif is_common(folded):
        problems.append(Problem(N_("the password is one of the most common passwords; choose another"), place=place))
    elif username and len(username) >= 3 and fold_password(username) in folded:
        problems.append(Problem(N_("the password must not contain the username"), place=place))
    elif len(name) >= 2 and name in "".join(folded.split()):
        problems.append(Problem(N_("the password must not contain your name"), place=place))
    elif id_number and len(id_number) == 18 and id_number[6:14] in folded:
        problems.append(Problem(N_("the password must not contain your ID number or the birth date in it"),
                                place=place))
    elif id_number and len(id_number) == 18 and fold_password(id_number[-6:]) in folded:
        problems.append(Problem(N_("the password must not contain the last six characters of your ID number: "
                                   "anyone holding a roster knows them"), place=place))
    elif id_number and len(id_number) == 18 and any(form in folded for form in birth_date_forms(id_number)):
        problems.append(Problem(N_("the password must not contain your birth date (the one in your ID number), "
                                   "however it is written: 19800101, 1980-01-01, 1980.1.1, 1980/1/1 and 800101 "
                                   "all count"), place=place))
    elif current is not None and fold_password(current) == folded:
        problems.append(Problem(N_("the new password must differ from the current one (capitals and full-width "
                                   "forms count as the same letter)"), place=place))
    return problems


def temporary_password(username: str | None = None, display_name: str | None = None,
                       id_number: str | None = None) -> str:
    """A random password an administrator hands over after a reset (about 70 bits), drawn again
    in the rare case the policy (:func:`password_problems`) would refuse it for this account (its
    username or name in it by chance), so that making an account never fails on its own password."""
    while True:
        password = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if not password_problems(password, username, id_number=id_number, display_name=display_name):
            return password
