"""The interface every question type implements, and the marking arithmetic they share."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from question_bank.errors import Problem
from question_bank.models.papers import MultiChoiceRule

#: Scores are kept to the cent of a point; partial credit (2 × 1/3) is rounded half up to it.
SCORE_QUANTUM = Decimal("0.01")


def round_score(value: Decimal) -> Decimal:
    """Round points to two decimals, half up, never below zero (case C-08: no negative scores)."""
    return max(Decimal(0), value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP))


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
    #: Whether the type is marked by the machine (choice, true/false) or by a person.
    auto_marked: bool

    def parse_key(self, text: str, options: list[str]) -> Any:
        """Read a key as written in the import template's 答案 column.

        Raises ``ValueError`` with a message template (gettext msgid) when it cannot.
        """

    def format_key(self, key: Any) -> str:
        """The key as the import template writes it (so export → import round-trips)."""

    def validate(self, options: list[str], key: Any) -> list[Problem]:
        """Everything wrong with a question's options and key; empty when it is sound. Each problem's
        place is ``"options"`` or ``"key"``, the field it is shown on."""

    def normalise_response(self, raw: Any, option_count: int) -> Any:
        """A candidate's response in normalised form. ``raw`` is what the client sent, in terms of
        the original options. Raises ``ValueError`` when it is not a response to this question."""

    def is_answered(self, response: Any) -> bool:
        """Whether a normalised response counts as an answer (an emptied choice does not)."""

    def mark(self, key: Any, response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        """Points for ``response`` (None when never answered) on a question worth ``mark`` points."""
