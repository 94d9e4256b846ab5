"""The question import template (domain.md §3): its columns, header names in Chinese or English,
and how one row becomes a :class:`~question_bank.services.authoring.QuestionDraft`.

One question a row. The first non-empty row of the sheet is the header; columns are found by their
header, in any order, so a file may leave out optional columns or carry extra ones (ignored).
Every problem names its place as a :class:`~question_bank.errors.Place` with file, sheet S, row N
and column L (header), where N is the row number the spreadsheet program shows, so an editor can
go straight to the cell.

Cell text is read as written: a stem keeps its punctuation, "=", braces and full-width characters
byte for byte (case C-13); only the space around a cell is dropped and line ends become "\\n".
Keys, types, difficulties and marks are compared after width folding (NFKC), so ``Ａ`` reads as ``A``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl.utils import get_column_letter

from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.spreadsheet import MAX_CELL_CHARS, Row, Sheet, Table
from question_bank.points import is_exact_points
from question_bank.services.authoring import QuestionDraft, category_parts
from question_bank.types import REGISTRY, type_for_import_name
from question_bank.types.choice import LETTERS


@dataclass(frozen=True)
class Column:
    """One template column: ``name`` in code, the Chinese and English headers, whether the header row
    must have it, and what goes in it (an English gettext msgid, and the Chinese text the
    downloadable template's explanation sheet carries)."""

    name: str
    zh: str
    en: str
    required: bool
    description: str
    description_zh: str


OPTION_COLUMNS = tuple(f"option_{letter}" for letter in LETTERS)

#: The columns in template order. The options are one entry here (A…H), eight columns in the file.
GUIDE: tuple[Column, ...] = (
    Column("type", "题型", "type", True,
           N_("单选 / 多选 / 不定项 / 判断 (or the codes single, multiple, indefinite, true_false)."),
           "单选 / 多选 / 不定项 / 判断（也可写英文代码 single、multiple、indefinite、true_false）"),
    Column("stem", "题干", "stem", True,
           N_("The question text, kept exactly as written."),
           "题目正文，原样保存"),
    Column("options", "选项A … 选项H", "option_A … option_H", False,
           N_("Option texts from A on, without gaps; leave the rest empty. True/false questions have none."),
           "从A起依次填写选项，中间不留空，用不到的留空；判断题不填选项"),
    Column("key", "答案", "key", True,
           N_("Single choice: B. Multiple or indefinite choice: ACD or A,C,D. True/false: 对/错, 正确/错误, √/× or T/F."),
           "单选填 B；多选、不定项填 ACD 或 A,C,D；判断题填 对/错、正确/错误、√/× 或 T/F"),
    Column("explanation", "解析", "explanation", False,
           N_("Why the key is right; shown to candidates only when results are released."),
           "答案解析，仅在公布成绩后向考生展示"),
    Column("difficulty", "难度", "difficulty", False,
           N_("1 (easiest) to 5 (hardest), or 易 / 较易 / 中 / 较难 / 难; empty means 3."),
           "1（最易）至 5（最难），或 易 / 较易 / 中 / 较难 / 难；不填为 3"),
    Column("tags", "知识点", "tags", False,
           N_("Knowledge points, separated by ; or ；."),
           "知识点，多个用 ; 或 ； 分隔"),
    Column("legal_basis", "法律依据", "legal_basis", False,
           N_("The articles the question rests on, e.g. 《中华人民共和国行政处罚法》第三十六条."),
           "题目依据的法条，如《中华人民共和国行政处罚法》第三十六条"),
    Column("category", "分类", "category", True,
           N_("Category path with / between levels, e.g. 宪法/国家机构; missing categories are created."),
           "分类路径，各级之间用 / 分隔，如 宪法/国家机构；不存在的分类自动创建"),
    Column("score", "分值", "score", False,
           N_("Optional default mark in points, e.g. 2 or 2.5; a paper's own mark wins."),
           "可选，默认分值，如 2 或 2.5；以试卷设定的分值为准"),
)

#: Header names accepted for each column, compared after :func:`_header_word`.
_ALIASES: dict[str, tuple[str, ...]] = {
    "type": ("题型", "type", "类型", "题目类型", "试题类型", "qtype"),
    "stem": ("题干", "stem", "题目", "试题", "题目内容", "question"),
    "key": ("答案", "key", "正确答案", "标准答案", "参考答案", "answer"),
    "explanation": ("解析", "explanation", "答案解析", "试题解析"),
    "difficulty": ("难度", "difficulty", "难度系数"),
    "tags": ("知识点", "tags", "tag", "标签"),
    "legal_basis": ("法律依据", "legal_basis", "法条", "依据", "legalbasis"),
    "category": ("分类", "category", "题目分类", "类别"),
    "score": ("分值", "score", "分数", "mark", "points"),
}
for _letter in LETTERS:
    _ALIASES[f"option_{_letter}"] = (f"选项{_letter}", f"option_{_letter}", f"option{_letter}", _letter)

#: Headers in template order, as the downloadable template writes them.
TEMPLATE_HEADERS: tuple[str, ...] = (
    "题型", "题干", *(f"选项{letter}" for letter in LETTERS), "答案", "解析", "难度", "知识点", "法律依据", "分类", "分值",
)

DIFFICULTY_WORDS = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "适中": 3, "一般": 3, "较难": 4, "难": 5, "困难": 5}
#: Highest default mark a row may carry, in points (the column is NUMERIC(6, 2)).
MAX_SCORE = Decimal(1000)
_PARENTHESISED = re.compile(r"[(（][^)）]*[)）]")
_TAG_SEPARATORS = re.compile(r"[;；]")
#: Longest category path and name the category table holds.
MAX_CATEGORY_PATH, MAX_CATEGORY_NAME = 500, 100


def _header_word(text: str) -> str:
    """"选项 Ａ", "Option_A", "*题型（必填）" → "选项a", "optiona", "题型": width and case folded,
    remarks in brackets and everything but letters and digits dropped."""
    folded = _PARENTHESISED.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


_BY_WORD = {_header_word(alias): name for name, aliases in _ALIASES.items() for alias in aliases}


@dataclass
class Header:
    """Where each known column is: ``index[name]`` is the 0-based position, ``text[name]`` the header
    as written in the file (for messages)."""

    row: int
    index: dict[str, int]
    text: dict[str, str]


@dataclass
class ParsedRow:
    """One data row: the draft when the row is sound, else ``None`` and its problems (with places)."""

    number: int
    draft: QuestionDraft | None
    problems: list[Problem]


def fold(text: str) -> str:
    """Width-folded (NFKC) text without surrounding space: for codes, letters and numbers."""
    return unicodedata.normalize("NFKC", text).strip()


def read_header(row: Row) -> Header | None:
    """The columns a header row names; ``None`` unless it has at least the type and stem columns.
    Raises :class:`InvalidInput` when two headers name the same column."""
    index: dict[str, int] = {}
    text: dict[str, str] = {}
    for position, cell in enumerate(row.cells):
        name = _BY_WORD.get(_header_word(cell))
        if name is None:
            continue
        if name in index:
            raise InvalidInput([Problem(N_("The headers %(first)s and %(second)s name the same column; keep one."),
                                        {"first": text[name], "second": cell.strip()}, Place(row=row.number))])
        index[name] = position
        text[name] = cell.strip()
    if "type" not in index or "stem" not in index:
        return None
    return Header(row.number, index, text)


def find_question_sheet(filename: str, table: Table) -> tuple[Sheet, Header, list[Row]]:
    """The first sheet whose first row is a template header, that header, and its data rows.

    Raises :class:`InvalidInput` when no sheet has such a header, when required columns are
    missing, or when there are no data rows.
    """
    for sheet in table.sheets:
        rows = sheet.rows()
        first = next(rows, None)
        header = read_header(first) if first is not None else None
        if header is None:
            continue
        where = _place(filename, sheet.name)
        missing = [c for c in GUIDE if c.required and c.name not in header.index]
        if missing:
            names = "、".join(f"{c.zh} / {c.en}" for c in missing)
            raise InvalidInput([Problem(N_("The header row has no column %(columns)s."), {"columns": names},
                                        _place(filename, sheet.name, header.row))])
        data = list(rows)
        if not data:
            raise InvalidInput([Problem(N_("There are no questions below the header row."), place=where)])
        return sheet, header, data
    raise InvalidInput([Problem(
        N_("No header row found: the first row of the question sheet must name the columns, at least 题型 (type) "
           "and 题干 (stem). Download the template to see the layout."), place=Place(file=filename))])


def _place(filename: str, sheet: str, row: int | None = None, header: Header | None = None,
           column: str | None = None) -> Place:
    """The cell of ``column`` (a template column name) in ``row``; a column the file lacks is named by
    its template header, without a letter."""
    if header is None or column is None:
        return Place(file=filename, sheet=sheet, row=row)
    position = header.index.get(column)
    if position is None:
        return Place(file=filename, sheet=sheet, row=row,
                     header=_ALIASES[column][0] if column in _ALIASES else column)
    return Place(file=filename, sheet=sheet, row=row, column=get_column_letter(position + 1),
                 header=header.text[column])


def parse_row(filename: str, sheet: str, header: Header, row: Row) -> ParsedRow:
    """Turn one data row into a draft, or into every problem it has, each placed on its cell.

    A cell holding a formula without a saved value (:attr:`Row.formulas`) is reported as such, in
    place of whatever its emptiness would otherwise be taken for (an empty key, a missing stem)."""
    # Formulas are never run: the editor is asked for the value itself.
    unsaved = [name for name, position in header.index.items() if position in row.formulas]
    found: list[tuple[str, Problem]] = [
        (name, Problem(N_("this cell holds a formula without a saved value; enter the value itself")))
        for name in sorted(unsaved, key=header.index.__getitem__)
    ]

    def cell(name: str) -> str:
        position = header.index.get(name)
        if position is None or position >= len(row.cells):
            return ""
        return row.cells[position]

    for name in header.index:
        if len(cell(name)) > MAX_CELL_CHARS:
            found.append((name, Problem(N_("the cell is longer than %(n)d characters"), {"n": MAX_CELL_CHARS})))

    type_text = fold(cell("type"))
    qtype = type_for_import_name(type_text.replace(" ", ""))
    if not type_text:
        found.append(("type", Problem(N_("the type is empty"))))
    elif qtype is None:
        names = " / ".join(t.import_names[0] for t in REGISTRY.values())
        found.append(("type", Problem(N_("unknown question type %(value)s; use %(names)s"),
                                      {"value": type_text, "names": names})))

    stem = _text(cell("stem"))
    options = _options(header, cell, found)
    key = None
    if qtype is not None:
        try:
            key = qtype.parse_key(cell("key"), options)
        except ValueError as exc:
            found.append(("key", Problem(str(exc.args[0]))))
    difficulty = _difficulty(cell("difficulty"), found)
    score = _score(cell("score"), found)
    category = "/".join(category_parts(cell("category")))
    if len(category) > MAX_CATEGORY_PATH or any(len(p) > MAX_CATEGORY_NAME for p in category_parts(category)):
        found.append(("category", Problem(N_("the category path is too long (at most %(n)d characters a level)"),
                                          {"n": MAX_CATEGORY_NAME})))

    draft = QuestionDraft(
        qtype=qtype.code if qtype is not None else "", stem=stem, options=options, key=key,
        category_path=category, explanation=_text(cell("explanation")), difficulty=difficulty,
        tags=_tags(cell("tags")), legal_basis=_text(cell("legal_basis")), default_score=score,
    )
    if qtype is not None:
        # The domain's own rules; a field already reported above is not reported twice.
        reported = {name for name, _ in found}
        for problem in draft.problems():
            name = _column_of(problem)
            if name not in reported and not (name.startswith("option_") and reported & set(OPTION_COLUMNS)):
                found.append((name, Problem(problem.message, problem.params)))
    elif not stem:
        found.append(("stem", Problem(N_("the stem is empty"))))
    if unsaved:
        found = found[:len(unsaved)] + [(name, p) for name, p in found[len(unsaved):] if name not in unsaved]
    if not found:
        return ParsedRow(row.number, draft, [])
    problems = [Problem(p.message, p.params, _place(filename, sheet, row.number, header, name)) for name, p in found]
    return ParsedRow(row.number, None, problems)


def _column_of(problem: Problem) -> str:
    """The template column a draft problem concerns (drafts name their fields, not columns)."""
    if problem.place == "options":
        return "option_A"
    return str(problem.place) or "stem"


def _text(value: str) -> str:
    """Cell text as written, only the surrounding space dropped and line ends made "\\n"."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _options(header: Header, cell, found: list[tuple[str, Problem]]) -> list[str]:
    texts = [_text(cell(name)) for name in OPTION_COLUMNS]
    while texts and not texts[-1]:
        texts.pop()
    for letter, text in zip(LETTERS, texts):
        if not text:
            found.append((f"option_{letter}", Problem(N_("option %(letter)s is empty but a later option is filled in"),
                                                      {"letter": letter})))
    return texts


def _difficulty(value: str, found: list[tuple[str, Problem]]) -> int:
    text = fold(value)
    if not text:
        return 3
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text]
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal(0)
    if number.is_finite() and number == number.to_integral_value() and 1 <= number <= 5:
        return int(number)
    found.append(("difficulty", Problem(N_("difficulty is 1 to 5, or 易, 较易, 中, 较难 or 难; not %(value)s"),
                                        {"value": text})))
    return 3


def _score(value: str, found: list[tuple[str, Problem]]) -> Decimal | None:
    text = fold(value)
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite():
        found.append(("score", Problem(N_("the mark must be a number such as 2 or 2.5; not %(value)s"),
                                       {"value": text})))
        return None
    if score > MAX_SCORE:
        found.append(("score", Problem(N_("the mark may be at most %(n)d points"), {"n": int(MAX_SCORE)})))
    elif not is_exact_points(score):
        found.append(("score", Problem(N_("the mark may have at most two decimals"))))
    return score


def _tags(value: str) -> list[str]:
    tags: list[str] = []
    for part in _TAG_SEPARATORS.split(value):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def parse_sheet(filename: str, table: Table) -> tuple[str, list[ParsedRow]]:
    """The question sheet's name and every data row parsed. Raises :class:`InvalidInput` for what
    makes the whole file unreadable (see :func:`find_question_sheet`)."""
    sheet, header, rows = find_question_sheet(filename, table)
    return sheet.name, [parse_row(filename, sheet.name, header, row) for row in rows]
