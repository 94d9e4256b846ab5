"""True/false (判断题). Key and response: ``True`` or ``False``; no options."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.marking_rules import MultiChoiceRule
from question_bank.types.base import NoOptions, Unreadable, key_problem, round_score

#: How the 答案 column may write the key (domain.md §3), after NFKC folding and upper-casing.
#: 1 and 0 as a spreadsheet's TRUE and FALSE are written in a text or CSV file.
_TRUE_WORDS = frozenset({"对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "1"})
_FALSE_WORDS = frozenset({"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO", "0"})


class TrueFalse(NoOptions):
    code = "true_false"
    label = N_("True/false")
    import_names = ("判断", "判断题", "是非题", "truefalse", "true_false")
    auto_marked = True
    answer_form = "true_false"
    options_message = N_("a true/false question has no options")

    def parse_key(self, text: str, options: list[str]) -> bool:
        word = unicodedata.normalize("NFKC", text or "").strip().upper()
        if not word:
            raise Unreadable(N_("the key is empty"))
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise Unreadable(N_("a true/false key is 对/错, 正确/错误, √/× or T/F"))

    def format_key(self, key: bool) -> str:
        return "对" if key else "错"

    def validate(self, options: list[str], key: Any, *, stem: str = "") -> list[Problem]:
        problems = self.option_problems(options)
        if not isinstance(key, bool):
            problems.append(key_problem(key, N_("a true/false key is true or false (对/错)")))
        return problems

    def normalise_response(self, raw: Any, option_count: int, blank_count: int = 0) -> bool | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        if raw in ("T", "true"):
            return True
        if raw in ("F", "false"):
            return False
        raise ValueError(N_("a true/false answer is T or F"))

    def is_answered(self, response: Any) -> bool:
        return isinstance(response, bool)

    def mark(self, key: bool, response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        return round_score(mark) if response is key else Decimal(0)


TYPE = TrueFalse()
