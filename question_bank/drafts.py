"""A question's editable content before it is saved: what a form, an import row or a batch job
hands to the services (``question_bank.services.authoring``).

It sits below the formats and the services and above the question types: formats build drafts
from what they read, services save them, and the types judge their key and options. It imports
nothing of the models or the services (``tests/test_layering.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.field_limits import (
    MAX_CATEGORY_NAME,
    MAX_CATEGORY_PATH,
    MAX_SCORE,
    MAX_TAGS,
    QUESTION_LIMITS,
)
from question_bank.points import is_exact_points
from question_bank.types import REGISTRY
from question_bank.types.choice import LETTERS


@dataclass
class QuestionDraft:
    """The editable content of a question, as a form or an import row supplies it.

    ``key`` is in the type's normalised form (see ``question_bank.types``); ``category_path`` is
    like ``宪法/国家机构``; ``default_score`` is in points. ``pinned_options`` lists the indexes
    (0 = A) of options that option shuffling leaves in place ("以上都是", case C-23);
    ``rubric`` is the marking criteria (评分标准) of a type marked by a person.

    Every limit is :mod:`question_bank.field_limits`'s, applied by :meth:`problems`, so the editor
    and every importer accept the same drafts.

    ``notes`` (filled on creation, never compared) say what was done to what the author wrote
    without refusing it, each a :class:`Problem` placed on its field: a fill-in blank's
    alternatives that marking cannot tell apart (full/half width, case, space,
    :func:`question_bank.text.comparable_answer`) are merged into the first as written; a short
    answer without a reference answer is kept, but said to need one before it is approved.
    """

    qtype: str
    stem: str
    options: list[str]
    key: Any
    category_path: str
    explanation: str = ""
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    legal_basis: str = ""
    default_score: Decimal | None = None
    pinned_options: list[int] = field(default_factory=list)
    rubric: str = ""
    notes: list[Problem] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        # One line ending, whatever wrote the text (a browser's textarea sends CRLF, a CSV may hold
        # CR or LF, an Excel cell LF), so that an unchanged text compares equal to what is stored.
        self.stem = _one_line_ending(self.stem)
        self.options = [_one_line_ending(o) for o in self.options]
        self.explanation = _one_line_ending(self.explanation)
        self.legal_basis = _one_line_ending(self.legal_basis)
        self.rubric = _one_line_ending(self.rubric)
        self.pinned_options = sorted(set(self.pinned_options))
        qtype = REGISTRY.get(self.qtype)
        if qtype is not None:
            self.key, notes = qtype.settle_key(self.key)
            self.notes = self.notes + notes

    def problems(self) -> list[Problem]:
        """Everything that keeps this draft out of the bank; each problem names its field
        (``stem``, ``options``, ``option_B``, ``key``, ``pinned``, ``rubric`` …)."""
        found: list[Problem] = []
        qtype = REGISTRY.get(self.qtype)
        if qtype is None:
            return [Problem(N_("unknown question type %(code)s"), {"code": self.qtype}, "type")]
        if not self.stem.strip():
            found.append(Problem(N_("the stem is empty"), place="stem"))
        found.extend(self.length_problems())
        for problem in qtype.validate(self.options, self.key, stem=self.stem):
            # The type says whether a problem is about the stem, the options or the key.
            found.append(Problem(problem.message, problem.params, problem.place or "key"))
        found.extend(self._pin_problems(qtype.has_options))
        found.extend(self._rubric_problems(qtype.auto_marked))
        if not 1 <= self.difficulty <= 5:
            found.append(Problem(N_("difficulty must be 1 to 5"), place="difficulty"))
        found.extend(self._category_problems())
        if self.default_score is not None and not is_exact_points(self.default_score):
            found.append(Problem(N_("the mark %(value)s has more than two decimals; marks are never rounded"),
                                 {"value": self.default_score}, "score"))
        elif self.default_score is not None and self.default_score <= 0:
            found.append(Problem(N_("the mark must be above 0"), place="score"))
        elif self.default_score is not None and self.default_score > MAX_SCORE:
            found.append(Problem(N_("the mark may be at most %(n)d points"), {"n": int(MAX_SCORE)}, "score"))
        return found

    def length_problems(self) -> list[Problem]:
        """One problem per text field longer than its limit (``field_limits.QUESTION_LIMITS``),
        and one for more knowledge points than :data:`MAX_TAGS`, each placed on its field; whatever
        the type (an importer says them even on a row whose type it cannot read)."""
        texts = {"stem": [self.stem], "option": self.options, "explanation": [self.explanation],
                 "rubric": [self.rubric], "legal_basis": [self.legal_basis], "tag": self.tags}
        found = []
        for name, values in texts.items():
            limit, message = QUESTION_LIMITS[name]
            over = [i for i, v in enumerate(values) if isinstance(v, str) and len(v) > limit]
            if over:
                # An option's problem is placed on the option itself (option_B), so the form and the
                # template column show it where it is.
                place = (f"option_{LETTERS[over[0]]}" if over[0] < len(LETTERS) else "options") if name == "option" \
                    else "tags" if name == "tag" else name
                found.append(Problem(message, {"n": limit}, place))
        if len(self.tags) > MAX_TAGS:
            found.append(Problem(N_("a question has at most %(n)d knowledge points"), {"n": MAX_TAGS}, "tags"))
        return found

    def _category_problems(self) -> list[Problem]:
        parts = category_parts(self.category_path)
        if not parts:
            return [Problem(N_("the category is empty"), place="category")]
        if any(len(p) > MAX_CATEGORY_NAME for p in parts) or len("/".join(parts)) > MAX_CATEGORY_PATH:
            return [Problem(N_("the category path is too long: at most %(name)d characters a level and %(path)d "
                               "in all"), {"name": MAX_CATEGORY_NAME, "path": MAX_CATEGORY_PATH}, "category")]
        return []

    def _pin_problems(self, has_options: bool) -> list[Problem]:
        if not self.pinned_options:
            return []
        if not has_options:
            return [Problem(N_("only choice questions have options to pin"), place="pinned")]
        outside = [i for i in self.pinned_options if not 0 <= i < len(self.options)]
        if outside:
            letters = "".join(LETTERS[i] if 0 <= i < len(LETTERS) else "?" for i in outside)
            return [Problem(N_("option %(letters)s is pinned but the question has no such option"),
                            {"letters": letters}, "pinned")]
        return []

    def _rubric_problems(self, auto_marked: bool) -> list[Problem]:
        if not self.rubric.strip():
            return []
        if auto_marked:
            return [Problem(N_("only questions marked by a person have a rubric"), place="rubric")]
        return []


def _one_line_ending(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def category_parts(path: str) -> list[str]:
    """``" 宪法 / 国家机构 "`` → ``["宪法", "国家机构"]``."""
    return [p.strip() for p in (path or "").replace("／", "/").split("/") if p.strip()]
