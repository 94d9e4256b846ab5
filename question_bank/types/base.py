"""The interface every question type implements, and the marking arithmetic they share.

Types are pure marking rules: they import nothing of the models, the services or the formats
(``tests/test_layering.py`` checks it), so an importer, a batch job or a test can use them alone.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from question_bank.errors import N_, Problem
from question_bank.marking_rules import MultiChoiceRule

#: Scores are kept to the cent of a point; partial credit (2 × 1/3) is rounded half up to it.
SCORE_QUANTUM = Decimal("0.01")


def round_score(value: Decimal) -> Decimal:
    """Round points to two decimals, half up, never below zero (case C-08: no negative scores)."""
    return max(Decimal(0), value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP))


class Unreadable(ValueError):
    """A key (or a response) that cannot be read: ``message`` is a gettext msgid with ``%(name)s``
    placeholders filled from ``params``. A plain ``ValueError(message)`` is read the same way."""

    def __init__(self, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message, params or {})


def problem_of(error: ValueError, place: Any = "") -> Problem:
    """The :class:`Problem` a type's ``ValueError`` describes (its message and any parameters)."""
    params = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
    return Problem(str(error.args[0]), params, place)


def key_problem(key: Any, shape: str) -> Problem:
    """The problem of a key that ``validate`` cannot use: "the key is missing" when there is none
    (``None``, an empty text or list), else ``shape``, a msgid saying what shape the type's key has
    (a key of the wrong shape, such as a text where a list is expected, is not a missing key)."""
    if key is None or key == "" or key == []:
        return Problem(N_("the key is missing"), place="key")
    return Problem(shape, place="key")


class QuestionType(Protocol):
    """A question type: how its key is written and checked, what a response looks like, how it is
    marked. Implementations live one per module in this package and register in ``registry``.

    ``options`` is always the list of option texts (index 0 = A); ``key`` and responses are in the
    type's own normalised JSON form, stated by each type.
    """

    #: Code stored in ``QuestionVersion.qtype``.
    code: str
    #: English label (the gettext msgid of the UI label).
    label: str
    #: Names accepted in the 题型 column of an import, besides the code.
    import_names: tuple[str, ...]
    #: Whether options are part of the question (choice types) and may be shuffled.
    has_options: bool
    #: Whether the type is marked by the machine (choice, true/false, fill-in) or by a person.
    auto_marked: bool
    #: How the exam page takes an answer: "options" (letters), "true_false", "blanks" (one text
    #: per blank of the stem) or "text" (one free text).
    answer_form: str

    def parse_key(self, text: str, options: list[str]) -> Any:
        """Read a key as written in the import template's 答案 column.

        Raises ``ValueError`` whose first argument is a message template (gettext msgid) and whose
        optional second argument is its parameters (:func:`problem_of` reads both).
        """

    def format_key(self, key: Any) -> str:
        """The key as the import template writes it (so export → import round-trips)."""

    def settle_key(self, key: Any) -> tuple[Any, list[Problem]]:
        """The key as stored, and a note (a :class:`Problem` placed on ``"key"``) for each change
        made to what the author wrote or each gap the author must still fill; the key unchanged
        and no note for most types. Never refuses: :meth:`validate` does."""

    def publish_problems(self, key: Any) -> list[Problem]:
        """What keeps a sound, saved question from being approved (a short answer still without
        its reference answer); empty for most types."""

    def validate(self, options: list[str], key: Any, *, stem: str) -> list[Problem]:
        """Everything wrong with a question's options and key (and, where the type reads it, its
        stem); empty when it is sound. Each problem's place is the field it is shown on:
        ``"options"``, ``"option_<letter>"``, ``"key"`` or ``"stem"``. Callers through this
        interface pass the stem (``drafts``); a type that never reads it may default it."""

    def blank_count(self, stem: str) -> int:
        """How many answer boxes the exam page shows for this stem (the blanks of a fill-in
        question); 0 for the other types. Read from the stem only, never from the key (C-17)."""

    def normalise_response(self, raw: Any, option_count: int, blank_count: int) -> Any:
        """A candidate's response in normalised form. ``raw`` is what the client sent, in terms of
        the original options; ``blank_count`` is :meth:`blank_count` of the stem, which callers
        through this interface pass (``delivery``); a type that never reads it may default it.
        Raises ``ValueError`` when it is not a response to this question."""

    def is_answered(self, response: Any) -> bool:
        """Whether a normalised response counts as an answer (an emptied choice does not)."""

    def mark(self, key: Any, response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal | None:
        """Points for ``response`` (None when never answered) on a question worth ``mark`` points;
        ``None`` when a person must mark it (a short answer that was answered)."""


class KeyAsWritten:
    """Defaults of the types whose key is stored as written and never holds up approval."""

    def settle_key(self, key: Any) -> tuple[Any, list[Problem]]:
        return key, []

    def publish_problems(self, key: Any) -> list[Problem]:
        return []


class NoOptions(KeyAsWritten):
    """Defaults of the types without options (true/false, fill-in, short answer)."""

    has_options = False
    #: Message when options were given anyway.
    options_message = N_("this type of question has no options")

    def blank_count(self, stem: str) -> int:
        return 0

    def option_problems(self, options: list[str]) -> list[Problem]:
        if any((o or "").strip() for o in options):
            return [Problem(self.options_message, place="options")]
        return []
