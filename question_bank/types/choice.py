"""What the choice types (single, multiple, indefinite) share: lettered options and letter keys."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.marking_rules import MultiChoiceRule
from question_bank.text import comparable_answer, fold_width
from question_bank.types.base import KeyAsWritten, Unreadable, key_problem, round_score

LETTERS = "ABCDEFGH"
#: Options a choice question may have (domain.md §3).
MIN_OPTIONS, MAX_OPTIONS = 2, 8

_SEPARATORS = re.compile(r"[\s,，、;；/]+")
#: How an option that speaks of the options before it begins ("以上都是", "上述说法都不对"):
#: shuffled away from its place it reads as nonsense, so an import proposes pinning it (case C-23).
_REFERS_TO_THE_OTHERS = ("以上", "上述")


def letters_for(option_count: int) -> str:
    return LETTERS[:option_count]


def read_letters(text: str) -> list[str]:
    """Option letters as a person writes them: ``ACD``, ``A,C,D``, ``ｃ、ａ``, ``b d`` → sorted,
    distinct, upper case. ``[]`` for an empty text. Raises :class:`Unreadable` for anything but
    the letters A–H and separators."""
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    letters = list(_SEPARATORS.sub("", cleaned))
    bad = [c for c in letters if c not in LETTERS]
    if bad:
        raise Unreadable(N_("only option letters A–H may be given here, not %(value)s"), {"value": "".join(bad)})
    return sorted(set(letters))


def pinning_proposals(options: list[str]) -> list[int]:
    """Indexes of the options that refer to the others ("以上都是", "以上都不对", "上述说法均正确"),
    which option shuffling should leave in place (case C-23). A proposal: the importer applies it
    only where the file does not say which options are pinned, and reports it."""
    return [index for index, text in enumerate(options)
            if fold_width(text or "").strip().startswith(_REFERS_TO_THE_OTHERS)]


def duplicate_option_problems(options: list[str]) -> list[Problem]:
    """One problem for each option that repeats an earlier one (compared as fill-in answers are:
    width, case and spaces ignored), placed on the repeating option."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(options):
        compared = comparable_answer(text)
        if not compared:
            continue
        if compared in seen:
            first = seen[compared]
            # Said as written: 'ABC公司' and 'ＡＢＣ公司' look different, so say what makes them one.
            params = {"first": LETTERS[first], "second": LETTERS[index]}
            if options[first].strip() == text.strip():
                message = N_("options %(first)s and %(second)s are the same")
            elif _without_punctuation_kept(options[first]) != _without_punctuation_kept(text):
                # "警告" and "警告。": the author wrote the stop, so it is neither dropped nor called a space.
                message = N_("options %(first)s (%(first_text)s) and %(second)s (%(second_text)s) differ only in the "
                             "punctuation before or after them (or in full-width/half-width characters, upper/lower "
                             "case or spaces), so candidates would read them as one option; make them differ in "
                             "their words, or remove one")
                params |= {"first_text": options[first].strip(), "second_text": text.strip()}
            else:
                message = N_("options %(first)s and %(second)s are the same apart from full-width/half-width "
                             "characters, upper/lower case or spaces")
            problems.append(Problem(message, params, f"option_{LETTERS[index]}"))
        else:
            seen[compared] = index
    return problems


def _without_punctuation_kept(text: str) -> str:
    """``text`` as :func:`comparable_answer` compares it, but with the punctuation around it kept."""
    folded = fold_width(text or "").casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")


def exact_key_mark(key: list[str], response: Any, mark: Decimal) -> Decimal:
    """``mark`` points (rounded to the cent) for a non-empty response of exactly the key's
    letters, else 0. Single choice is marked by this alone; multiple and indefinite choice when
    the response is empty, names a wrong option or is the whole key."""
    return round_score(mark) if response and set(response) == set(key) else Decimal(0)


class ChoiceType(KeyAsWritten):
    """A type whose response is a set of option letters. Subclasses set how many keys it takes.

    Key and response: a sorted list of distinct letters, e.g. ``["A", "C"]``; ``[]`` is an emptied
    response.
    """

    has_options = True
    auto_marked = True
    answer_form = "options"
    min_keys = 1
    max_keys = MAX_OPTIONS
    #: Message when the number of keys is wrong for the type.
    key_count_message = N_("needs at least one key letter")

    def parse_key(self, text: str, options: list[str]) -> list[str]:
        if not _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")):
            raise Unreadable(N_("the key is empty"))
        try:
            letters = read_letters(text)
        except Unreadable as exc:
            raise Unreadable(N_("the key may only hold option letters A–H, not %(value)s"), exc.args[1]) from exc
        written = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())
        repeated = "".join(letter for letter in letters if written.count(letter) > 1)
        if repeated:
            # AAB is a slip (AB? ABC?): which letters were meant is the author's to say, not a guess.
            raise Unreadable(N_("the key %(value)s gives option %(letters)s more than once; write each letter once"),
                             {"value": text.strip(), "letters": "、".join(repeated)})
        return letters

    def format_key(self, key: list[str]) -> str:
        return "".join(key)

    def blank_count(self, stem: str) -> int:
        return 0

    def validate(self, options: list[str], key: Any, *, stem: str = "") -> list[Problem]:
        problems: list[Problem] = []
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(Problem(N_("a choice question needs 2 to 8 options, this one has %(n)d"),
                                    {"n": len(options)}, "options"))
        empty = [LETTERS[i] for i, o in enumerate(options[:MAX_OPTIONS]) if not (o or "").strip()]
        if empty:
            problems.append(Problem(N_("options must be filled in from A without gaps"), place="options"))
        problems.extend(duplicate_option_problems(options))
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            return problems + [key_problem(key, N_('a choice question\'s key is a list of option letters, such as ["A", "C"]'))]
        on_empty = [k for k in key if k in empty]
        unknown = [k for k in key if k not in letters_for(len(options))]
        if on_empty:
            problems.append(Problem(N_("the key names option %(letters)s, which is empty"),
                                    {"letters": "".join(on_empty)}, "key"))
        if unknown:
            problems.append(Problem(N_("the key names option %(letters)s, which the question does not have"),
                                    {"letters": "".join(unknown)}, "key"))
        if not self.min_keys <= len(key) <= self.max_keys:
            problems.append(Problem(self.key_count_message, place="key"))
        return problems

    def normalise_response(self, raw: Any, option_count: int, blank_count: int = 0) -> list[str]:
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
        """:func:`exact_key_mark`: the paper's rule is not read (:class:`SetChoiceType` adds its
        partial credit)."""
        return exact_key_mark(key, response, mark)


class SetChoiceType(ChoiceType):
    """Multiple and indefinite choice: marked by the paper's rule (domain.md §7, case C-08).

    - all-or-nothing: only the exact key scores;
    - partial: mark × chosen ÷ correct when nothing wrong is chosen;
    - half: half the mark when nothing wrong is chosen but some correct option is missing.
    Any wrong option scores 0 under every rule, and no score goes below 0.
    """

    def mark(self, key: list[str], response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        chosen, correct = set(response or []), set(key)
        if not chosen or chosen - correct or chosen == correct:
            return exact_key_mark(key, response, mark)
        # Some of the key's options chosen and nothing wrong: the paper's rule decides.
        if rule == MultiChoiceRule.PARTIAL:
            return round_score(mark * len(chosen) / len(correct))
        if rule == MultiChoiceRule.HALF:
            return round_score(mark / 2)
        return Decimal(0)
