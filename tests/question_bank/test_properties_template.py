"""Property tests (hypothesis) of the import template's reading: what the bank's own export writes,
as .xlsx and as CSV, reads back as the same questions; and any text at all, as a CSV or as cells of
a workbook, is either read or refused with problems that name the file and a row, never a crash.

Example counts are small and the examples derived from the test (``derandomize``), so a CI run is
the same run every time."""

from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from question_bank.drafts import QuestionDraft
from question_bank.errors import InvalidInput, Place
from question_bank.formats.interchange import ExportedQuestion
from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.formats.template_export import write_csv, write_xlsx
from question_bank.services.importing import read_template

PROPERTY = settings(max_examples=30, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Characters a question is written in: Chinese, full-width and ASCII punctuation, digits, Latin
#: letters, the characters CSV and spreadsheets treat specially (= + - @ " , ; newline, tab).
ALPHABET = st.sampled_from(list("行政处罚法第条款项罚款警告许可复议诉讼公民法人组织机关（）《》“”、，。；：？！"
                                "0123456789ABCDabcdXYZ =+-@\"',;:!?()[]{}|/\\#%&*\n\t'·—…"))


def _clean(text: str) -> str:
    return text.replace("\t", " ").strip()


def texts(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text as the bank stores it after an import: surrounding space stripped, not empty."""
    return st.text(ALPHABET, min_size=min_size, max_size=max_size).map(_clean).filter(bool)


def plain_texts(max_size: int = 12) -> st.SearchStrategy[str]:
    """Short text without the separators a cell of tags or a category path splits on."""
    return st.text(st.sampled_from(list("行政处罚法许可复议公民法人abcXYZ0123456789")), min_size=1, max_size=max_size)


@st.composite
def drafts(draw) -> QuestionDraft:
    qtype = draw(st.sampled_from(["single_choice", "multiple_choice", "indefinite_choice", "true_false",
                                  "fill_blank", "short_answer"]))
    stem = draw(texts())
    options: list[str] = []
    if qtype in ("single_choice", "multiple_choice", "indefinite_choice"):
        options = draw(st.lists(texts(max_size=20), min_size=2, max_size=8, unique=True))
        letters = "ABCDEFGH"[:len(options)]
        smallest = {"single_choice": 1, "multiple_choice": 2, "indefinite_choice": 1}[qtype]
        count = draw(st.integers(smallest, 1 if qtype == "single_choice" else len(options)))
        key = sorted(draw(st.lists(st.sampled_from(letters), min_size=count, max_size=count, unique=True)))
    elif qtype == "true_false":
        key = draw(st.booleans())
    elif qtype == "fill_blank":
        blanks = draw(st.integers(1, 3))
        stem = stem + "（ ）" + "，（ ）" * (blanks - 1)
        key = draw(st.lists(st.lists(plain_texts(), min_size=1, max_size=3, unique=True), min_size=blanks,
                            max_size=blanks))
    else:
        key = draw(texts())
    return QuestionDraft(
        qtype, stem, options, key, "/".join(draw(st.lists(plain_texts(), min_size=1, max_size=3))),
        explanation=draw(st.one_of(st.just(""), texts())), difficulty=draw(st.integers(1, 5)),
        tags=draw(st.lists(plain_texts(), max_size=3, unique=True)),
        legal_basis=draw(st.one_of(st.just(""), texts())),
        default_score=draw(st.one_of(st.none(), st.decimals(Decimal("0.01"), Decimal("100"), places=2))),
        rubric=draw(texts()) if qtype == "short_answer" else "")


def _read_back(writer, name: str, questions: list[QuestionDraft]) -> list[QuestionDraft]:
    out = io.BytesIO()
    writer([ExportedQuestion(d) for d in questions], out)
    source = read_template(name, out.getvalue())
    problems = [p for row in source.rows for p in row.problems]
    assert problems == [], problems
    return [row.draft for row in source.rows]


def _content(draft: QuestionDraft) -> tuple:
    score = draft.default_score.normalize() if draft.default_score is not None else None
    return (draft.qtype, draft.stem, draft.options, draft.key, draft.category_path, draft.explanation,
            draft.difficulty, draft.tags, draft.legal_basis, score, draft.rubric)


@PROPERTY
@given(st.lists(drafts(), min_size=1, max_size=4))
def test_what_the_xlsx_export_writes_the_import_reads_back_identically(questions):
    assert [_content(d) for d in _read_back(write_xlsx, "bank.xlsx", questions)] == [_content(d) for d in questions]


@PROPERTY
@given(st.lists(drafts(), min_size=1, max_size=4))
def test_what_the_csv_export_writes_the_import_reads_back_identically(questions):
    assert [_content(d) for d in _read_back(write_csv, "bank.csv", questions)] == [_content(d) for d in questions]


def _refusal_is_located(exc: InvalidInput, filename: str) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert isinstance(problem.place, Place) and problem.place.file == filename


@PROPERTY
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_as_a_csv_are_read_or_refused_naming_the_file_never_a_crash(data):
    try:
        source = read_template("upload.csv", data)
    except InvalidInput as exc:
        _refusal_is_located(exc, "upload.csv")
        return
    for row in source.rows:
        assert row.draft is not None or row.problems
        for problem in row.problems:
            assert problem.place.file == "upload.csv" and problem.place.row == row.number


@PROPERTY
@given(st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=len(TEMPLATE_HEADERS)), min_size=1,
                max_size=6))
def test_any_cell_texts_under_the_template_header_give_drafts_or_problems_on_their_rows(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(list(TEMPLATE_HEADERS))
    for row in rows:
        # Control characters other than tab and line ends cannot be stored in an xlsx cell at all.
        sheet.append(["".join(c for c in cell if c >= " " or c in "\t\n\r") for cell in row])
    out = io.BytesIO()
    book.save(out)
    try:
        source = read_template("upload.xlsx", out.getvalue())
    except InvalidInput as exc:
        _refusal_is_located(exc, "upload.xlsx")
        return
    for row in source.rows:
        assert (row.draft is None) == bool(row.problems)
        assert all(p.place.file == "upload.xlsx" and p.place.row == row.number for p in row.problems)
