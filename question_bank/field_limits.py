"""No text a person wrote is ever cut to fit a column (issue 5): a value longer than its
``String(n)`` column holds is refused, naming the field and the limit, on both databases alike
(PostgreSQL would raise a bare error, SQLite would store it whole).

Services check the fields a person fills in with :func:`too_long` and place each problem on the
form field or template column; :func:`refuse_overlong_values`, installed on every session by
:func:`question_bank.db.make_session_factory`, is the backstop for anything a service did not
check: it refuses the flush naming ``table.column`` and the limit, and nothing is written.

It is also the one home of every question field's limit (:data:`QUESTION_LIMITS` and the constants
beside it). The draft's rules (``question_bank.drafts.QuestionDraft.problems``) apply them, and every
way into the bank builds a draft: the editor's form, the template importer (xlsx, CSV) and the JSON
Lines, Moodle XML and GIFT importers. So what one of them accepts, the others accept, and an export
→ edit → save or editor → export → import round trip never meets a different limit on the way.
The category table's columns are sized from :data:`MAX_CATEGORY_NAME` and
:data:`MAX_CATEGORY_PATH` as well. (No API writes questions; the exam API takes answers.)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from question_bank.errors import N_, InvalidInput, Problem

#: Longest text of each question field, in characters, and the message that says so (``%(n)d``
#: the limit). Stem, explanation, rubric and reference answer: a long case-analysis question;
#: legal basis: several articles quoted in full (a real bank's 1,505-character basis fits);
#: an option: a long clause of a law.
QUESTION_LIMITS: dict[str, tuple[int, str]] = {
    "stem": (5000, N_("the stem is longer than %(n)d characters")),
    "option": (1000, N_("an option is longer than %(n)d characters")),
    "explanation": (5000, N_("the explanation is longer than %(n)d characters")),
    "rubric": (5000, N_("the rubric is longer than %(n)d characters")),
    "reference_answer": (5000, N_("the reference answer is longer than %(n)d characters")),
    "legal_basis": (5000, N_("the legal basis is longer than %(n)d characters")),
    "tag": (100, N_("a knowledge point is longer than %(n)d characters")),
}
MAX_STEM = QUESTION_LIMITS["stem"][0]
MAX_OPTION = QUESTION_LIMITS["option"][0]
MAX_EXPLANATION = QUESTION_LIMITS["explanation"][0]
MAX_RUBRIC = QUESTION_LIMITS["rubric"][0]
MAX_REFERENCE_CHARS = QUESTION_LIMITS["reference_answer"][0]
MAX_LEGAL_BASIS = QUESTION_LIMITS["legal_basis"][0]
MAX_TAG = QUESTION_LIMITS["tag"][0]
#: Most knowledge points a question may carry.
MAX_TAGS = 30
#: Longest category name (one level) and path (levels joined by "/"): the category table's columns.
MAX_CATEGORY_NAME, MAX_CATEGORY_PATH = 100, 500
#: Highest default mark of a question, in points; the same as a paper section's highest mark per
#: question (``services.papers.MAX_MARK``), so a question's mark always fits a paper.
MAX_SCORE = Decimal(1000)
#: Most blanks of a fill-in question, accepted answers of one blank, and characters of one
#: answer (accepted or typed by a candidate).
MAX_BLANKS, MAX_ALTERNATIVES, MAX_ANSWER_CHARS = 10, 20, 200
#: Longest answer a candidate may write to a short-answer question.
MAX_RESPONSE_CHARS = 10000


def column_limit(model: type, field: str) -> int | None:
    """The length of ``model.field``'s ``String(n)`` column, or None (text, or not a string)."""
    column = inspect(model).columns.get(field)
    if column is None or not isinstance(column.type, String):
        return None
    return column.type.length


def too_long(model: type, values: Mapping[str, Any], places: Mapping[str, str] | None = None) -> list[Problem]:
    """One problem for each text of ``values`` (field name → value) longer than its column holds,
    placed on ``places[field]`` (the field's own name by default)."""
    problems = []
    for field, value in values.items():
        limit = column_limit(model, field)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problems.append(Problem(N_("%(field)s is %(length)d characters long; at most %(n)d fit. Shorten it."),
                                    {"field": field, "length": len(value), "n": limit},
                                    (places or {}).get(field, field)))
    return problems


def refuse_overlong_values(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush`` hook: refuse the flush when a new or changed object holds a text longer than
    its ``String(n)`` column. Raises :class:`InvalidInput` naming ``table.column`` and the limit."""
    problems = []
    for obj in list(session.new) + list(session.dirty):
        mapper = inspect(obj).mapper
        problems.extend(_overlong(mapper, lambda key, o=obj: getattr(o, key, None)))
    if problems:
        raise InvalidInput(problems)


def refuse_overlong(model: type, values: Mapping[str, Any]) -> None:
    """What :func:`refuse_overlong_values` refuses, for a row of ``model`` written without the ORM
    (``values``: attribute name → value). Raises :class:`InvalidInput` the same way."""
    problems = _overlong(inspect(model), values.get)
    if problems:
        raise InvalidInput(problems)


def _overlong(mapper: Any, value_of: Any) -> list[Problem]:
    problems = []
    for column in mapper.columns:
        if not isinstance(column.type, String) or column.type.length is None or column.table is None:
            continue
        attribute = mapper.get_property_by_column(column).key
        value = value_of(attribute)
        if isinstance(value, str) and len(value) > column.type.length:
            problems.append(Problem(N_("%(field)s is %(length)d characters long; at most %(n)d fit. Shorten it."),
                                    {"field": f"{column.table.name}.{column.name}", "length": len(value),
                                     "n": column.type.length}, attribute))
    return problems
