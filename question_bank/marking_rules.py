"""Marking rules a paper chooses, kept below the models and the question types so that both can
name them: the types apply a rule, a paper stores which one it uses."""

from __future__ import annotations

from enum import StrEnum


class MultiChoiceRule(StrEnum):
    """How multiple and indefinite choice questions are marked (domain.md §7, case C-08)."""

    #: Any wrong or missing option scores 0.
    ALL_OR_NOTHING = "all_or_nothing"
    #: No wrong option: mark × chosen correct ÷ all correct; any wrong option: 0.
    PARTIAL = "partial"
    #: No wrong option but not all of them: half the mark; any wrong option: 0.
    HALF = "half"
