"""Short answer and case analysis (简答题 / 案例分析题): marked by a person (domain.md §3, §7).

- Key: the reference answer (参考答案), a text the markers compare against; the rubric (评分标准)
  is stored beside it on the version (``QuestionVersion.rubric``). The template writes the
  reference answer in the 答案 / 参考答案 column.
- A question may be saved without its reference answer (``""``): a Moodle essay without grader
  information is such a question, and refusing it would lose it. It is kept as written, with a
  note saying the reference answer is missing (:meth:`settle_key`), in the editor, in every
  importer alike, and it cannot be approved until an editor adds one (:meth:`publish_problems`),
  so markers never receive a published question with nothing to compare against.
- Response: the candidate's text as typed (``""`` when left empty or cleared).
- Marking: never by the machine. An answer left empty scores 0 at once (there is nothing to
  mark, as Moodle does for an essay not answered); any other answer waits for a marker
  (:meth:`mark` returns ``None``), and so does the attempt's total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from question_bank.errors import N_, Problem
from question_bank.field_limits import MAX_REFERENCE_CHARS, MAX_RESPONSE_CHARS
from question_bank.marking_rules import MultiChoiceRule
from question_bank.types.base import NoOptions, Unreadable, key_problem

#: The note on a short answer saved without its reference answer.
NO_REFERENCE = N_("no reference answer is given: the question is kept, and an editor must add the reference answer "
                  "before it can be approved")


class ShortAnswer(NoOptions):
    code = "short_answer"
    label = N_("Short answer / case analysis")
    import_names = ("简答", "简答题", "案例分析", "案例分析题", "问答题", "short", "short_answer", "essay")
    auto_marked = False
    answer_form = "text"
    options_message = N_("a short-answer question has no options")

    def parse_key(self, text: str, options: list[str]) -> str:
        return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    def format_key(self, key: str) -> str:
        return key if isinstance(key, str) else ""

    def validate(self, options: list[str], key: Any, *, stem: str = "") -> list[Problem]:
        problems = self.option_problems(options)
        if not isinstance(key, str):
            problems.append(key_problem(key, N_("a short-answer key is the reference answer's text")))
        elif len(key) > MAX_REFERENCE_CHARS:
            problems.append(Problem(N_("the reference answer is longer than %(n)d characters"),
                                    {"n": MAX_REFERENCE_CHARS}, "key"))
        return problems

    def settle_key(self, key: Any) -> tuple[Any, list[Problem]]:
        if isinstance(key, str) and not key.strip():
            return "", [Problem(NO_REFERENCE, place="key")]
        return key, []

    def publish_problems(self, key: Any) -> list[Problem]:
        if isinstance(key, str) and key.strip():
            return []
        return [Problem(N_("the reference answer is missing; add it before the question is approved"), place="key")]

    def normalise_response(self, raw: Any, option_count: int, blank_count: int = 0) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            raise Unreadable(N_("a short answer is a text"))
        if len(raw) > MAX_RESPONSE_CHARS:
            raise Unreadable(N_("an answer may have at most %(n)d characters"), {"n": MAX_RESPONSE_CHARS})
        return raw

    def is_answered(self, response: Any) -> bool:
        return isinstance(response, str) and bool(response.strip())

    def mark(self, key: str, response: Any, mark: Decimal, rule: MultiChoiceRule) -> Decimal | None:
        return None if self.is_answered(response) else Decimal(0)


TYPE = ShortAnswer()
