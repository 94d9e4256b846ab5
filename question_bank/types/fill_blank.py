"""Fill-in-the-blank (填空题): one or more blanks in the stem, each with its accepted answers.

- Blanks are marked in the stem with empty brackets ``（ ）`` / ``()`` or a run of underscores
  ``___``; the key gives the answers of every blank, so their numbers must agree.
- Key: a list with one entry per blank, each the list of its accepted answers as the editor wrote
  them, e.g. ``[["行政复议"], ["行政诉讼", "诉讼"]]``. The template writes it ``行政复议|行政诉讼/诉讼``
  (domain.md §3): blanks separated by ``|``, alternatives by ``/``; a ``\\`` before ``|``, ``/``
  or ``\\`` keeps that character in an answer (``1\\/2``).
- Response: a list with one text per blank, as typed (``""`` for a blank left empty).
- Marking (domain.md §7, case C-09): a blank is right when its answer equals one of its accepted
  answers after :func:`~question_bank.text.comparable_answer` on both sides (surrounding and inner
  space, full/half width, letter case); each right blank earns an equal share of the mark, the
  item's points rounded half up to the cent, so all blanks right is exactly the mark and any
  fewer is below it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.field_limits import MAX_ALTERNATIVES, MAX_ANSWER_CHARS, MAX_BLANKS
from question_bank.marking_rules import MultiChoiceRule
from question_bank.text import comparable_answer
from question_bank.types.base import NoOptions, Unreadable, key_problem, round_score

#: Empty brackets (full- or half-width, with only space inside) or two or more underscores.
BLANK = re.compile(r"[（(][^\S\n]*[)）]|[_＿]{2,}")
_BLANK_SEPARATORS = "|｜"
_ALTERNATIVE_SEPARATORS = "/／"
_ESCAPE = "\\"


def count_blanks(stem: str) -> int:
    """How many blanks the stem marks."""
    return len(BLANK.findall(stem or ""))


def _split(text: str) -> list[list[str]]:
    """``a|b/c`` → ``[["a"], ["b", "c"]]``, honouring ``\\`` escapes; parts are stripped, since the
    space around a separator is layout. A ``\\`` before anything but a separator or ``\\`` is kept,
    as the editor reads an answer (:func:`read_answer`): ``C:\\temp`` is one answer as written."""
    blanks: list[list[str]] = [[]]
    part: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == _ESCAPE:
            following = next(chars, "")
            part.append(following if following and following in SEPARATORS + _ESCAPE else ch + following)
        elif ch in _BLANK_SEPARATORS or ch in _ALTERNATIVE_SEPARATORS:
            blanks[-1].append("".join(part).strip())
            part = []
            if ch in _BLANK_SEPARATORS:
                blanks.append([])
        else:
            part.append(ch)
    blanks[-1].append("".join(part).strip())
    return blanks


def _escape(answer: str) -> str:
    return "".join(_ESCAPE + ch if ch in _BLANK_SEPARATORS + _ALTERNATIVE_SEPARATORS + _ESCAPE else ch
                   for ch in answer)


#: The characters the template reads as separators, and what the editor says of each.
SEPARATORS = _BLANK_SEPARATORS + _ALTERNATIVE_SEPARATORS


def written_answer(answer: str) -> str:
    """One accepted answer as the editor shows it, one a line: a separator (``/``, ``|``, their
    full-width forms) or ``\\`` in it after a ``\\``, as the template writes it (``1\\/2``), so
    that it reads back as one answer (:func:`read_answer`)."""
    return _escape(answer)


def read_answer(line: str) -> tuple[str, str]:
    """A line of the editor's blank field, read as the template reads an alternative: ``\\``
    before a separator or ``\\`` keeps that character (any other ``\\`` stays as written); space
    is kept as typed. Returns the answer and the separators it holds unescaped (``""`` when none),
    which the template would read as between two answers: the editor refuses those, never
    guessing which was meant."""
    answer: list[str] = []
    found = ""
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == _ESCAPE and index + 1 < len(line) and line[index + 1] in SEPARATORS + _ESCAPE:
            answer.append(line[index + 1])
            index += 2
            continue
        if ch in SEPARATORS and ch not in found:
            found += ch
        answer.append(ch)
        index += 1
    return "".join(answer), found


def _well_formed(key: Any) -> bool:
    """Whether ``key`` has the fill-in key's shape: a list of lists of texts."""
    return isinstance(key, list) and all(
        isinstance(alternatives, list) and all(isinstance(a, str) for a in alternatives) for alternatives in key)


class FillBlank(NoOptions):
    code = "fill_blank"
    label = N_("Fill in the blank")
    import_names = ("填空", "填空题", "fill", "fillblank", "fill_blank", "blank")
    auto_marked = True
    answer_form = "blanks"
    options_message = N_("a fill-in question has no options")

    def parse_key(self, text: str, options: list[str]) -> list[list[str]]:
        if not (text or "").strip():
            raise Unreadable(N_("the key is empty"))
        key = _split(text)
        for number, alternatives in enumerate(key, start=1):
            if not any(alternatives):
                raise Unreadable(N_("blank %(n)d has no answer; separate blanks with | and alternatives with /"),
                                 {"n": number})
            if not all(alternatives):
                raise Unreadable(N_("blank %(n)d has an empty alternative (two / in a row, or one at an end)"),
                                 {"n": number})
        return key

    def format_key(self, key: list[list[str]]) -> str:
        return "|".join("/".join(_escape(a) for a in alternatives) for alternatives in key)

    def blank_count(self, stem: str) -> int:
        return count_blanks(stem)

    def settle_key(self, key: Any) -> tuple[Any, list[Problem]]:
        """Alternatives of one blank that marking cannot tell apart (equal after
        :func:`~question_bank.text.comparable_answer`: full/half width, case, space) are one
        answer: the first is kept as written, the others merged into it, each merge noted
        ("blank 2 lists ２０ and 20 …"). A key of another shape is left for :meth:`validate`."""
        if not _well_formed(key):
            return key, []
        notes: list[Problem] = []
        settled = []
        for number, alternatives in enumerate(key, start=1):
            first_of: dict[str, str] = {}
            kept = []
            for answer in alternatives:
                compared = comparable_answer(answer)
                if compared in first_of:
                    notes.append(Problem(N_("blank %(n)d lists %(first)s and %(second)s, which marking takes as the "
                                            "same answer; they were merged into %(first)s"),
                                         {"n": number, "first": first_of[compared].strip(), "second": answer.strip()},
                                         "key"))
                    continue
                kept.append(answer)
                if compared:  # an empty alternative is left for validate to refuse
                    first_of[compared] = answer
            settled.append(kept)
        return settled, notes

    def validate(self, options: list[str], key: Any, *, stem: str = "") -> list[Problem]:
        problems = self.option_problems(options)
        if not key or not _well_formed(key):
            return problems + [key_problem(key, N_('a fill-in key is a list of the answers of each blank, each a list of '
                                                   'accepted texts, such as [["二", "2"], ["五"]]'))]
        if len(key) > MAX_BLANKS:
            problems.append(Problem(N_("a fill-in question has at most %(n)d blanks"), {"n": MAX_BLANKS}, "key"))
        for number, alternatives in enumerate(key, start=1):
            problems.extend(self._blank_problems(number, alternatives))
        blanks = count_blanks(stem)
        if blanks == 0:
            problems.append(Problem(N_("the stem marks no blank: write （ ） or ___ where each answer goes"),
                                    place="stem"))
        elif blanks != len(key):
            problems.append(Problem(N_("the stem has %(blanks)d blanks but the key gives answers for %(answers)d"),
                                    {"blanks": blanks, "answers": len(key)}, "key"))
        return problems

    def _blank_problems(self, number: int, alternatives: list[str]) -> list[Problem]:
        compared = [comparable_answer(a) for a in alternatives]
        if not any(compared):
            return [Problem(N_("blank %(n)d has no answer"), {"n": number}, "key")]
        problems = []
        if not all(compared):
            problems.append(Problem(N_("blank %(n)d has an empty alternative"), {"n": number}, "key"))
        if len(alternatives) > MAX_ALTERNATIVES:
            problems.append(Problem(N_("blank %(n)d lists more than %(max)d answers"),
                                    {"n": number, "max": MAX_ALTERNATIVES}, "key"))
        if any(len(a) > MAX_ANSWER_CHARS for a in alternatives):
            problems.append(Problem(N_("an answer of blank %(n)d is longer than %(max)d characters"),
                                    {"n": number, "max": MAX_ANSWER_CHARS}, "key"))
        repeated = [a for i, a in enumerate(alternatives) if compared[i] and compared[i] in compared[:i]]
        if repeated:
            problems.append(Problem(N_("blank %(n)d lists %(answer)s twice"),
                                    {"n": number, "answer": repeated[0].strip()}, "key"))
        return problems

    def normalise_response(self, raw: Any, option_count: int, blank_count: int) -> list[str]:
        # No default blank count: a fill-in response is only read against its stem's blanks.
        if raw is None or raw == "":
            return [""] * blank_count
        if isinstance(raw, str) and blank_count == 1:
            raw = [raw]
        if not isinstance(raw, list) or len(raw) != blank_count or not all(isinstance(r, str) for r in raw):
            raise Unreadable(N_("a fill-in answer is one text for each of the %(n)d blanks"), {"n": blank_count})
        if any(len(r) > MAX_ANSWER_CHARS for r in raw):
            raise Unreadable(N_("an answer to a blank may have at most %(n)d characters"), {"n": MAX_ANSWER_CHARS})
        return list(raw)

    def is_answered(self, response: Any) -> bool:
        return isinstance(response, list) and any(isinstance(r, str) and comparable_answer(r) for r in response)

    def blank_results(self, key: list[list[str]], response: Any) -> list[bool]:
        """Whether each blank's answer is right, in blank order (a missing answer is wrong)."""
        answers = response if isinstance(response, list) else []
        results = []
        for index, alternatives in enumerate(key):
            typed = comparable_answer(answers[index]) if index < len(answers) and isinstance(answers[index], str) else ""
            results.append(bool(typed) and typed in {comparable_answer(a) for a in alternatives})
        return results

    def mark(self, key: list[list[str]], response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal:
        if not key:
            return Decimal(0)
        right = sum(self.blank_results(key, response))
        return round_score(mark * right / len(key))


TYPE = FillBlank()
