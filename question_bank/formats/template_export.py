"""Questions written back in the import template's layout (``formats.template``), as .xlsx or CSV,
so that exporting and importing again gives the same questions (README, "Import and export formats").

One row a question, the template's headers in its order. Each cell says exactly what the import
reads back: the type by its Chinese name, the key as the template writes keys (``types``'
``format_key``: ``A,C`` → ``AC``, 对/错, ``二/2|五/5``), a short answer's reference answer in 参考答案,
pinned options as letters, the options of a question one of which begins with a label ("B、以上均可"
as option B) each after one more label of its own, "（A）甲", "（B）B、以上均可", which the import takes
off (``option_cells.written_options``), and 无 for a choice question with none (an empty cell would let the
import propose pins for "以上都是"), difficulty 1–5, knowledge points separated by "；", the mark
without trailing zeros.

The xlsx is written row by row (openpyxl write-only), text cells typed as text, so a stem beginning
with "=" stays text and reads back as written. CSV follows ``formats.tabular``: UTF-8 with BOM, and
a cell a spreadsheet would take for a formula (beginning = + - @) gets a leading apostrophe, the
OWASP advice against formula injection. The CSV's first row marks it as our export
(``template.CSV_EXPORT_NOTE``), and only a CSV so marked has those apostrophes taken off again on
import, with a note (``services.importing.read_template``); so that a text that itself begins with
an apostrophe before = + - @ comes back whole, it gets one more apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from question_bank.drafts import QuestionDraft
from question_bank.formats import tabular
from question_bank.formats.interchange import ExportedQuestion
from question_bank.formats.option_cells import written_options
from question_bank.formats.template import CSV_EXPORT_NOTE, TEMPLATE_HEADERS
from question_bank.formats.template_file import QUESTION_SHEET
from question_bank.types import get_type
from question_bank.types.choice import LETTERS

_STEM = TEMPLATE_HEADERS.index("题干")

#: Column widths of the exported sheet, in characters, by header (others: 14).
_WIDTHS = {"题干": 50, "解析": 30, "法律依据": 30, "参考答案": 30, "评分标准": 30, "分类": 20}


def template_row(draft: QuestionDraft) -> list[str]:
    """The template row of ``draft``, in :data:`TEMPLATE_HEADERS` order, all cells text."""
    qtype = get_type(draft.qtype)
    cells = {
        "题型": qtype.import_names[0],
        "题干": draft.stem,
        # An option beginning with its own label gets one more, which the import takes off again.
        **{f"选项{letter}": option for letter, option in zip(LETTERS, written_options(draft.options))},
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
    """Write the questions as a template workbook (sheet 题库) to ``out``; returns how many. A
    question's ``note`` (an unpublished revision the row does not hold) is a comment on its stem
    cell, which the import does not read."""
    counter = [0]
    widths = [_WIDTHS.get(h, 14) for h in TEMPLATE_HEADERS]
    notes: list[dict[int, str]] = []

    def noted() -> Iterator[ExportedQuestion]:
        for question in questions:
            notes.append({_STEM: question.note} if question.note else {})
            yield question

    def comments() -> Iterator[dict[int, str]]:
        while notes:
            yield notes.pop(0)

    tabular.write_xlsx_rows(TEMPLATE_HEADERS, _rows(noted(), counter), out, QUESTION_SHEET, widths,
                            comments=comments())
    return counter[0]


def write_csv(questions: Iterable[ExportedQuestion], out: IO[bytes]) -> int:
    """Write the questions as a template CSV (UTF-8 with BOM) to ``out``, its first row the mark
    of our export (``template.CSV_EXPORT_NOTE``), then the header; returns how many."""
    counter = [0]
    # tabular.neutralise (in iter_csv_bytes) writes every text so that tabular.unneutralise gives it
    # back exactly, a text that already begins with apostrophes before = + - @ included.
    for chunk in tabular.iter_csv_bytes(TEMPLATE_HEADERS, _rows(questions, counter), preamble=[[CSV_EXPORT_NOTE]]):
        out.write(chunk)
    return counter[0]
