"""A repeat says plainly which row repeats which (issue-5 trial: a repeat found inside one file was
reported as "bank: A, file: B"). On the batch page a row's twin is either an earlier row of the
same file (named by its row, or by its question number and line in a Moodle XML, GIFT or JSON
Lines file, with the question it became) or a question that was in the bank before (named as
such); whichever part of the file (the import writes 500 rows at a time) each row was in."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from question_bank.models import ImportBatch, QuestionVersion
from question_bank.services import importing
from tests.examsvc.test_bank_import_changed_pages import editor  # noqa: F401  (the signed-in editor, English pages)
from tests.factories import questions_xlsx
from tests.forms import upload

STEM = "下列关于行政处罚的说法正确的是（ ）"


def choice_row(stem: str, key: str) -> tuple:
    return ("单选", stem, "警告", "罚款", "记过", "拘留", key, "", "", "", "", "行政处罚法", "")


def batch_page(client, db) -> str:
    batch = db.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    return client.get(f"/bank/batches/{batch.id}").get_data(as_text=True)


def table(page: str, table_id: str) -> list[str]:
    """The body rows of a listing on the batch page, tags stripped, space collapsed."""
    body = page.split(f'id="{table_id}"')[1].split("</section>")[0].split("<tbody>")[1]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


@pytest.mark.parametrize("chunk_rows", [importing.CHUNK_ROWS, 1], ids=["one part", "a part a row"])
def test_a_repeat_inside_the_file_names_the_earlier_row_and_a_bank_repeat_the_question(
        client, db, editor, make, monkeypatch, chunk_rows):
    monkeypatch.setattr(importing, "CHUNK_ROWS", chunk_rows)
    in_bank = make.question("single_choice", stem="行政处罚的种类不包括（ ）", options=["警告", "罚款", "记过", "拘留"],
                            key=["C"])
    rows = [choice_row(STEM, "B"), choice_row("行政处罚的种类不包括（ ）", "C"), choice_row(STEM, "B"),
            choice_row(STEM, "D")]
    assert upload(client, "题库.xlsx", questions_xlsx(rows), "valid_only", "keep").status_code == 302
    page = batch_page(client, db)
    first = db.scalar(select(func.min(QuestionVersion.question_id)).where(QuestionVersion.stem == STEM))

    repeats = table(page, "import-duplicates")
    assert f"question {in_bank.id} in the bank 100%" in repeats[0] and repeats[0].startswith("3 ")
    assert f"row 2 of this file (question {first}) 100%" in repeats[1] and repeats[1].startswith("4 ")
    assert 'data-twin="bank"' in page and 'data-twin="file"' in page

    (changed,) = table(page, "import-changed-answers")
    assert changed.startswith("5 ")
    # One sentence naming both rows, and what to do, never "bank: B, file: D".
    assert ("row 5 has the same stem and options as row 2 of this file but another answer: row 2 of this file has B, "
            "row 5 has D. The file holds this question twice: keep the row whose answer is right and leave the other "
            "out.") in changed
    assert "bank" not in changed


def test_in_a_json_lines_file_the_twin_is_named_by_its_question_number_and_line(client, db, editor):
    line = {"schema": "examsvc.question/1", "type": "single_choice", "stem": STEM, "options": ["警告", "罚款"],
            "key": ["B"], "category": "行政处罚法"}
    other = {**line, "key": ["A"]}
    data = "\n".join(json.dumps(q, ensure_ascii=False) for q in (line, line, other)).encode()
    assert upload(client, "题库.jsonl", data, "valid_only", "keep").status_code == 302
    page = batch_page(client, db)
    (repeat,) = table(page, "import-duplicates")
    assert "question 1 in the file, line 1 (question" in repeat
    (changed,) = table(page, "import-changed-answers")
    assert ("question 3 in the file, line 3 has the same stem and options as question 1 in the file, line 1 but "
            "another answer: question 1 in the file, line 1 has B, question 3 in the file, line 3 has A. The file holds "
            "this question twice") in changed
