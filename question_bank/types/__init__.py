"""The registry of question types: one module per type, each exposing ``TYPE``.

Adding a type means adding its module and listing it in ``_MODULES``; nothing else in the domain
switches on the type code (the pages switch on a type's ``answer_form``).
"""

from __future__ import annotations

import importlib

from question_bank.types.base import QuestionType

_MODULES = ("single_choice", "multiple_choice", "indefinite_choice", "true_false", "fill_blank", "short_answer")

REGISTRY: dict[str, QuestionType] = {}
for _name in _MODULES:
    _type = importlib.import_module(f"question_bank.types.{_name}").TYPE
    REGISTRY[_type.code] = _type


def get_type(code: str) -> QuestionType:
    """The registered type for ``code``. Raises ``KeyError`` for an unknown code."""
    return REGISTRY[code]


def type_for_import_name(name: str) -> QuestionType | None:
    """The type a 题型 cell names (Chinese name or code, case-insensitive), or None."""
    wanted = (name or "").strip().lower()
    for qtype in REGISTRY.values():
        if wanted == qtype.code or wanted in (n.lower() for n in qtype.import_names):
            return qtype
    return None


__all__ = ["REGISTRY", "QuestionType", "get_type", "type_for_import_name"]
