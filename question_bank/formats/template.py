"""The question import template (domain.md §3): its columns, header names in Chinese or English,
and how one row becomes a :class:`~question_bank.drafts.QuestionDraft`. It only reads: the
services (``question_bank.services.importing``) decide what to do with the drafts.

One question a row. The first non-empty row of the sheet is the header; columns are found by their
header, in any order, so a file may leave out optional columns or carry extra ones (ignored).
Every problem names its place as a :class:`~question_bank.errors.Place` with file, sheet S, row N
and column L (header), where N is the row number the spreadsheet program shows, so an editor can
go straight to the cell.

Cell text is read as written: a stem keeps its punctuation, "=", braces and full-width characters
byte for byte (case C-13); only the space around a cell is dropped (and the report names the row
and columns where it was, :func:`trimmed_note`) and line ends become "\\n".
Keys, types, difficulties and marks are compared after width folding (NFKC), so ``Ａ`` reads as ``A``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl.utils import get_column_letter

from question_bank.drafts import QuestionDraft, category_parts
from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.numerals import NUMERAL, parse_numeral
from question_bank.formats.option_cells import OPTIONS_CELL, read_options, split_options, true_false_options
from question_bank.formats.question_control_chars import SPACE_AROUND, question_control_problems
from question_bank.formats.spreadsheet import MAX_CELL_CHARS, Row
from question_bank.points import is_exact_points, parse_plain_points
from question_bank.types import REGISTRY, type_for_import_name
from question_bank.types.base import Unreadable, problem_of
from question_bank.types.choice import LETTERS, read_letters


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
           N_("单选 / 多选 / 不定项 / 判断 / 填空 / 简答 (or the codes single, multiple, indefinite, true_false, "
              "fill_blank, short_answer); 案例分析 is a short answer too."),
           "单选 / 多选 / 不定项 / 判断 / 填空 / 简答（也可写英文代码 single、multiple、indefinite、true_false、"
           "fill_blank、short_answer）；案例分析题按简答题填写"),
    Column("stem", "题干", "stem", True,
           N_("The question text, kept exactly as written. Fill-in: mark each blank with （ ） or ___."),
           "题目正文，原样保存；填空题的每个空用（ ）或 ___ 标出"),
    Column("options", "选项A … 选项H", "option_A … option_H", False,
           N_("Option texts from A on, without gaps and without repeats; leave the rest empty. True/false, "
              "fill-in and short-answer questions have none."),
           "从A起依次填写选项，中间不留空，选项不得重复，用不到的留空；判断题、填空题、简答题不填选项"),
    Column("pinned", "固定选项", "pinned_options", False,
           N_("Letters of the options that stay in place when options are shuffled, e.g. D or C,D; 无 for none. "
              "Left empty, options starting with 以上 or 上述 (以上都是, 以上都不对) are pinned and the import "
              "report lists them."),
           "选项乱序时位置不变的选项字母，如 D 或 C,D；不固定填“无”。不填时，以“以上”或“上述”开头的选项"
           "（如“以上都是”“以上都不对”）自动固定，并在导入报告中列出"),
    Column("key", "答案", "key", True,
           N_("Single choice: B. Multiple or indefinite choice: ACD or A,C,D. True/false: 对/错, 正确/错误, √/× or T/F. "
              "Fill-in: the answers of the blanks in order, separated by |, alternatives of a blank by /, e.g. "
              "行政复议|行政诉讼/诉讼 (write \\/ for a / inside an answer). Short answer: the reference answer, "
              "here or in 参考答案."),
           "单选填 B；多选、不定项填 ACD 或 A,C,D；判断题填 对/错、正确/错误、√/× 或 T/F；填空题按空的顺序填写各空答案，"
           "空与空之间用 | 分隔，同一空的多个可接受答案用 / 分隔，如 行政复议|行政诉讼/诉讼（答案本身含 / 时写作 \\/）；"
           "简答题填参考答案，也可填在“参考答案”列"),
    Column("reference", "参考答案", "reference_answer", False,
           N_("Short answer and case analysis: the reference answer the markers compare against (or put it in 答案). "
              "A file without a 答案 column may give every key here."),
           "简答题、案例分析题：阅卷人据以评分的参考答案（也可填在“答案”列）；没有“答案”列的文件可在此列填写各题答案"),
    Column("rubric", "评分标准", "rubric", False,
           N_("Short answer only: the marking criteria the markers follow (points per element). Never shown to "
              "candidates."),
           "仅简答题：阅卷人依据的评分标准（各要点的分值），不向考生展示"),
    Column("explanation", "解析", "explanation", False,
           N_("Why the key is right; shown to candidates only when results are released."),
           "答案解析，仅在公布成绩后向考生展示"),
    Column("difficulty", "难度", "difficulty", False,
           N_("1 (easiest) to 5 (hardest), or 易 / 较易 / 中 / 较难 / 难; empty means 3."),
           "1（最易）至 5（最难），或 易 / 较易 / 中 / 较难 / 难；不填为 3"),
    Column("tags", "知识点", "tags", False,
           N_("Knowledge points, separated by ; or ； (commas and 、 also separate them)."),
           "知识点，多个用 ; 或 ； 分隔（逗号和顿号也作分隔）"),
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
    "stem": ("题干", "stem", "题目", "试题", "题目内容", "试题内容", "题干内容", "question"),
    "key": ("答案", "key", "正确答案", "标准答案", "正确选项", "answer"),
    "reference": ("参考答案", "reference_answer", "reference", "答题要点"),
    "explanation": ("解析", "explanation", "答案解析", "试题解析"),
    "difficulty": ("难度", "difficulty", "难度系数"),
    "tags": ("知识点", "tags", "tag", "标签", "所属知识点", "考点"),
    "legal_basis": ("法律依据", "legal_basis", "法条", "依据", "legalbasis"),
    "category": ("分类", "category", "题目分类", "类别", "试题分类", "所属分类", "题库分类", "知识类"),
    "score": ("分值", "score", "分数", "mark", "points"),
    "pinned": ("固定选项", "pinned_options", "pinned", "固定位置", "选项固定"),
    "rubric": ("评分标准", "rubric", "评分要点", "评分细则"),
}
for _number, (_letter, _numeral) in enumerate(zip(LETTERS, "一二三四五六七八"), start=1):
    # 选项1 … 选项8 (选项一 … 选项八) are options A … H in order, as numbered option headers are read everywhere.
    _ALIASES[f"option_{_letter}"] = (f"选项{_letter}", f"{_letter}选项", f"option_{_letter}", f"option{_letter}", _letter,
                                     f"{_letter}项", f"答案{_letter}", f"choice{_letter}", f"选项{_number}",
                                     f"option{_number}", f"选项{_numeral}")
#: Headers of one column naming the options as a whole: over the option columns (merged or not:
#: the empty header cells after it are options A, B, C … in order) or over one cell holding them all.
_OPTIONS_WORDS = frozenset({"选项", "options", "备选项", "备选答案", "答案选项"})

#: Letters past H: a column headed 选项I, I选项, option_I or I (or numbered past 8: 选项九, 选项9) is a ninth (tenth …) option, which the
#: template cannot hold; a filled cell there refuses its row rather than being dropped.
EXTRA_OPTION_LETTERS = "IJKLMNOPQRSTUVWXYZ"
_EXTRA_OPTION_WORD = re.compile(r"(?:选项|option)?([i-z])(?:选项|项)?")
#: A numbered option header (选项九, 选项10, option9; full-width digits are folded by :func:`_header_word`):
#: past 8 it is a ninth (tenth …) option like 选项I, refused when filled, never dropped as unknown.
_NUMBERED_OPTION_WORD = re.compile(r"(?:选项|option)(" + NUMERAL + ")")


def _extra_option_letter(word: str) -> str | None:
    """The letter (I, J … Z; past Z the number) of a header word naming an option past H: "选项i",
    "i选项", "i", "选项九", "选项10", "option9"; ``None`` for any other header word."""
    more = _EXTRA_OPTION_WORD.fullmatch(word)
    if more is not None:
        return more.group(1).upper()
    numbered = _NUMBERED_OPTION_WORD.fullmatch(word)
    number = parse_numeral(numbered.group(1)) if numbered is not None else None
    if number is None or number <= len(LETTERS):
        return None  # 选项1 … 选项8 are options A … H (aliases above); 选项0 is no option
    return chr(ord("A") + number - 1) if number <= 26 else str(number)

#: Headers in template order, as the downloadable template writes them.
TEMPLATE_HEADERS: tuple[str, ...] = (
    "题型", "题干", *(f"选项{letter}" for letter in LETTERS), "固定选项", "答案", "参考答案", "评分标准", "解析", "难度",
    "知识点", "法律依据", "分类", "分值",
)
#: The column name of each of :data:`TEMPLATE_HEADERS`, in the same order.
TEMPLATE_COLUMNS: tuple[str, ...] = (
    "type", "stem", *OPTION_COLUMNS, "pinned", "key", "reference", "rubric", "explanation", "difficulty", "tags",
    "legal_basis", "category", "score",
)
#: The first cell of the row our own CSV export writes above its header (``formats.template_export``):
#: only a CSV that carries it has its formula guards (an apostrophe before = + - @) taken off on import.
#: Any other CSV keeps a leading apostrophe as the author's text: Excel and WPS write a cell typed as
#: '=1+1 (the apostrophe marks it as text and is not part of it) as =1+1 when saving as CSV, so an
#: apostrophe in a CSV they wrote is one the author sees in the cell.
CSV_EXPORT_MARK = "examsvc 题库导出"
CSV_EXPORT_NOTE = (CSV_EXPORT_MARK + "：以 ' 开头、其后为 =、+、-、@ 的单元格，' 是防止表格软件把内容当作公式执行的前缀，"
                   "导入本系统时会去掉；请保留本行。")

#: What the downloadable template writes at the start of each example question's stem
#: (``formats.template_file``): a row whose stem begins with it and whose texts are those of one
#: of the template's examples is an example, never imported (``template_file.example_differences``);
#: changed, it is the editor's question. In the stem because it is what the editor reads, and it
#: survives a save as CSV, where a cell's colour or comment would not.
EXAMPLE_MARK = "【示例】"

#: What the 固定选项 column may say for "no option is pinned" (an empty cell lets the importer propose).
NO_PINS = frozenset({"无", "否", "不固定", "none", "no", "-", "—", "/"})

DIFFICULTY_WORDS = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "适中": 3, "一般": 3, "较难": 4, "难": 5, "困难": 5}
_PARENTHESISED = re.compile(r"[(（][^)）]*[)）]")
#: Between knowledge points: semicolons as the guide asks, and the commas and 、 people write lists
#: with (一，二,三 is three knowledge points, not one).
_TAG_SEPARATORS = re.compile(r"[;；、]|(?<!\d)[,，]|[,，](?!\d)")
#: A comma between two digits is a thousands separator ("1,000元以下罚款"), not between points.
_LIST_MARKS = re.compile(r"、|(?<!\d)[,，]|[,，](?!\d)")


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
    #: Position → (letter, header text) of each column headed as an option past H (选项I …).
    extra_options: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Position → header text of each column the template does not know (备注, 出题人 …).
    unknown: dict[int, str] = field(default_factory=dict)
    #: The type every row of the sheet has when the file has no 题型 column and the sheet's name
    #: says it (a sheet named 单选题 …); "" otherwise.
    sheet_type: str = ""
    #: Position → (column name, header text) of a second column naming a column already placed
    #: (ExamStack's 解析 and 试题解析): its cells must be empty or say the same as the first's.
    twins: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: The number of a second header row naming the options by letter (:func:`second_header_row`),
    #: read with ``row`` as the header; None for a one-row header.
    second_row: int | None = None


@dataclass
class ParsedRow:
    """One data row: the draft when the row is sound, else ``None`` and its problems (with places).
    ``pins_stated`` is False when the row's 固定选项 cell is empty or missing: the file did not
    say which options are pinned, so the importer may propose some. ``sheet`` is the sheet's name
    (a file may hold questions on several). ``notes`` say, placed on their cells, what the draft
    changed or still lacks without refusing the row (:attr:`QuestionDraft.notes`)."""

    number: int
    draft: QuestionDraft | None
    problems: list[Problem]
    pins_stated: bool = True
    sheet: str = ""
    notes: list[Problem] = field(default_factory=list)
    #: For a question of an interchange file (Moodle XML, GIFT, JSON Lines), ``number`` is the
    #: question's number in the file and ``line`` the line it begins on (None for a template row).
    line: int | None = None
    item: bool = False


def fold(text: str) -> str:
    """Width-folded (NFKC) text without surrounding space: for codes, letters and numbers."""
    return unicodedata.normalize("NFKC", text).strip()


def read_header(row: Row, sheet_type: str = "") -> Header | None:
    """The columns a header row names; ``None`` unless it names the stem column and the type column
    (or ``sheet_type``, the type the sheet's name gives, stands in for it) or else the key or the
    first option. Two headers naming the same column (解析 and 试题解析) are both read: the second is a
    twin (:attr:`Header.twins`) whose cells must agree with the first's."""
    index: dict[str, int] = {}
    text: dict[str, str] = {}
    extra: dict[int, tuple[str, str]] = {}
    unknown: dict[int, str] = {}
    twins: dict[int, str] = {}
    for position, cell in enumerate(row.cells):
        word = _header_word(cell)
        name = _BY_WORD.get(word)
        if name is None:
            more = _extra_option_letter(word)
            if more is not None:
                extra[position] = (more, cell.strip())
            elif cell.strip():
                unknown[position] = cell.strip()
            continue
        if name in index:
            twins[position] = name  # 解析 and 试题解析: read, and refused where the two differ
            continue
        index[name] = position
        text[name] = cell.strip()
    if "stem" not in index or not ({"type", "key", "option_A"} & index.keys() or sheet_type):
        return None  # a title, a note or a guide's row naming columns one by one: not a header
    _place_option_group(row, index, text, unknown)
    twin_text = {position: row.cells[position].strip() for position in twins}
    if "key" not in index and "reference" in index:
        # 参考答案 is how some banks head the key column of every type.
        index["key"], text["key"] = index.pop("reference"), text.pop("reference")
    return Header(row.number, index, text, extra, unknown, "" if "type" in index else sheet_type,
                  {position: (name, twin_text[position]) for position, name in twins.items()})


def _place_option_group(row: Row, index: dict[str, int], text: dict[str, str], unknown: dict[int, str]) -> None:
    """Read a 选项 header (:data:`_OPTIONS_WORDS`) when no column is headed as one option: the
    empty header cells right after it (a merged cell leaves them empty) are options A, B, C … in
    order, the 选项 column itself being A; with none, its one column holds every option
    (:data:`OPTIONS_CELL`). Changes ``index``, ``text`` and ``unknown`` in place."""
    if any(name in index for name in OPTION_COLUMNS):
        return
    group = next((p for p, cell in unknown.items() if _header_word(cell) in _OPTIONS_WORDS), None)
    if group is None:
        return
    heading = unknown.pop(group)
    span = 1
    while (group + span < len(row.cells) and span < len(LETTERS) and not row.cells[group + span].strip()
           and group + span not in index.values()):
        span += 1
    if span == 1:
        index[OPTIONS_CELL], text[OPTIONS_CELL] = group, heading
        return
    for offset in range(span):
        index[OPTION_COLUMNS[offset]] = group + offset
        text[OPTION_COLUMNS[offset]] = f"{heading} {LETTERS[offset]}"


def second_header_row(header: Header, row: Row) -> Header | None:
    """``header`` completed by ``row`` when ``row`` is a second header row naming the options by
    their letters (选项 merged over A / B / C / D, the other headers merged down over both rows):
    each filled cell of ``row`` (but those a merge down from the first row fills) an option letter
    (or 选项A …) under a column not otherwise placed or under the options, at least two of them; otherwise ``None`` (``row`` is data). The
    letters written win over the order of a 选项 group."""
    options = {position: name for name, position in header.index.items() if name.startswith("option_")}
    letters: dict[int, str] = {}
    for position, cell in enumerate(row.cells):
        if not cell.strip() or position in row.layout.filled:
            continue  # a header cell merged down over both rows shows its text on the second too
        name = _BY_WORD.get(_header_word(cell), "")
        placed_elsewhere = position in header.index.values() and position not in options
        if not name.startswith("option_") or placed_elsewhere or name in letters.values():
            return None
        letters[position] = name
    if len(letters) < 2:
        return None
    index = {name: position for name, position in header.index.items()
             if not name.startswith("option_") and name != OPTIONS_CELL}
    text = {name: header.text[name] for name in index}
    for position, name in letters.items():
        above = header.text.get(options.get(position, ""), "") or header.unknown.get(position, "")
        index[name] = position
        text[name] = f"{above.split(' ')[0]} {row.cells[position].strip()}".strip()
    unknown = {p: t for p, t in header.unknown.items() if p not in letters}
    return Header(header.row, index, text, header.extra_options, unknown, header.sheet_type, header.twins,
                  second_row=row.number)


def place_of(filename: str, sheet: str, row: int | None = None, header: Header | None = None,
           column: str | None = None) -> Place:
    """The cell of ``column`` (a template column name) in ``row``; a column the file lacks is named by
    its template header, without a letter."""
    if header is None or column is None:
        return Place(file=filename, sheet=sheet, row=row)
    if column.startswith("#"):  # a column the template does not know, by its position
        position = int(column[1:])
        text = (header.extra_options[position][1] if position in header.extra_options
                else header.twins[position][1] if position in header.twins else header.unknown.get(position, ""))
        return Place(file=filename, sheet=sheet, row=row, column=get_column_letter(position + 1), header=text)
    if column.startswith("option_") and column not in header.index and OPTIONS_CELL in header.index:
        column = OPTIONS_CELL  # every option is in one cell: its problems are that cell's
    position = header.index.get(column)
    if position is None:
        return Place(file=filename, sheet=sheet, row=row,
                     header=_ALIASES[column][0] if column in _ALIASES else column)
    return Place(file=filename, sheet=sheet, row=row, column=get_column_letter(position + 1),
                 header=header.text[column])


def parse_row(filename: str, sheet: str, header: Header, row: Row) -> ParsedRow:
    """Turn one data row into a draft, or into every problem it has, each placed on its cell.

    A cell holding a formula without a saved value (:attr:`Row.formulas`), or whose shown text is
    not known (:attr:`Row.unreadable`: an error value, a number format not applied exactly), is
    reported as such, in place of whatever its emptiness would otherwise be taken for (an empty
    key, a missing stem). A filled option past H (选项I …) refuses the row: the template holds
    eight options and never drops one. Options written each with its own label in order ("A.警告",
    "（B）罚款" …) are read without them and noted (``option_cells.row_labels``, decided for the row,
    :func:`labels_note`); labels on only some options or out of order refuse the row. Without a 题型 column, the type is the one the sheet's name gives. A cell
    holding an invisible control character (``question_control_chars``: C0 but tab and line ends in
    a text column, C1, bidirectional overrides) is refused for that alone. A true/false row laid
    out as a choice, its two options exactly 正确/错误 (对/错, √/×) and its key a letter, is read as
    true/false with the letter mapped to its option's word and a note (``option_cells.true_false_options``);
    any other options on a true/false row are refused."""
    # Formulas are never run: the editor is asked for the value itself.
    unsaved = [name for name, position in header.index.items() if position in row.formulas]
    found: list[tuple[str, Problem]] = [
        (name, Problem(N_("this cell holds a formula without a saved value; enter the value itself")))
        for name in sorted(unsaved, key=header.index.__getitem__)
    ]
    for name, position in sorted(header.index.items(), key=lambda item: item[1]):
        if position in row.unreadable and name not in unsaved:
            message, params = row.unreadable[position]
            found.append((name, Problem(message, params)))
            unsaved.append(name)
    # A control character an author cannot see refuses its cell, like a cell whose text is unknown
    # (question_control_chars; issue 5, F6). Text columns may hold line ends and tabs.
    shown = {name: row.cells[position] for name, position in header.index.items()
             if name not in unsaved and position < len(row.cells)}
    for name, problem in question_control_problems(
            {name: (text, True) if name in _TRIMMED_COLUMNS else (text.strip(SPACE_AROUND), False)
             for name, text in sorted(shown.items(), key=lambda item: header.index[item[0]])}):
        found.append((name, problem))
        unsaved.append(name)
    for position, (letter, _) in sorted(header.extra_options.items()):
        if position < len(row.cells) and (row.cells[position].strip() or position in row.unreadable):
            found.append((f"#{position}", Problem(
                N_("option %(letter)s is filled in, but a question has at most 8 options (A–H); merge options or "
                   "split the question"), {"letter": letter})))

    for position, (name, twin_header) in sorted(header.twins.items()):
        twin = row.cells[position].strip() if position < len(row.cells) else ""
        first = row.cells[header.index[name]].strip() if header.index[name] < len(row.cells) else ""
        if twin and twin != first:
            found.append((f"#{position}", Problem(
                N_("the columns %(first)s and %(second)s both give the same field and differ; keep one"),
                {"first": header.text[name], "second": twin_header})))

    def cell(name: str) -> str:
        position = header.index.get(name)
        if position is None or position >= len(row.cells):
            return ""
        return row.cells[position]

    # A code cell (a type, a difficulty …) that long is no code; it is refused like an unreadable
    # cell, so that no other message repeats its text. Text fields are left to their own limits.
    for name in _CODE_COLUMNS:
        if name not in unsaved and len(cell(name)) > MAX_CELL_CHARS:
            found.insert(len(unsaved), (name, _cell_too_long()))
            unsaved.append(name)

    type_text = fold(cell("type")) if "type" in header.index else header.sheet_type
    qtype = type_for_import_name(type_text.replace(" ", ""))
    if not type_text:
        found.append(("type", Problem(N_("the type is empty"))))
    elif qtype is None:
        names = " / ".join(t.import_names[0] for t in REGISTRY.values())
        found.append(("type", Problem(N_("unknown question type %(value)s; use %(names)s"),
                                      {"value": type_text, "names": names})))

    stem = _text(cell("stem"))
    # A refused option cell (a formula, a cell whose shown text is not known) stands in as filled:
    # its problem is reported once, not again as an empty option or as a key naming an empty option.
    refused = set(unsaved)
    labelled: list[str] = []
    if OPTIONS_CELL in header.index:
        options = read_options(split_options(cell(OPTIONS_CELL), found), found, labelled)
    else:
        options = read_options([_REFUSED_OPTION if name in refused else cell(name) for name in OPTION_COLUMNS],
                               found, labelled,
                               frozenset(i for i, name in enumerate(OPTION_COLUMNS) if name in refused))
    pinned = _pinned(cell("pinned"), found)
    key = None
    key_column = _key_column(header, cell, found)
    key_text, answers_as_options = cell(key_column), []
    if qtype is not None and qtype.answer_form == "true_false" and true_false_options(options):
        # A 判断题 laid out as a choice (选项A 正确, 选项B 错误, 答案 A): the key letter names its word.
        answers_as_options, options = options, []
        letter = fold(key_text).upper()
        key_text = answers_as_options["AB".index(letter)] if letter in ("A", "B") else key_text
    if (qtype is not None and qtype.answer_form in _CODED_KEYS and key_column not in unsaved
            and len(cell(key_column)) > MAX_CELL_CHARS):
        found.insert(len(unsaved), (key_column, _cell_too_long()))
        unsaved.append(key_column)
    elif qtype is not None:
        try:
            key = qtype.parse_key(key_text, options)
        except ValueError as exc:
            found.append((key_column, problem_of(exc)))
    difficulty = _difficulty(cell("difficulty"), found)
    score = _score(cell("score"), found)
    category = "/".join(category_parts(cell("category")))

    draft = QuestionDraft(
        qtype=qtype.code if qtype is not None else "", stem=stem, options=options, key=key,
        category_path=category, explanation=_text(cell("explanation")), difficulty=difficulty,
        tags=_tags(cell("tags")), legal_basis=_text(cell("legal_basis")), default_score=score,
        pinned_options=pinned or [], rubric=_text(cell("rubric")),
    )
    if qtype is not None:
        # The domain's own rules; a field already reported above is not reported twice.
        reported = {name for name, _ in found}
        for problem in draft.problems():
            name = key_column if _column_of(problem) == "key" else _column_of(problem)
            if name not in reported and not (name.startswith("option_") and reported & {*OPTION_COLUMNS, OPTIONS_CELL}):
                found.append((name, Problem(problem.message, problem.params)))
    else:
        # Without a type the row is refused anyway; its texts' own limits are still said now,
        # not one correction later.
        if not stem:
            found.append(("stem", Problem(N_("the stem is empty"))))
        found.extend((_column_of(p), Problem(p.message, p.params)) for p in draft.length_problems())
    reported = {name for name, _ in found}
    if reported & {*OPTION_COLUMNS, OPTIONS_CELL}:
        reported |= {*OPTION_COLUMNS, OPTIONS_CELL}  # the options were judged as a whole
    for name in header.index:
        # The backstop for a text no field rule caught (a knowledge-point cell of one point
        # repeated): the template still reads no cell longer than any field may be.
        if name not in reported and len(cell(name)) > MAX_CELL_CHARS:
            found.append((name, _cell_too_long()))
    if unsaved:
        found = found[:len(unsaved)] + [(name, p) for name, p in found[len(unsaved):] if name not in unsaved]
    if not found:
        notes = [Problem(n.message, n.params, place_of(filename, sheet, row.number, header,
                                                       key_column if n.place == "key" else _column_of(n)))
                 for n in draft.notes]
        trimmed = [name for name in _TRIMMED_COLUMNS if name in header.index and _text(cell(name))
                   and cell(name).replace("\r\n", "\n").replace("\r", "\n") != _text(cell(name))]
        if trimmed:
            notes.append(trimmed_note(Place(file=filename, sheet=sheet, row=row.number),
                                      [header.text[name] for name in trimmed]))
        if labelled:
            names = [OPTIONS_CELL] if OPTIONS_CELL in header.index else labelled
            notes.append(labels_note(Place(file=filename, sheet=sheet, row=row.number),
                                     [header.text[name] for name in names]))
        if answers_as_options:
            notes.append(Problem(N_("the options %(options)s of this true/false question were read as its answers, "
                                    "not stored as options: the key %(key)s is %(answer)s"),
                                 {"options": "/".join(answers_as_options), "key": cell(key_column).strip(),
                                  "answer": qtype.format_key(key)},
                                 place_of(filename, sheet, row.number, header, key_column)))
        if _LIST_MARKS.search(cell("tags")):
            # Commas split knowledge points too; said, since a point may itself hold a comma.
            notes.append(Problem(N_("the knowledge points were also split at commas and 、: %(tags)s"),
                                 {"tags": "；".join(draft.tags)}, place_of(filename, sheet, row.number, header, "tags")))
        return ParsedRow(row.number, draft, [], pins_stated=pinned is not None, sheet=sheet, notes=notes)
    problems = [Problem(p.message, p.params, place_of(filename, sheet, row.number, header, name)) for name, p in found]
    return ParsedRow(row.number, None, problems, sheet=sheet)


#: Columns holding a code, not a text of the author's: a cell longer than :data:`MAX_CELL_CHARS` there
#: is refused as such. Every other column's cell is held to its field's own limit (the stem's 5,000
#: characters, an option's 1,000 …, ``field_limits.QUESTION_LIMITS``), so the message an editor
#: gets names the limit that will hold after shortening, not a bigger generic one first.
_CODE_COLUMNS = ("type", "pinned", "difficulty", "score")
#: Answer forms whose key is a code (letters, 对/错) rather than text (fill-in answers, a reference answer).
_CODED_KEYS = ("options", "true_false")


#: Text columns whose surrounding space the import drops and then says so (issue 5, F1): the
#: author's own texts, where a space (a full-width U+3000, a no-break U+00A0, a line end) is
#: invisible in the cell and may have been typed on purpose.
_TRIMMED_COLUMNS = ("stem", *OPTION_COLUMNS, OPTIONS_CELL, "key", "reference", "rubric", "explanation", "legal_basis")


def trimmed_note(place: Place, headers: list[str]) -> Problem:
    """The note that the space around the texts of ``headers`` at ``place`` was removed: spaces of
    any width (the full-width U+3000, the no-break U+00A0) and line ends before or after the text,
    which Python's ``str.strip`` takes off. ``place`` is a template row (file, sheet, row; ``headers``
    its columns as the file writes them) or a question of a Moodle XML or GIFT file (file, question,
    line; ``headers`` the fields as its problems name them, ``moodle_questions``). Kept as a note,
    not a refusal: such space is never part of a question, but the editor is told which texts
    changed, in the same words whatever the format."""
    return Problem(N_("the spaces (or line ends) before or after the text were removed in %(columns)s"),
                   {"columns": "、".join(headers)}, place)


def labels_note(place: Place | str, headers: list[str]) -> Problem:
    """The note that the options' own labels ("A.", "B、", "（C）") were taken off in ``headers`` at
    ``place`` (a template row and its option columns as the file writes them, or a question of an
    interchange file, or the editor's form, and the fields as its problems name them), as
    ``option_cells.row_labels`` decides: every option carried its label in order. Kept as a note,
    not a refusal, in the same words whatever the input path (issue 5)."""
    return Problem(N_("the option labels (A., B., C. …) written before the options were taken off in %(columns)s; "
                      "the letters are shown by the bank"), {"columns": "、".join(headers)}, place)


def _cell_too_long() -> Problem:
    return Problem(N_("the cell is longer than %(n)d characters"), {"n": MAX_CELL_CHARS})


#: What a refused option cell reads as while the row's other cells are checked (never stored: a
#: row with a refused cell is refused).
_REFUSED_OPTION = "<refused cell>"


def _column_of(problem: Problem) -> str:
    """The template column a draft problem concerns (drafts name their fields, which are the
    template's column names but for ``options``, the options as a whole)."""
    if problem.place == "options":
        return "option_A"
    return str(problem.place) or "stem"


def _key_column(header: Header, cell, found: list[tuple[str, Problem]]) -> str:
    """Which column gives the row's key: 答案, or 参考答案 when 答案 is empty there (a bank that keeps
    its short answers' reference answers apart). Both filled with different texts is a problem."""
    if not cell("reference").strip():
        return "key"
    if cell("key").strip() and cell("key").strip() != cell("reference").strip():
        found.append(("reference", Problem(N_("the columns %(first)s and %(second)s both give the key and differ; "
                                              "keep one"), {"first": header.text["key"], "second": header.text["reference"]})))
    return "key" if cell("key").strip() else "reference"


def _pinned(value: str, found: list[tuple[str, Problem]]) -> list[int] | None:
    """The 固定选项 cell as option indexes; ``None`` when it is empty (nothing stated)."""
    text = fold(value)
    if not text:
        return None
    if text.casefold() in NO_PINS:
        return []
    try:
        return [LETTERS.index(letter) for letter in read_letters(text)]
    except Unreadable as exc:
        found.append(("pinned", problem_of(exc)))
        return []


def _text(value: str) -> str:
    """Cell text as written, only the surrounding space dropped and line ends made "\\n"."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


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
    """The 分值 cell as points, ``None`` when empty. Only a plain decimal is a mark, as in the mark
    entry (``points.parse_plain_points``): "1e1" is refused, never read as 10."""
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
    if parse_plain_points(text) is None:
        # "1e1", "1_0": Decimal reads them, the mark entry does not; a mark is a plain decimal everywhere.
        found.append(("score", Problem(N_("the mark %(value)s is not a plain decimal number; write digits with at "
                                          "most two decimals, such as 2 or 2.5 (no exponent such as 1e1)"),
                                       {"value": text})))
        return None
    if not is_exact_points(score):
        found.append(("score", Problem(N_("the mark may have at most two decimals"))))
    return score


def _tags(value: str) -> list[str]:
    """The knowledge points of a 知识点 cell, split at ; ； 、 and at commas but for a comma between
    two digits ("1,000元以下罚款" is one point), surrounding space dropped, repeats left out."""
    tags: list[str] = []
    for part in _TAG_SEPARATORS.split(value):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags
