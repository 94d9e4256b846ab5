"""Questions written back in the import template's layout (``formats.template``), as .xlsx or CSV,
so that exporting and importing again gives the same questions (README, "Import and export formats").

One row a question, the template's headers in its order. Each cell says exactly what the import
reads back: the type by its Chinese name, the key as the template writes keys (``types``'
``format_key``: ``A,C`` → ``AC``, 对/错, ``二/2|五/5``), a short answer's reference answer in 参考答案,
pinned options as letters, and 无 for a choice question with none (an empty cell would let the
import propose pins for "以上都是"), difficulty 1–5, knowledge points separated by "；", the mark
without trailing zeros.

The xlsx is written row by row (openpyxl write-only), text cells typed as text, so a stem beginning
with "=" stays text and reads back as written. CSV follows ``formats.tabular``: UTF-8 with BOM, and
a cell a spreadsheet would take for a formula (beginning = + - @) gets a leading apostrophe, the
OWASP advice against formula injection, which the import of a CSV takes off again with a note
(``services.importing.read_template``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from question_bank.drafts import QuestionDraft
from question_bank.formats import tabular
from question_bank.formats.interchange import ExportedQuestion
from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.formats.template_file import QUESTION_SHEET
from question_bank.types import get_type
from question_bank.types.choice import LETTERS

#: Column widths of the exported sheet, in characters, by header (others: 14).
_WIDTHS = {"题干": 50, "解析": 30, "法律依据": 30, "参考答案": 30, "评分标准": 30, "分类": 20}


def template_row(draft: QuestionDraft) -> list[str]:
    """The template row of ``draft``, in :data:`TEMPLATE_HEADERS` order, all cells text."""
    qtype = get_type(draft.qtype)
    cells = {
        "题型": qtype.import_names[0],
        "题干": draft.stem,
        **{f"选项{letter}": option for letter, option in zip(LETTERS, draft.options)},
        "固定选项": ",".join(LETTERS[i] for i in draft.pinned_options) if draft.pinned_options
        else ("无" if qtype.has_options else ""),
        "答案": qtype.format_key(draft.key) if qtype.auto_marked else "",
        "参考答案": "" if qtype.auto_marked else qtype.format_key(draft.key),
        "评分标准": draft.rubric,
        "解析": draft.explanation,
        "难度": str(draft.difficulty),
        "知识点": "；".join(draft.tags),
        "法律依据": draft.legal_basis,
        "分类": draft.category_path,
        "分值": format(draft.default_score.normalize(), "f") if draft.default_score is not None else "",
    }
    return [cells.get(header, "") for header in TEMPLATE_HEADERS]


def _rows(questions: Iterable[ExportedQuestion], counter: list[int]) -> Iterator[list[str]]:
    for question in questions:
        counter[0] += 1
        yield template_row(question.draft)


def write_xlsx(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write the questions as a template workbook (sheet 题库) to ``out``; returns how many."""
    counter = [0]
    widths = [_WIDTHS.get(h, 14) for h in TEMPLATE_HEADERS]
    tabular.write_xlsx_rows(TEMPLATE_HEADERS, _rows(questions, counter), out, QUESTION_SHEET, widths)
    return counter[0]


def write_csv(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write the questions as a template CSV (UTF-8 with BOM) to ``out``; returns how many."""
    counter = [0]
    for chunk in tabular.iter_csv_bytes(TEMPLATE_HEADERS, _rows(questions, counter)):
        out.write(chunk)
    return counter[0]
