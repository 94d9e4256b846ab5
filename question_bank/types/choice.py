"""What the choice types (single, multiple, indefinite) share: lettered options and letter keys."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.models.papers import MultiChoiceRule
from question_bank.types.base import round_score

LETTERS = "ABCDEFGH"
#: Options a choice question may have (domain.md §3).
MIN_OPTIONS, MAX_OPTIONS = 2, 8

_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def letters_for(option_count: int) -> str:
    return LETTERS[:option_count]


class ChoiceType:
    """A type whose response is a set of option letters. Subclasses set how many keys it takes.

    Key and response: a sorted list of distinct letters, e.g. ``["A", "C"]``; ``[]`` is an emptied
    response.
    """

    has_options = True
    auto_marked = True
    min_keys = 1
    max_keys = MAX_OPTIONS
    #: Message when the number of keys is wrong for the type.
    key_count_message = N_("needs at least one key letter")

    def parse_key(self, text: str, options: list[str]) -> list[str]:
        cleaned = unicodedata.normalize("NFKC", text or "").upper()
        letters = [c for c in _SEPARATORS.sub("", cleaned)]
        if not letters:
            raise ValueError(N_("the key is empty"))
        bad = [c for c in letters if c not in LETTERS]
        if bad:
            raise ValueError(N_("the key may only hold option letters A–H"))
        return sorted(set(letters))

    def format_key(self, key: list[str]) -> str:
        return "".join(key)

    def validate(self, options: list[str], key: Any) -> list[Problem]:
        problems: list[Problem] = []
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(Problem(N_("a choice question needs 2 to 8 options, this one has %(n)d"),
                                    {"n": len(options)}, "options"))
        if any(not (o or "").strip() for o in options):
            problems.append(Problem(N_("options must be filled in from A without gaps"), place="options"))
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            return problems + [Problem(N_("the key is missing"), place="key")]
        valid = letters_for(len(options))
        missing = [k for k in key if k not in valid]
        if missing:
            problems.append(Problem(N_("the key names option %(letters)s, which the question does not have"),
                                    {"letters": "".join(missing)}, "key"))
        if not self.min_keys <= len(key) <= self.max_keys:
            problems.append(Problem(self.key_count_message, place="key"))
        return problems

    def normalise_response(self, raw: Any, option_count: int) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = [raw] if raw else []
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            raise ValueError(N_("a choice answer is a list of option letters"))
        valid = letters_for(option_count)
        if any(r not in valid for r in raw):
            raise ValueError(N_("the answer names an option the question does not have"))
        chosen = sorted(set(raw))
        if len(chosen) > self.max_keys:
            raise ValueError(N_("too many options chosen for this question"))
        return chosen

    def is_answered(self, response: Any) -> bool:
        return bool(response)

    def mark(self, key: list[str], response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        chosen = set(response or [])
        correct = set(key)
        if not chosen or chosen - correct:
            return Decimal(0)
        if chosen == correct:
            return round_score(mark)
        return self.partial_credit(len(chosen), len(correct), mark, rule)

    def partial_credit(self, chosen: int, correct: int, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        """Points for a correct proper subset of the key. Choice types with one key never get here."""
        return Decimal(0)


class SetChoiceType(ChoiceType):
    """Multiple and indefinite choice: marked by the paper's rule (domain.md §7, case C-08).

    - all-or-nothing: only the exact key scores;
    - partial: mark × chosen ÷ correct when nothing wrong is chosen;
    - half: half the mark when nothing wrong is chosen but some correct option is missing.
    Any wrong option scores 0 under every rule, and no score goes below 0.
    """

    def partial_credit(self, chosen: int, correct: int, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        if rule == MultiChoiceRule.PARTIAL:
            return round_score(mark * chosen / correct)
        if rule == MultiChoiceRule.HALF:
            return round_score(mark / 2)
        return Decimal(0)
